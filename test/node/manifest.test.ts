import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import {
  buildManifest,
  checkManifest,
  formatManifestRun,
  type Manifest,
  nodeExportName,
  type PackInfo,
  writeManifest
} from "../../src/node/manifest.js"
import { echo, echoV1, fakeIntegration, otherIntegration, upload } from "./fixtures.js"
import { strictValidator } from "./strictValidator.js"

const pack: PackInfo = {
  name: "rpa-integrations",
  version: "1.2.3",
  engines: { npm: ">=10", node: ">=20" }
}
const integrations = [fakeIntegration(), otherIntegration]

const build = (list = integrations, info = pack) => Either.getOrThrow(buildManifest(list, info))

describe("buildManifest", () => {
  it("lists the pack, integrations, nodes and credential types", () => {
    const manifest: Manifest = build().manifest
    expect(manifest).toMatchObject({
      name: "rpa-integrations",
      version: "1.2.3",
      protocolVersion: 1
    })
    expect(Object.keys(manifest.engines)).toEqual(["node", "npm"])
    expect(manifest.integrations).toEqual([
      {
        name: "fake",
        title: "Fake",
        description: "A fake API for tests.",
        icon: "nodes/fake/icon.svg"
      },
      {
        name: "other",
        title: "Other",
        description: "Another fake API.",
        icon: "nodes/other/icon.svg"
      }
    ])
    expect(manifest.nodes.map((n) => `${n.type}@${n.version}`)).toEqual([
      "fake.echo@1",
      "fake.echo@2",
      "fake.upload@1",
      "other.ping@1"
    ])
    expect(manifest.nodes[1]).toEqual({
      type: "fake.echo",
      version: 2,
      title: "Echo",
      description: "Returns the text, repeated.",
      category: "Testing",
      icon: "nodes/fake/icon.svg",
      credentials: { types: ["fake.token"], required: false },
      docsUrl: "https://fake.test/docs/echo",
      input: "schemas/nodes/fake.echo@2.input.json",
      output: "schemas/nodes/fake.echo@2.output.json",
      entry: { module: "rpa-integrations/nodes/fake", export: "echo" }
    })
    expect(manifest.nodes[0]?.entry.export).toBe("echoV1")
    expect(manifest.nodes[2]?.scopes).toEqual(["files.write"])
    expect(manifest.nodes[1]).not.toHaveProperty("scopes")
    expect(manifest.nodes[0]).not.toHaveProperty("docsUrl")
  })

  it("lists credential types with their schema and OAuth2 settings, without unset endpoints", () => {
    const { credentials } = build().manifest
    expect(credentials.map((c) => c.type)).toEqual(["fake.oauth2", "fake.token"])
    expect(credentials[0]).toEqual({
      type: "fake.oauth2",
      title: "Fake account",
      description: "Connect a fake account.",
      schema: "schemas/credentials/fake.oauth2.json",
      oauth2: {
        grants: ["authorization_code", "refresh_token"],
        authorizationEndpoint: "https://fake.test/authorize",
        tokenEndpoint: "https://fake.test/token",
        defaultScopes: ["read"],
        pkce: true
      }
    })
    expect(credentials[1]).not.toHaveProperty("oauth2")
  })

  it("generates manifest.json and one schema file per node side and credential type", () => {
    const { files, manifest } = build()
    expect([...files.keys()]).toEqual([
      "manifest.json",
      "schemas/credentials/fake.oauth2.json",
      "schemas/credentials/fake.token.json",
      "schemas/nodes/fake.echo@1.input.json",
      "schemas/nodes/fake.echo@1.output.json",
      "schemas/nodes/fake.echo@2.input.json",
      "schemas/nodes/fake.echo@2.output.json",
      "schemas/nodes/fake.upload@1.input.json",
      "schemas/nodes/fake.upload@1.output.json",
      "schemas/nodes/other.ping@1.input.json",
      "schemas/nodes/other.ping@1.output.json"
    ])
    expect(JSON.parse(files.get("manifest.json") ?? "")).toEqual(manifest)
    const token = JSON.parse(files.get("schemas/credentials/fake.token.json") ?? "")
    expect(token.properties.token).toMatchObject({ format: "password", writeOnly: true })
    const echoInput = JSON.parse(files.get("schemas/nodes/fake.echo@2.input.json") ?? "")
    expect(echoInput.properties.times).toMatchObject({ title: "Times", default: 1 })
    for (const content of files.values()) expect(content.endsWith("}\n")).toBe(true)
  })

  it("writes schemas a strict 2020-12 validator compiles", () => {
    for (const [path, content] of build().files) {
      if (path.startsWith("schemas/"))
        expect(() => strictValidator(JSON.parse(content))).not.toThrow()
    }
  })

  it("gives the same bytes whatever the order of integrations and nodes", () => {
    const reordered = [otherIntegration, fakeIntegration({ nodes: [upload, echo, echoV1] })]
    expect([...build(reordered).files]).toEqual([...build().files])
  })

  it("fails on inconsistent integrations, as the registry does", () => {
    const result = buildManifest([fakeIntegration({ nodes: [echo, echo] })], pack)
    expect(Either.isLeft(result) && result.left._tag).toBe("RegistryError")
  })

  it("fails on a schema JSON cannot carry, naming the node", () => {
    const bad = { ...echo, input: Schema.Struct({ n: Schema.BigIntFromSelf }) }
    const result = buildManifest([fakeIntegration({ nodes: [bad] })], pack)
    expect(Either.isLeft(result) && result.left._tag).toBe("JsonSchemaError")
    expect(Either.isLeft(result) && result.left.message).toContain("fake.echo@2 input")
  })
})

