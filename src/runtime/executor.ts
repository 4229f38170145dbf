/**
 * The executor: runs a planned flow's steps in order and records each step's result.
 *
 * Per step it resolves the templates in the input, decodes the input with the node's
 * schema, builds the integration's service for the step's credential (once per run, so
 * steps that share a credential share its connection pool and rate limits), runs the
 * node, and checks the output against the node's output schema. A failed step stops the
 * run (later steps are `skipped`) unless the step says `onError: "continue"`.
 *
 * @module
 */
import type { Context, Scope } from "effect"
import { Cause, Duration, Effect, Exit, Layer, Option, Schema } from "effect"
import type { CredentialSource } from "../auth/credentialSource.js"
import { StepAttempts } from "../http/attempts.js"
import type { NodeError } from "../http/errors.js"
import { DecodeError, errorToJson, InputError } from "../http/errors.js"
import { HttpKernel } from "../http/kernel.js"
import type { Workspace } from "../http/workspace.js"
import { authenticate } from "./credentials.js"
import { fieldIssues } from "./issues.js"
import type { PlannedStep, RunPlan } from "./preflight.js"
import { Secrets } from "./secrets.js"
import type { StepValues, TemplateScope } from "./template.js"
import { resolveTemplates } from "./template.js"

/** How one step ended. */
export interface StepResult {
  readonly status: "succeeded" | "failed" | "skipped"
  /** The node's output, encoded as JSON, when the step succeeded. */
  readonly output?: unknown
  /** The typed error (`_tag`, `message`, `retryable`, ...) when the step failed. */
  readonly error?: Readonly<Record<string, unknown>> | undefined
  /** HTTP attempts the step made, retries included; 0 for a skipped step. */
  readonly attempts: number
  readonly durationMs: number
}

/** How a run ended: `failed` when a step failed without `onError: "continue"`. */
export interface RunResult {
  readonly status: "succeeded" | "failed"
  /** Every step's result, keyed by step id, in flow order. */
  readonly steps: Readonly<Record<string, StepResult>>
}

/** A step of a run, as progress reporting sees it. */
export interface StepEvent {
  readonly step: string
  readonly node: string
  /** Position of the step in the flow, from 0. */
  readonly index: number
  readonly total: number
}

/** Callbacks for progress reporting; they must not throw. */
export interface RunObserver {
  readonly stepStarted?: ((event: StepEvent) => void) | undefined
  readonly stepFinished?: ((event: StepEvent & { readonly result: StepResult }) => void) | undefined
}

/**
 * Runs the steps of a plan in order and returns every step's result. Never fails: a
 * step's error is part of its result. Integration services live in the run's scope.
 */
export const execute = (
  plan: RunPlan,
  observer: RunObserver = {}
): Effect.Effect<
  RunResult,
  never,
  HttpKernel | Workspace | CredentialSource | Secrets | Scope.Scope
> =>
  Effect.gen(function* () {
    const servicesFor = yield* integrationServices
    const results: Record<string, StepResult> = {}
    const values: Record<string, StepValues> = {}
    let stopped = false

    for (const planned of plan.steps) {
      const event = {
        step: planned.step.id,
        node: planned.node.type,
        index: planned.index,
        total: plan.steps.length
      }
      if (!stopped) observer.stepStarted?.(event)
      const result = stopped
        ? skipped
        : yield* runStep(planned, { inputs: plan.inputs, steps: values }, servicesFor)
      results[planned.step.id] = result
      values[planned.step.id] = result
      observer.stepFinished?.({ ...event, result })
      if (result.status === "failed" && planned.step.onError !== "continue") stopped = true
    }
    return { status: stopped ? "failed" : "succeeded", steps: results }
  })

/** The `event` log annotation of the line logged when a step ends. */
export const stepFinishedEvent = "step.finished"

// ---------------------------------------------------------------------------------------

const skipped: StepResult = { status: "skipped", attempts: 0, durationMs: 0 }

type ServicesFor = (
  planned: PlannedStep
) => Effect.Effect<Context.Context<never>, NodeError, CredentialSource>

/**
 * Builds an integration's service for one credential the first time a step needs it, in
 * the run's scope, and hands the same one to later steps.
 */
const integrationServices: Effect.Effect<ServicesFor, never, HttpKernel | Secrets | Scope.Scope> =
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const kernel = yield* HttpKernel
    const secrets = yield* Secrets
    const built = new Map<string, Context.Context<never>>()
    return (planned) =>
      Effect.gen(function* () {
        const key = `${planned.integration.name}\u0000${planned.credential?.id ?? ""}`
        const found = built.get(key)
        if (found !== undefined) return found
        const authenticator =
          planned.credential === undefined
            ? undefined
            : yield* authenticate(planned.credential, secrets)
        const layer = planned.integration.layer({ authenticator })
        const context = yield* Layer.buildWithScope(layer, scope).pipe(
          Effect.provideService(HttpKernel, kernel)
        )
        built.set(key, context as Context.Context<never>)
        return context as Context.Context<never>
      })
  })

