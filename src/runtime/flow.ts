/**
 * The flow file, version 1: a named list of steps, each running one node with an input
 * that may read the flow's inputs and earlier steps' results through templates.
 *
 * ```json
 * { "version": 1, "name": "Digest", "inputs": { "repo": { "default": "acme/web" } },
 *   "steps": [{ "id": "issues", "node": "github.listIssues@1", "credential": "gh",
 *               "input": { "repository": "{{ inputs.repo }}" } }] }
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import { Effect, Either, Schema } from "effect"
import type { FieldIssue } from "../http/errors.js"
import type { FlowError } from "./flowError.js"
import { flowError } from "./flowError.js"
import { fieldIssues } from "./issues.js"
import { templateIssues } from "./template.js"

const namePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/

const Name = (what: string) =>
  Schema.String.pipe(
    Schema.pattern(namePattern, {
      message: () =>
        `${what} must start with a letter or "_" and contain only letters, digits, "_" and "-"`
    })
  )

/**
 * What a credential id may hold: letters, digits, ".", "_" and "-". Ids name credentials
 * in flows, in the credential store and (upper-cased) in `RPA_CREDENTIAL_<ID>` variables.
 */
export const credentialIdPattern = /^[A-Za-z0-9._-]+$/

/** What a credential id may hold, in words. */
export const credentialIdRule =
  'a credential id is made of letters, digits, ".", "_" and "-", for example "gh" or "google-work"'

/** Whether a text is a credential id (see {@link credentialIdPattern}). */
export const isCredentialId = (id: string): boolean => credentialIdPattern.test(id)

/** A credential id, as a step's `credential` names it. */
export const CredentialId = Schema.String.pipe(
  Schema.filter(isCredentialId, {
    message: (issue) =>
      `${issue.actual === "" ? "is empty" : "is not a credential id"}; ${credentialIdRule}`
  })
)

/** A declared flow input: a value the operator may pass with `--input name=value`. */
export const FlowInput = Schema.Struct({
  default: Schema.optional(Schema.Unknown),
  description: Schema.optional(Schema.String),
  required: Schema.optional(Schema.Boolean),
  /**
   * How a value given on the command line is read. Default: like the `default` value's
   * type, else `string`. `json` reads any JSON value.
   */
  type: Schema.optional(Schema.Literal("string", "number", "boolean", "json"))
}).annotations({ identifier: "FlowInput", title: "Flow input" })

/** A declared flow input. */
export type FlowInput = typeof FlowInput.Type

/** One step of a flow: a node, its credential and its input. */
export const FlowStep = Schema.Struct({
  id: Name("a step id"),
  node: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+(@[1-9][0-9]*)?$/, {
      message: () =>
        `must be a node type such as "http.request", optionally pinned to a version: "http.request@1"`
    })
  ),
  credential: Schema.optional(CredentialId),
  input: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({})
  }),
  onError: Schema.optionalWith(Schema.Literal("stop", "continue"), { default: () => "stop" }),
  /**
   * Attempts per HTTP request of the step, instead of the integration's default. The
   * kernel's rules still decide which failures are retried: a POST whose outcome is
   * unknown is never sent again.
   */
  retry: Schema.optional(
    Schema.Struct({
      maxAttempts: Schema.Int.pipe(Schema.between(1, 10)).annotations({
        message: () => "must be a whole number from 1 to 10"
      })
    })
  )
}).annotations({ identifier: "FlowStep", title: "Flow step" })

/** One step of a flow. */
export type FlowStep = typeof FlowStep.Type

/** A flow file, version 1. */
export const Flow = Schema.Struct({
  $schema: Schema.optional(Schema.String),
  version: Schema.Literal(1).annotations({
    message: () => "must be 1: this runner reads flow files of version 1"
  }),
  name: Schema.NonEmptyString.annotations({ message: () => "must be a non-empty string" }),
  description: Schema.optional(Schema.String),
  inputs: Schema.optionalWith(Schema.Record({ key: Schema.String, value: FlowInput }), {
    default: () => ({})
  }),
  steps: Schema.Array(FlowStep).pipe(
    Schema.minItems(1, { message: () => "must list at least one step" })
  )
}).annotations({ identifier: "Flow", title: "Flow" })

/** A flow, decoded and checked. */
export type Flow = typeof Flow.Type

/** A flow as written in a file, before defaults are filled in. */
export type FlowFile = typeof Flow.Encoded

/**
 * Decodes and checks a flow: its shape, unique step ids, input names, and that every
 * template reads a declared input or an earlier step. Fails with a {@link FlowError} that
 * lists every problem with its path (`steps[1].node`).
 */
