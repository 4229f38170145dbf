import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  closestName,
  makeRegistry,
  parseNodeRef,
  type Registry,
  RegistryError
} from "../../src/node/registry.js"
import {
  echo,
  echoV1,
  fakeIntegration,
  oauth,
  otherIntegration,
  token,
  upload
} from "./fixtures.js"

const registry: Registry = Either.getOrThrow(makeRegistry([otherIntegration, fakeIntegration()]))

const leftOf = <A, E>(either: Either.Either<A, E>): E => {
  if (Either.isRight(either)) throw new Error("expected a failure")
  return either.left
}

const node = (type: string, version = 1, credentialTypes: ReadonlyArray<string> = []) =>
  defineNode({
    type,
    version,
    title: type,
    description: "A node.",
    category: "Testing",
    credentials: { types: credentialTypes, required: false },
    input: Schema.Struct({}),
    output: Schema.Struct({}),
    run: () => Effect.succeed({})
  })

describe("parseNodeRef", () => {
  it("reads the type, integration, operation and pinned version", () => {
    expect(parseNodeRef("github.listIssues@1")).toEqual(
      Either.right({
        type: "github.listIssues",
        version: 1,
        integration: "github",
        operation: "listIssues"
      })
    )
    expect(Either.map(parseNodeRef("googleSheets.appendRows"), (ref) => ref.integration)).toEqual(
      Either.right("googleSheets")
    )
    expect(parseNodeRef("google-sheets.appendRow")).toEqual(
      Either.right({
        type: "google-sheets.appendRow",
        version: undefined,
        integration: "google-sheets",
        operation: "appendRow"
      })
    )
  })

  it.each([
    "github",
    "github.",
    ".listIssues",
    "GitHub.listIssues",
    "a.b.c",
    "github.listIssues@",
    "github.listIssues@0",
    "github.listIssues@x",
    "github.listIssues@1.5",
    ""
  ])("rejects %j with the expected form in the message", (ref) => {
    const error = leftOf(parseNodeRef(ref))
    expect(error).toBeInstanceOf(RegistryError)
    expect(error.reason).toBe("InvalidReference")
    expect(error.message).toContain('"<integration>.<operation>"')
    expect(error.message).toContain(JSON.stringify(ref))
  })
})

describe("Registry lookups", () => {
  it("finds the latest version unless one is pinned", () => {
    expect(registry.findNode("fake.echo")).toEqual(Either.right(echo))
    expect(registry.findNode("fake.echo", 1)).toEqual(Either.right(echoV1))
    expect(registry.resolve("fake.echo@1")).toEqual(Either.right(echoV1))
    expect(registry.resolve("fake.upload")).toEqual(Either.right(upload))
    expect(registry.versions("fake.echo")).toEqual([1, 2])
    expect(registry.versions("fake.nothing")).toEqual([])
  })

  it("lists the available versions when the pinned one does not exist", () => {
    const error = leftOf(registry.findNode("fake.echo", 3))
    expect(error.reason).toBe("UnknownVersion")
    expect(error.available).toEqual(["1", "2"])
    expect(error.suggestion).toBe("fake.echo@2")
    expect(error.message).toContain("no version 3")
    expect(error.message).toContain("1, 2")
  })

  it("suggests the closest node type for a typo", () => {
    const error = leftOf(registry.resolve("fake.ecoh"))
    expect(error.reason).toBe("UnknownNode")
    expect(error.suggestion).toBe("fake.echo")
    expect(error.message).toContain('Did you mean "fake.echo"?')
    expect(error.available).toEqual(["fake.echo", "fake.upload", "other.ping"])
  })

  it("gives no suggestion when nothing is close", () => {
    const error = leftOf(registry.findNode("slack.postMessage"))
    expect(error.suggestion).toBeUndefined()
    expect(error.message).not.toContain("Did you mean")
  })

  it("fails a malformed reference before looking it up", () => {
    expect(leftOf(registry.resolve("fake.echo@latest")).reason).toBe("InvalidReference")
  })

  it("finds the integration of a node type", () => {
    expect(Either.map(registry.integrationOf("fake.echo"), (i) => i.name)).toEqual(
      Either.right("fake")
    )
    expect(Either.map(registry.integrationOf("other"), (i) => i.name)).toEqual(
      Either.right("other")
    )
    const error = leftOf(registry.integrationOf("fak.echo"))
    expect(error.reason).toBe("UnknownIntegration")
    expect(error.suggestion).toBe("fake")
  })

  it("finds credential types and suggests one for a typo", () => {
    expect(registry.credentialType("fake.token")).toEqual(Either.right(token))
    const error = leftOf(registry.credentialType("fake.oauth"))
    expect(error.reason).toBe("UnknownCredentialType")
    expect(error.suggestion).toBe("fake.oauth2")
  })

  it("lists nodes by type and version, integrations and credential types by name", () => {
    expect(registry.nodes.map((n) => `${n.type}@${n.version}`)).toEqual([
      "fake.echo@1",
      "fake.echo@2",
      "fake.upload@1",
      "other.ping@1"
    ])
    expect(registry.integrations.map((i) => i.name)).toEqual(["fake", "other"])
    expect(registry.credentialTypes).toEqual([oauth, token])
  })
})

