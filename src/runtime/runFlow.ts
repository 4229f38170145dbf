/**
 * The JS API of the runner: run a flow headless and get its result, for RPA runtimes that
 * embed the pack (the command line `rpa-integrations run` is built on it).
 *
 * ```ts
 * import { runFlow } from "rpa-integrations"
 *
 * const result = await runFlow("flows/digest.json", { inputs: { repo: "acme/web" } })
 * if (result.status !== "succeeded") process.exitCode = result.status === "invalid" ? 2 : 1
 * ```
 *
 * @module
 */

import type { Scope } from "effect"
import { Context, Effect, Layer } from "effect"
import type { IntegrationEntry } from "../../nodes/index.js"
import { integrations as packIntegrations } from "../../nodes/index.js"
import { CredentialSource } from "../auth/credentialSource.js"
import { HttpKernel } from "../http/kernel.js"
import { Workspace } from "../http/workspace.js"
import { loadFlowRegistry } from "./catalog.js"
import { machineCredentials } from "./credentials.js"
import type { RunObserver, RunResult } from "./executor.js"
import { execute } from "./executor.js"
import type { FlowFile } from "./flow.js"
import { loadFlowDraft, parseFlowDraft } from "./flow.js"
import type { FlowError } from "./flowError.js"
import { flowErrorToJson } from "./flowError.js"
import type { LogOptions } from "./logging.js"
import { noLogs, runLogger } from "./logging.js"
import { preflight, withDraftIssues } from "./preflight.js"
import { makeRunDirectory } from "./runDirectory.js"
import type { SandboxRoutes } from "./sandbox.js"
import { sandboxedKernel, startSandboxes } from "./sandbox.js"
import type { SecretRegistry } from "./secrets.js"
import { makeSecretRegistry, Secrets } from "./secrets.js"

/** How to run a flow; every field is optional. */
export interface RunFlowOptions {
  /** Values of the flow's declared inputs; the others take their defaults. */
  readonly inputs?: Readonly<Record<string, unknown>> | undefined
  /** Run against each integration's fake server with sandbox credentials, offline. */
  readonly sandbox?: boolean | undefined
  /** Directory for the files steps produce; default: a new `rpa-run-*` temporary directory. */
  readonly filesDir?: string | undefined
  /** Environment variables with `RPA_CREDENTIAL_<ID>` credentials; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * Where credentials come from. Default: `RPA_CREDENTIAL_<ID>` variables of `env`, then
   * the machine's encrypted credential store.
   */
  readonly credentials?: CredentialSource["Type"] | undefined
  /** The integrations a flow may use; default: the pack's. */
  readonly integrations?: ReadonlyArray<IntegrationEntry> | undefined
  /** Logs of the run and its HTTP attempts; default: none. */
  readonly log?: LogOptions | undefined
  /** Called as steps start and finish, for progress reporting. */
  readonly observer?: RunObserver | undefined
  /** The run's secrets, when the host scrubs its own output with them too. */
  readonly secrets?: SecretRegistry | undefined
  /** The HTTP kernel; default: the pack's, routed to the fakes in a sandbox run. */
  readonly kernel?: ((routes: SandboxRoutes) => Layer.Layer<HttpKernel>) | undefined
}

/** A run that could not start: the flow, an input or a credential reference is invalid. */
export interface InvalidRun {
  readonly status: "invalid"
  /** The `FlowError`: `_tag`, `message`, and `issues` with the paths to fix. */
  readonly error: Readonly<Record<string, unknown>>
  readonly steps: Readonly<Record<string, never>>
}

/** The result of a run that started, with the directory its files went to. */
export interface FinishedRun extends RunResult {
  readonly filesDir: string
}

/** What {@link runFlow} returns; registered secrets are replaced by `***` throughout. */
export type RunOutcome = FinishedRun | InvalidRun

/**
 * Runs a flow (a file path, or the flow's JSON) and returns its result. Never rejects for
 * a problem of the flow or its steps: an invalid flow gives `status: "invalid"` (nothing
 * was sent), a failed step `status: "failed"` with the step's typed error. The result, log
 * lines and observer events all have the run's secrets masked.
 */
