/**
 * Runs the `http.request` node against the httpbin fake the way a flow step runs it: the
 * input is decoded with the node's schema (a bad one is an `InputError` naming its
 * fields), the node runs on the real kernel routed to the fake, and the output is encoded
 * with the node's output schema.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Scope } from "effect"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { credentialTypes } from "../../../nodes/http/credentials.js"
import { startHttpbinFake } from "../../../nodes/http/fake.js"
import { integration, request } from "../../../nodes/http/index.js"
import type { RequestOutput } from "../../../nodes/http/requestSchema.js"
import { CredentialSource } from "../../../src/auth/credentialSource.js"
import type { NodeError } from "../../../src/http/errors.js"
import { InputError } from "../../../src/http/errors.js"
import type { KernelDefaults } from "../../../src/http/kernel.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import { Workspace } from "../../../src/http/workspace.js"
import type { CredentialType } from "../../../src/node/credentialType.js"
import { fieldIssues } from "../../../src/runtime/issues.js"

/** A credential as a flow's credential store holds it: a type and encoded fields. */
export interface TestCredential {
  readonly type: "http.bearer" | "http.basic" | "http.apiKey"
  readonly fields: Readonly<Record<string, unknown>>
}

/** A started fake, the run's workspace, and a way to run `http.request` steps. */
export interface HttpHarness {
  /** The fake's own base URL on 127.0.0.1 (the node addresses it as the sandbox origins). */
  readonly fakeUrl: string
  readonly workspace: string
  readonly run: (
    input: unknown,
    credential?: TestCredential
  ) => Effect.Effect<RequestOutput, NodeError>
}

/** Retries that wait a millisecond, so retry tests take no time. */
export const fastRetries: KernelDefaults = {
  retry: { baseDelayMs: 1, maxDelayMs: 5, jitter: "none" }
}

/**
 * Starts the fake, a workspace directory and one kernel routed to the fake for both
 * sandbox origins; all are closed with the scope.
 */
export const httpHarness = (
  defaults: KernelDefaults = fastRetries
): Effect.Effect<HttpHarness, never, Scope.Scope> =>
  Effect.gen(function* () {
    const fake = yield* startHttpbinFake
    const origins = integration.sandbox?.origins ?? []
    const routes = new Map(origins.map((origin) => [origin, fake.url]))
    const workspace = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(join(tmpdir(), "rpa-http-test-"))),
      (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true }))
    )
    const kernel = yield* Layer.build(HttpKernel.layer({ routes, defaults }))
    const services = Context.add(kernel, Workspace, { directory: workspace })
    return {
      fakeUrl: fake.url,
      workspace,
      run: (input, credential) =>
        runStep(input, credential).pipe(Effect.provide(services)) as Effect.Effect<
          RequestOutput,
          NodeError
        >
    }
  })

const runStep = (input: unknown, credential: TestCredential | undefined) =>
  Effect.gen(function* () {
    const decoded = yield* Schema.decodeUnknown(request.input, { errors: "all" })(input).pipe(
      Effect.mapError(
        (error) =>
          new InputError({
            message: "The step's input is invalid.",
            issues: fieldIssues(error.issue, { showValues: false })
          })
      )
    )
    const authenticator = credential === undefined ? undefined : yield* authenticate(credential)
    const output = yield* request
      .run(decoded, { stepId: "test", credentialId: authenticator?.credentialId })
      .pipe(Effect.provide(integration.layer({ authenticator })))
    return yield* Effect.orDie(Schema.encode(request.output)(output))
  })

const authenticate = (credential: TestCredential) => {
  const type = credentialTypes.find((t) => t.type === credential.type) as CredentialType<
    unknown,
    CredentialSource
  >
  return Effect.orDie(
    Effect.flatMap(Schema.decodeUnknown(type.fields)(credential.fields), (fields) =>
      type.authenticate({ id: "api", type: credential.type, fields })
    )
  ).pipe(
    Effect.provideService(CredentialSource, {
      get: () => Effect.succeed(Option.none()),
      update: () => Effect.void
    })
  )
}
