/**
 * Running the Google nodes against their fakes, with every exchange checked against the
 * API's discovery document.
 *
 * A harness starts one fake, records each exchange it sees, and runs effects and nodes
 * through a fresh kernel whose routes send the real Google origins to the fake (as a
 * sandbox run does), with a test credential whose tokens a test can revoke. After each
 * test, `contractProblems()` lists every exchange that broke the discovery document.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Layer } from "effect"
import { Effect, Exit, Layer as L, Random, Redacted, Schema } from "effect"
import type {
  FakeExchange,
  GoogleFakeOptions,
  GoogleFakeServer
} from "../../nodes/google/fakeServer.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { Workspace } from "../../src/http/workspace.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import type { NodeDefinition } from "../../src/node/defineNode.js"
import type { GoogleApi } from "./discovery.js"
import { discoveryContract } from "./discovery.js"

// biome-ignore lint/suspicious/noExplicitAny: a harness runs nodes of any input and output
type AnyNode = NodeDefinition<any, any, any>

/** A node's encoded output, read loosely by tests. */
// biome-ignore lint/suspicious/noExplicitAny: tests read node outputs field by field
type NodeOutput = any

/** A test credential: a list of access tokens, the next one handed out on each refresh. */
export interface TestCredential {
  readonly authenticator: Authenticator
  /** How many times the kernel asked for a refresh. */
  readonly refreshes: () => number
}

/** A credential whose token is `tokens[0]`, then `tokens[1]` after a refresh, and so on. */
export const testCredential = (
  tokens: ReadonlyArray<string>,
  credentialId = "google-test"
): TestCredential => {
  let current = 0
  let refreshes = 0
  return {
    refreshes: () => refreshes,
    authenticator: {
      credentialId,
      credentialType: "google.oauth2",
      authorize: Effect.sync(() => ({
        headers: { authorization: Redacted.make(`Bearer ${tokens[current]}`) }
      })),
      refresh: () =>
        Effect.sync(() => {
          refreshes++
          if (current + 1 >= tokens.length) return false
          current++
          return true
        }),
      secretNames: ["authorization"]
    }
  }
}

/** A fake under test, and how to run the integration against it. */
export interface Harness<F extends GoogleFakeServer, S> {
  readonly fake: F
  /** Every exchange the fake saw, in order. */
  readonly exchanges: Array<FakeExchange>
  /** The run's workspace directory. */
  readonly workspace: string
  /** Runs an effect with the integration's service (built for `credential`), kernel and workspace. */
  readonly run: <A, E>(
    effect: Effect.Effect<A, E, S | HttpKernel | Workspace>,
    credential?: TestCredential
  ) => Promise<Exit.Exit<A, E>>
  /** Runs a node: decodes the input, runs it, encodes and checks the output. */
  readonly runNode: (
    node: AnyNode,
    input: unknown,
    credential?: TestCredential
  ) => Promise<Exit.Exit<NodeOutput, unknown>>
  /** Problems against the discovery document of the exchanges seen since the last call. */
  readonly contractProblems: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

/**
 * Starts a fake and returns a harness for it. `origins` are the real Google origins the
 * kernel routes to the fake; `layer` builds the integration's service.
 */
export const startHarness = async <F extends GoogleFakeServer, S>(options: {
  readonly api: GoogleApi
  readonly start: (options: GoogleFakeOptions) => Promise<F>
  readonly origins: ReadonlyArray<string>
  readonly layer: (context: IntegrationContext) => Layer.Layer<S, never, HttpKernel>
}): Promise<Harness<F, S>> => {
  const exchanges: Array<FakeExchange> = []
  const fake = await options.start({ observe: (exchange) => exchanges.push(exchange) })
  const workspace = mkdtempSync(join(tmpdir(), "rpa-google-"))
  const contract = discoveryContract(options.api)
  const routes = new Map(options.origins.map((origin) => [origin, fake.url]))
  let checked = 0

  const run = <A, E>(
    effect: Effect.Effect<A, E, S | HttpKernel | Workspace>,
    credential: TestCredential = testCredential(["token-1"])
  ) => {
    const kernel = HttpKernel.layer({ routes })
    const service = L.provideMerge(
      options.layer({ authenticator: credential.authenticator }),
      kernel
    )
    const layer = L.merge(service, L.succeed(Workspace, { directory: workspace }))
    return Effect.runPromiseExit(
      effect.pipe(Effect.provide(layer), Effect.scoped, Effect.withRandom(Random.fixed([0])))
    )
  }

  const runNode = (node: AnyNode, input: unknown, credential?: TestCredential) =>
    run(
      Effect.gen(function* () {
        const decoded = yield* Schema.decodeUnknown(node.input)(input)
        const output = yield* node.run(decoded, { stepId: "test", credentialId: "google-test" })
        return yield* Schema.encode(node.output)(output)
      }) as Effect.Effect<unknown, unknown, S | HttpKernel | Workspace>,
      credential
    )

  return {
    fake,
    exchanges,
    workspace,
    run,
    runNode,
    contractProblems: () => {
      const fresh = exchanges.slice(checked)
      checked = exchanges.length
      return fresh.flatMap((exchange) => contract.check(exchange))
    },
    close: async () => {
      await fake.close()
      rmSync(workspace, { recursive: true, force: true })
    }
  }
}

/** The value of a successful exit; a failure is thrown with its cause, for `expect`. */
export const succeeded = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw new Error(`expected success, got ${JSON.stringify(exit.cause, null, 2)}`)
}

/** The error of a failed exit (`undefined` when it succeeded or died). */
export const errorOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