const runStep = (
  planned: PlannedStep,
  values: TemplateScope,
  servicesFor: ServicesFor
): Effect.Effect<StepResult, never, Workspace | CredentialSource> => {
  const { step, node, integration } = planned
  const counter = { retries: 0, maxAttempts: step.retry?.maxAttempts }
  const attempt = Effect.gen(function* () {
    const input = yield* decodeInput(planned, resolveTemplates(step.input, values))
    const services = yield* servicesFor(planned)
    const run = node.run(input, { stepId: step.id, credentialId: planned.credential?.id })
    const output = yield* (run as Effect.Effect<unknown, NodeError, Workspace>).pipe(
      Effect.provide(services)
    )
    return yield* encodeOutput(planned, output)
  })
  return attempt.pipe(
    Effect.locally(StepAttempts, counter),
    Effect.exit,
    Effect.timed,
    Effect.flatMap(([duration, exit]) =>
      finishStep(exit, Math.round(Duration.toMillis(duration)), 1 + counter.retries)
    ),
    Effect.withSpan("node.run", {
      attributes: {
        "rpa.integration": integration.name,
        "rpa.node": node.type,
        "rpa.step": step.id
      }
    }),
    Effect.annotateLogs({ integration: integration.name, node: node.type, step: step.id })
  )
}

const finishStep = (
  exit: Exit.Exit<unknown, NodeError>,
  durationMs: number,
  attempts: number
): Effect.Effect<StepResult> => {
  if (Exit.isSuccess(exit)) {
    return Effect.as(
      Effect.logInfo("step succeeded").pipe(
        Effect.annotateLogs({ event: stepFinishedEvent, durationMs, attempts })
      ),
      { status: "succeeded", output: exit.value, attempts, durationMs }
    )
  }
  if (Cause.isInterruptedOnly(exit.cause)) return Effect.interrupt
  const failure = Cause.failureOption(exit.cause)
  const error = Option.isSome(failure) ? errorToJson(failure.value) : defectToJson(exit.cause)
  const log = Option.isSome(failure)
    ? Effect.logWarning(`step failed: ${String(error.message)}`)
    : Effect.logError("step failed unexpectedly", exit.cause)
  return Effect.as(
    log.pipe(
      Effect.annotateLogs({ event: stepFinishedEvent, durationMs, attempts, error: error._tag })
    ),
    { status: "failed", error, attempts, durationMs }
  )
}

const decodeInput = (planned: PlannedStep, input: unknown): Effect.Effect<unknown, InputError> =>
  Schema.decodeUnknown(planned.node.input, { errors: "all", onExcessProperty: "error" })(
    input
  ).pipe(
    Effect.mapError((error) => {
      const issues = fieldIssues(error.issue, {
        prefix: `steps[${planned.index}].input`,
        showValues: true
      })
      return new InputError({
        message:
          `The input of step "${planned.step.id}" (${planned.node.type}) is invalid: ` +
          `${issues.map((issue) => `${issue.path}: ${withoutFinalStop(issue.message)}`).join("; ")}. ` +
          "Fix the step's input or the values its templates read.",
        issues
      })
    })
  )

/** A message without its closing period, to be followed by more text. */
const withoutFinalStop = (message: string): string => message.replace(/\.+$/, "")

const encodeOutput = (planned: PlannedStep, output: unknown): Effect.Effect<unknown, DecodeError> =>
  Schema.encodeUnknown(planned.node.output, { errors: "all" })(output).pipe(
    Effect.mapError((error) => {
      const issues = fieldIssues(error.issue, { prefix: "output", showValues: false })
      return new DecodeError({
        integration: planned.integration.name,
        message:
          `Node "${planned.node.type}" returned an output that does not match its schema ` +
          `(${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}). ` +
          "This is a bug in the integration; report it with the step's input.",
        issues
      })
    })
  )

const defectToJson = (cause: Cause.Cause<unknown>): Record<string, unknown> => {
  const defect = Cause.squash(cause)
  const detail = defect instanceof Error ? defect.message : String(defect)
  return {
    _tag: "UnexpectedError",
    message: `The node failed unexpectedly (${detail}). This is a bug; report it with the flow.`,
    retryable: false
  }
}