export const runFlow = (
  flow: string | FlowFile,
  options: RunFlowOptions = {}
): Promise<RunOutcome> => {
  const secrets = options.secrets ?? makeSecretRegistry()
  const log = options.log
  const logger =
    log === undefined
      ? noLogs
      : runLogger({ ...log, write: (line) => log.write(secrets.scrub(line)) })
  return Effect.runPromise(
    runFlowEffect(flow, { ...options, secrets }).pipe(Effect.provide(logger))
  )
}

/** {@link runFlow} as an Effect, for hosts built on Effect; logs go to the host's logger. */
export const runFlowEffect = (
  flow: string | FlowFile,
  options: RunFlowOptions = {}
): Effect.Effect<RunOutcome> => {
  const secrets = options.secrets ?? makeSecretRegistry()
  const observer = scrubbedObserver(options.observer, secrets)
  return startedRun(flow, { ...options, observer }).pipe(
    Effect.catchTag("FlowError", (error) => Effect.succeed(invalidRun(error))),
    Effect.map((outcome) => secrets.scrubValue(outcome)),
    Effect.provideService(Secrets, secrets),
    Effect.scoped
  )
}

/** The command-line exit code of an outcome: 0 succeeded, 1 a step failed, 2 invalid. */
export const exitCode = (outcome: RunOutcome): 0 | 1 | 2 =>
  outcome.status === "succeeded" ? 0 : outcome.status === "failed" ? 1 : 2

// ---------------------------------------------------------------------------------------

const startedRun = (
  file: string | FlowFile,
  options: RunFlowOptions
): Effect.Effect<FinishedRun, FlowError, Secrets | Scope.Scope> =>
  Effect.gen(function* () {
    const draft =
      typeof file === "string" ? yield* loadFlowDraft(file) : yield* parseFlowDraft(file)
    const credentials =
      options.credentials ?? (yield* machineCredentials(options.env ?? process.env))
    const sandbox = options.sandbox === true
    const flowFile = typeof file === "string" ? file : undefined
    const plan = yield* loadFlowRegistry(draft.flow, options.integrations ?? packIntegrations).pipe(
      Effect.flatMap((registry) =>
        preflight(draft.flow, registry, { inputs: options.inputs, sandbox, flowFile })
      ),
      Effect.provideService(CredentialSource, credentials),
      withDraftIssues(draft)
    )
    const workspace = yield* makeRunDirectory(options.filesDir)
    const routes: SandboxRoutes = sandbox ? yield* startSandboxes(plan.integrations) : new Map()
    const kernel = yield* buildKernel(options.kernel ?? defaultKernel, routes, sandbox)
    const result = yield* execute(plan, options.observer).pipe(
      Effect.provideService(HttpKernel, kernel),
      Effect.provideService(Workspace, workspace),
      Effect.provideService(CredentialSource, credentials)
    )
    return { ...result, filesDir: workspace.directory }
  })

/** Routes exist only in a sandbox run, and then every hop must stay on them or loopback. */
const defaultKernel = (routes: SandboxRoutes): Layer.Layer<HttpKernel> =>
  HttpKernel.layer({ routes, routesOnly: routes.size > 0 })

const buildKernel = (
  layer: (routes: SandboxRoutes) => Layer.Layer<HttpKernel>,
  routes: SandboxRoutes,
  sandbox: boolean
): Effect.Effect<HttpKernel["Type"], never, Scope.Scope> =>
  Effect.map(Layer.build(layer(routes)), (context) => {
    const kernel = Context.get(context, HttpKernel)
    return sandbox ? sandboxedKernel(kernel, routes) : kernel
  })

/** The host's observer, handed events with the run's secrets masked like the result. */
const scrubbedObserver = (
  observer: RunObserver | undefined,
  secrets: SecretRegistry
): RunObserver | undefined => {
  if (observer === undefined) return undefined
  const { stepStarted, stepFinished } = observer
  return {
    stepStarted: stepStarted && ((event) => stepStarted(secrets.scrubValue(event))),
    stepFinished: stepFinished && ((event) => stepFinished(secrets.scrubValue(event)))
  }
}

const invalidRun = (error: FlowError): InvalidRun => ({
  status: "invalid",
  error: flowErrorToJson(error),
  steps: {}
})