export const parseFlow = (json: unknown, source = "The flow"): Effect.Effect<Flow, FlowError> =>
  Effect.flatMap(parseFlowDraft(json, source), (draft) =>
    draft.issues.length === 0
      ? Effect.succeed(draft.flow)
      : Effect.fail(invalidFlow(draft.source, draft.issues))
  )

/** Reads a flow file and parses it with {@link parseFlow}. */
export const loadFlow = (path: string): Effect.Effect<Flow, FlowError> =>
  Effect.flatMap(readFlowFile(path), (json) => parseFlow(json, `The flow file ${path}`))

/**
 * A flow read as far as its steps: the flow, and the problems found in it. When only
 * top-level fields are wrong (a missing `name`, an unknown field, the `version`), the
 * steps still decode, so the run's other checks can report their problems in the same
 * answer; the flow then carries stand-ins for the wrong fields and must not run.
 */
export interface FlowDraft {
  readonly flow: Flow
  /** Every problem found; the flow runs only when there is none. */
  readonly issues: ReadonlyArray<FieldIssue>
  /** How messages name the flow: "The flow file flows/digest.json". */
  readonly source: string
}

/**
 * Decodes a flow like {@link parseFlow}, but succeeds with the problems when only its
 * top-level fields are wrong and its inputs and steps decode. Fails when the structure is
 * too broken to find the steps.
 */
export const parseFlowDraft = (
  json: unknown,
  source = "The flow"
): Effect.Effect<FlowDraft, FlowError> => {
  if (!isRecord(json)) {
    return Effect.fail(
      flowError(`${source} is invalid.`, [
        { path: "", message: 'a flow file is a JSON object with "version", "name" and "steps"' }
      ])
    )
  }
  const decoded = decodeFlow(json)
  if (Either.isRight(decoded)) {
    return Effect.succeed({ flow: decoded.right, issues: checkFlow(decoded.right), source })
  }
  const issues = fieldIssues(decoded.left.issue, { showValues: true })
  const steps = decodeFlow(withStandIns(json))
  return Either.isRight(steps)
    ? Effect.succeed({ flow: steps.right, issues: [...issues, ...checkFlow(steps.right)], source })
    : Effect.fail(invalidFlow(source, issues))
}

/** Reads a flow file and parses it with {@link parseFlowDraft}. */
export const loadFlowDraft = (path: string): Effect.Effect<FlowDraft, FlowError> =>
  Effect.flatMap(readFlowFile(path), (json) => parseFlowDraft(json, `The flow file ${path}`))

/** The flow error of a flow with problems. */
export const invalidFlow = (source: string, issues: ReadonlyArray<FieldIssue>): FlowError =>
  flowError(`${source} is invalid; fix these and run again:`, issues)

const decodeFlow = Schema.decodeUnknownEither(Flow, { errors: "all", onExcessProperty: "error" })

/**
 * The flow with valid stand-ins for its top-level fields and without unknown ones: only
 * `inputs` and `steps` are kept as written.
 */
const withStandIns = (json: Readonly<Record<string, unknown>>): Record<string, unknown> => ({
  version: 1,
  name: typeof json.name === "string" && json.name !== "" ? json.name : "(unnamed)",
  ...(Object.hasOwn(json, "inputs") ? { inputs: json.inputs } : {}),
  steps: json.steps
})

const readFlowFile = (path: string): Effect.Effect<unknown, FlowError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) =>
      flowError(`Cannot read the flow file ${path}.`, [
        { path: "", message: `${errorCode(cause)}: check the path and that the file is readable` }
      ])
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          flowError(`The flow file ${path} is not valid JSON.`, [
            { path: "", message: cause instanceof Error ? cause.message : String(cause) }
          ])
      })
    )
  )

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

const checkFlow = (flow: Flow): ReadonlyArray<FieldIssue> => {
  const issues: Array<FieldIssue> = []
  const firstIndex = new Map<string, number>()
  flow.steps.forEach((step, index) => {
    const first = firstIndex.get(step.id)
    if (first === undefined) firstIndex.set(step.id, index)
    else {
      issues.push({
        path: `steps[${index}].id`,
        message: `"${step.id}" is already the id of steps[${first}]; give each step its own id`
      })
    }
  })
  for (const name of Object.keys(flow.inputs)) {
    if (!namePattern.test(name)) {
      issues.push({
        path: `inputs[${JSON.stringify(name)}]`,
        message:
          'an input name must start with a letter or "_" and contain only letters, digits, "_" and "-"'
      })
    }
  }
  return [...issues, ...templateIssues(flow, Object.keys(flow.inputs))]
}

const errorCode = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause
    ? String((cause as { code: unknown }).code)
    : String(cause)
