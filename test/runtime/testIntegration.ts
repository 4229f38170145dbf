/**
 * An in-memory integration for runner tests: nodes that echo, fail on demand, count
 * retries into the step's attempt counter, and return an output that breaks its schema.
 * Its service records how often it was built and with which credential.
 */
import { Context, Effect, FiberRef, Layer, Redacted, Schema } from "effect"
import { makeEnvCredentialSource } from "../../src/auth/envCredentials.js"
import { StepAttempts } from "../../src/http/attempts.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { NotFoundError, ServerError } from "../../src/http/errors.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { defineCredentialType } from "../../src/node/credentialType.js"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { defineNode } from "../../src/node/defineNode.js"
import { Secret } from "../../src/node/secret.js"
import type { RunFlowOptions } from "../../src/runtime/runFlow.js"

/** How often the test service was built, per credential id ("" for none). */
export const builds = new Map<string, number>()

/** The test integration's service: which credential it was built for. */
export class TestService extends Context.Tag("test/TestService")<
  TestService,
  { readonly authenticator: Authenticator | undefined }
>() {}

/** A token credential; its sandbox token is `sandbox-token-123`. */
export const token = defineCredentialType({
  type: "test.token",
  title: "Test token",
  description: "A token for the test integration.",
  fields: Schema.Struct({ token: Secret, region: Schema.optional(Schema.Literal("eu", "us")) }),
  authenticate: (credential) =>
    Effect.succeed({
      credentialId: credential.id,
      credentialType: credential.type,
      authorize: Effect.succeed({
        headers: {
          authorization: Redacted.make(`Bearer ${Redacted.value(credential.fields.token)}`)
        }
      }),
      secretNames: ["authorization"]
    }),
  sandbox: { token: "sandbox-token-123" }
})

const echo = defineNode({
  type: "test.echo",
  version: 1,
  title: "Echo",
  description: "Returns its input.",
  category: "Test",
  credentials: { types: [], required: false },
  input: Schema.Struct({ value: Schema.Unknown, count: Schema.optional(Schema.Number) }),
  output: Schema.Struct({ value: Schema.Unknown, count: Schema.optional(Schema.Number) }),
  run: (input) => Effect.succeed(input)
})

const fail = defineNode({
  type: "test.fail",
  version: 1,
  title: "Fail",
  description: "Fails with the named error after counting the given retries.",
  category: "Test",
  credentials: { types: [], required: false },
  input: Schema.Struct({
    error: Schema.Literal("ServerError", "NotFoundError"),
    retries: Schema.optionalWith(Schema.Number, { default: () => 0 })
  }),
  output: Schema.Struct({}),
  run: (input) =>
    Effect.flatMap(FiberRef.get(StepAttempts), (counter) => {
      counter.retries += input.retries
      return Effect.fail(
        input.error === "ServerError"
          ? new ServerError({ message: "The server failed.", status: 503, retryAfterMs: 0 })
          : new NotFoundError({ message: "No such thing.", status: 404 })
      )
    })
})

const badOutput = defineNode({
  type: "test.badOutput",
  version: 1,
  title: "Bad output",
  description: "Returns an output that does not match its schema.",
  category: "Test",
  credentials: { types: [], required: false },
  input: Schema.Struct({}),
  output: Schema.Struct({ count: Schema.Number }),
  run: () => Effect.succeed({ count: "many" } as unknown as { count: number })
})

const whoami = defineNode({
  type: "test.whoami",
  version: 1,
  title: "Who am I",
  description: "Returns the credential the step's service was built with.",
  category: "Test",
  credentials: { types: ["test.token"], required: true },
  input: Schema.Struct({}),
  output: Schema.Struct({ credential: Schema.String }),
  run: () =>
    Effect.map(TestService, (service) => ({
      credential: service.authenticator?.credentialId ?? "none"
    }))
})

/** The test integration. */
export const testIntegration = defineIntegration({
  name: "test",
  title: "Test",
  description: "Nodes for runner tests.",
  icon: "nodes/test/icon.svg",
  credentialTypes: [token],
  nodes: [echo, fail, badOutput, whoami],
  sandbox: {
    origins: ["https://test.sandbox"],
    start: Effect.succeed({ url: "http://127.0.0.1:9" })
  },
  layer: (context) =>
    Layer.effect(
      TestService,
      Effect.sync(() => {
        const key = context.authenticator?.credentialId ?? ""
        builds.set(key, (builds.get(key) ?? 0) + 1)
        return { authenticator: context.authenticator }
      })
    )
})

/** A kernel that refuses every request: the test integration never sends any. */
const noKernel = Layer.succeed(HttpKernel, {
  client: () => {
    throw new Error("the test integration sends no requests")
  }
})

/** Run options that use only the test integration, the given variables and no network. */
export const testRunOptions = (
  env: Readonly<Record<string, string>> = {},
  options: RunFlowOptions = {}
): RunFlowOptions => ({
  integrations: [{ name: "test", load: () => Promise.resolve(testIntegration) }],
  credentials: makeEnvCredentialSource(env),
  kernel: () => noKernel,
  ...options
})