describe("nodeExportName", () => {
  it("names the latest version after its operation and older ones with a V suffix", () => {
    expect(nodeExportName("slack.postMessage", 3, 3)).toBe("postMessage")
    expect(nodeExportName("slack.postMessage", 1, 3)).toBe("postMessageV1")
  })
})

/** A temporary pack root with a package.json. */
const packRoot = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const root = yield* fs.makeTempDirectoryScoped({ prefix: "rpa-manifest-" })
  yield* fs.writeFileString(join(root, "package.json"), JSON.stringify(pack))
  return { fs, root }
})

describe("writeManifest and checkManifest", () => {
  it.scoped("writes every file, then finds nothing stale", () =>
    Effect.gen(function* () {
      const { fs, root } = yield* packRoot
      expect(yield* checkManifest(root, integrations)).toHaveLength(11)

      const written = yield* writeManifest(root, integrations)
      expect(written.every((file) => file.status === "missing")).toBe(true)
      expect(written).toHaveLength(11)
      expect(yield* checkManifest(root, integrations)).toEqual([])
      expect(yield* writeManifest(root, integrations)).toEqual([])

      const content = yield* fs.readFileString(join(root, "schemas/nodes/fake.echo@2.input.json"))
      expect(content).toBe(build().files.get("schemas/nodes/fake.echo@2.input.json"))
      expect(yield* fs.readDirectory(join(root, "schemas/nodes"))).not.toContainEqual(
        expect.stringMatching(/\.tmp$/)
      )
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.scoped("reports a node whose input schema changed, a missing file and an extra file", () =>
    Effect.gen(function* () {
      const { fs, root } = yield* packRoot
      yield* writeManifest(root, integrations)

      const changedEcho = {
        ...echo,
        input: Schema.Struct({ text: Schema.String, loud: Schema.optional(Schema.Boolean) })
      }
      const changed = [fakeIntegration({ nodes: [echoV1, changedEcho, upload] }), otherIntegration]
      expect(yield* checkManifest(root, changed)).toEqual([
        { path: "schemas/nodes/fake.echo@2.input.json", status: "different" }
      ])

      yield* fs.remove(join(root, "schemas/credentials/fake.token.json"))
      yield* fs.writeFileString(join(root, "schemas/nodes/fake.gone@1.input.json"), "{}\n")
      expect(yield* checkManifest(root, integrations)).toEqual([
        { path: "schemas/credentials/fake.token.json", status: "missing" },
        { path: "schemas/nodes/fake.gone@1.input.json", status: "extra" }
      ])

      const fixed = yield* writeManifest(root, changed)
      expect(fixed.map((file) => file.path)).toEqual([
        "schemas/credentials/fake.token.json",
        "schemas/nodes/fake.echo@2.input.json",
        "schemas/nodes/fake.gone@1.input.json"
      ])
      expect(yield* checkManifest(root, changed)).toEqual([])
      expect(yield* fs.exists(join(root, "schemas/nodes/fake.gone@1.input.json"))).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.scoped("removes the schemas of a node that is gone, and reports a stale manifest.json", () =>
    Effect.gen(function* () {
      const { fs, root } = yield* packRoot
      yield* writeManifest(root, integrations)
      const fewer = [fakeIntegration({ nodes: [echoV1, echo] }), otherIntegration]
      expect(yield* checkManifest(root, fewer)).toEqual([
        { path: "manifest.json", status: "different" },
        { path: "schemas/nodes/fake.upload@1.input.json", status: "extra" },
        { path: "schemas/nodes/fake.upload@1.output.json", status: "extra" }
      ])
      yield* writeManifest(root, fewer)
      expect(yield* fs.readDirectory(join(root, "schemas/nodes"))).not.toContain(
        "fake.upload@1.input.json"
      )
      expect(yield* checkManifest(root, fewer)).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.scoped("fails with a ManifestError when package.json is missing or unusable", () =>
    Effect.gen(function* () {
      const { fs, root } = yield* packRoot
      yield* fs.writeFileString(join(root, "package.json"), '{ "name": 1 }')
      const error = yield* Effect.flip(checkManifest(root, integrations))
      expect(error._tag).toBe("ManifestError")
      expect(error.message).toContain("package.json")
      yield* fs.remove(join(root, "package.json"))
      expect((yield* Effect.flip(checkManifest(root, integrations)))._tag).toBe("ManifestError")
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )
})

describe("formatManifestRun", () => {
  it("says what a check found and what to do", () => {
    const stale = formatManifestRun({
      mode: "check",
      files: [{ path: "manifest.json", status: "different" }],
      ok: false,
      nodes: 2,
      credentialTypes: 1
    })
    expect(stale).toContain('run "rpa-integrations manifest"')
    expect(stale).toContain("different manifest.json")
    const fresh = formatManifestRun({
      mode: "check",
      files: [],
      ok: true,
      nodes: 2,
      credentialTypes: 1
    })
    expect(fresh).toBe(
      "manifest.json and schemas/ are up to date (2 node(s), 1 credential type(s))."
    )
  })
})
