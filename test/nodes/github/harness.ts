/**
 * Runs GitHub nodes against the GitHub fake, the way a flow step runs them: the input is
 * decoded with the node's schema, the node runs on the kernel (routed to the fake), and
 * the output is encoded with the node's output schema.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Scope } from "effect"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { app, token } from "../../../nodes/github/credentials.js"
import {
  type GitHubFake,
  type GitHubFakeOptions,
  githubOrigins,
  startGitHubFake
} from "../../../nodes/github/fake.js"
import { sandboxClassicToken } from "../../../nodes/github/fakeData.js"
import { GitHub } from "../../../nodes/github/service.js"
import { CredentialSource } from "../../../src/auth/credentialSource.js"
import type { Authenticator } from "../../../src/http/authenticator.js"
import { InputError, type NodeError } from "../../../src/http/errors.js"
import { HttpKernel, type KernelDefaults } from "../../../src/http/kernel.js"
import { Workspace } from "../../../src/http/workspace.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"

/** A started fake and a way to run GitHub nodes against it with one shared kernel. */
export interface GitHubHarness {
  readonly fake: GitHubFake
  readonly directory: string
  readonly run: (node: NodeDefinition, input: unknown) => Effect.Effect<unknown, NodeError>
}

/** How the harness signs in: a token, or an app credential's encoded fields. */
export type HarnessCredential =
  | { readonly token: string }
  | { readonly app: Readonly<Record<string, unknown>> }
  | { readonly anonymous: true }

/** A run's credential source that knows no credential: app tokens live in memory only. */
const emptyStore = () =>
  Layer.succeed(CredentialSource, {
    get: () => Effect.succeed(Option.none()),
    update: () => Effect.void
  })

/** Starts the fake and builds the kernel and the GitHub service for one credential. */
export const githubHarness = (
  options: {
    readonly fake?: GitHubFakeOptions
    readonly credential?: HarnessCredential
    readonly kernel?: KernelDefaults
  } = {}
): Effect.Effect<GitHubHarness, never, Scope.Scope> =>
  Effect.gen(function* () {
    const fake = yield* startGitHubFake(options.fake)
    const routes = new Map(githubOrigins.map((origin) => [origin, fake.url]))
    const directory = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(join(tmpdir(), "github-run-"))),
      (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
    )
    const base = yield* Layer.build(
      Layer.mergeAll(
        HttpKernel.layer({ routes, defaults: options.kernel }),
        emptyStore(),
        Layer.succeed(Workspace, { directory })
      )
    )
    const authenticator = yield* Effect.orDie(
      Effect.provide(authenticate(options.credential ?? { token: sandboxClassicToken }), base)
    )
    const services = Context.merge(
      base,
      yield* Layer.build(Layer.provide(GitHub.layer({ authenticator }), Layer.succeedContext(base)))
    )
    return { fake, directory, run: (node, input) => runNode(node, input, services) }
  })

const authenticate = (
  credential: HarnessCredential
): Effect.Effect<Authenticator | undefined, unknown, HttpKernel | CredentialSource> => {
  if ("anonymous" in credential) return Effect.succeed(undefined)
  if ("token" in credential) {
    return Effect.flatMap(
      Schema.decodeUnknown(token.fields)({ token: credential.token }),
      (fields) => token.authenticate({ id: "gh", type: "github.token", fields })
    )
  }
  return Effect.flatMap(Schema.decodeUnknown(app.fields)({ ...credential.app }), (fields) =>
    app.authenticate({ id: "gh-app", type: "github.app", fields })
  )
}

/** Decodes, runs and encodes like the runner; a bad input is an `InputError`. */
export const runNode = (
  node: NodeDefinition,
  input: unknown,
  services: Context.Context<GitHub | HttpKernel | Workspace | CredentialSource>
): Effect.Effect<unknown, NodeError> =>
  Schema.decodeUnknown(node.input)(input).pipe(
    Effect.mapError(
      (error) =>
        new InputError({ message: error.message, issues: [{ path: "", message: error.message }] })
    ),
    Effect.flatMap((decoded) => node.run(decoded, { stepId: "test", credentialId: "gh" })),
    Effect.flatMap((output) => Effect.orDie(Schema.encode(node.output)(output))),
    Effect.provide(services)
  ) as Effect.Effect<unknown, NodeError>