describe("makeRegistry checks", () => {
  const problemsOf = (integrations: Parameters<typeof makeRegistry>[0]) => {
    const error = leftOf(makeRegistry(integrations))
    expect(error.reason).toBe("InvalidDefinition")
    return error.problems ?? []
  }

  it("rejects the same node type and version twice", () => {
    const problems = problemsOf([fakeIntegration({ nodes: [echo, echo] })])
    expect(problems).toEqual(['Node "fake.echo@2" is defined twice; give it a new version.'])
  })

  it("rejects a node whose type does not start with its integration's name", () => {
    const problems = problemsOf([fakeIntegration({ nodes: [node("other.thing")] })])
    expect(problems[0]).toContain('its type must start with "fake."')
  })

  it("rejects malformed node types and integration names", () => {
    expect(problemsOf([fakeIntegration({ nodes: [node("fake.Bad-Name")] })])[0]).toContain(
      '"<integration>.<operation>"'
    )
    expect(problemsOf([fakeIntegration({ name: "Fake", nodes: [] })])[0]).toContain(
      "must start with a lower-case letter"
    )
  })

  it.each([0, -1, 1.5, Number.NaN])("rejects version %s", (version) => {
    const problems = problemsOf([fakeIntegration({ nodes: [node("fake.thing", version)] })])
    expect(problems).toEqual([
      `Node "fake.thing@${version}": the version must be a positive integer, for example 1.`
    ])
  })

  it("rejects two different credential types with the same type name", () => {
    const copy = { ...token }
    const problems = problemsOf([fakeIntegration(), otherIntegrationWith([copy])])
    expect(problems).toEqual([
      'Credential type "fake.token" is defined by both "fake" and "other"; define it once and import it where it is shared.'
    ])
  })

  it("accepts a credential type shared by two integrations as the same value", () => {
    expect(Either.isRight(makeRegistry([fakeIntegration(), otherIntegrationWith([token])]))).toBe(
      true
    )
  })

  it("rejects a node that accepts a credential type nobody defines", () => {
    const problems = problemsOf([
      fakeIntegration({ credentialTypes: [token], nodes: [node("fake.thing", 1, ["fake.oauth3"])] })
    ])
    expect(problems[0]).toContain(
      'accepts credential type "fake.oauth3", which no integration defines'
    )
  })

  it("rejects a node that requires a credential but accepts none", () => {
    const needy = { ...node("fake.thing"), credentials: { types: [], required: true } }
    expect(problemsOf([fakeIntegration({ nodes: [needy] })])[0]).toContain(
      "requires a credential but accepts no credential type"
    )
  })

  it("reports every problem at once, one per line of the message", () => {
    const error = leftOf(
      makeRegistry([
        fakeIntegration({ nodes: [echo, echo, node("other.thing"), node("fake.thing", 0)] }),
        fakeIntegration()
      ])
    )
    expect(error.problems?.length).toBe(5)
    expect(error.message).toContain("The integrations have 5 problem(s)")
    expect(error.message).toContain('Integration "fake" is defined twice.')
  })

  it.effect("works as an Effect failure too", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(makeRegistry([fakeIntegration({ nodes: [echo, echo] })]))
      expect(error._tag).toBe("RegistryError")
      expect(error.retryable).toBe(false)
    })
  )
})

describe("closestName", () => {
  it("ignores case and refuses far-away names", () => {
    expect(closestName("HTTP.request", ["http.request", "slack.postMessage"])).toBe("http.request")
    expect(closestName("zzz", ["http.request"])).toBeUndefined()
    expect(closestName("x", [])).toBeUndefined()
  })
})

const otherIntegrationWith = (credentialTypes: typeof otherIntegration.credentialTypes) => ({
  ...otherIntegration,
  credentialTypes
})
