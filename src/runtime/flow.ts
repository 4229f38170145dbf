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
  credential: Schema.optional(
    Schema.NonEmptyString.annotations({ message: () => 'must be a credential id such as "gh"' })
  ),
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
export const parseFlow = (json: unknown, source = "The flow"): Effect.Effect<Flow, FlowError> => {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return Effect.fail(
      flowError(`${source} is invalid.`, [
        { path: "", message: 'a flow file is a JSON object with "version", "name" and "steps"' }
      ])
    )
  }
  const decoded = Schema.decodeUnknownEither(Flow, { errors: "all", onExcessProperty: "error" })(
    json
  )
  const issues = Either.isLeft(decoded)
    ? fieldIssues(decoded.left.issue, { showValues: true })
    : checkFlow(decoded.right)
  return Either.isRight(decoded) && issues.length === 0
    ? Effect.succeed(decoded.right)
    : Effect.fail(flowError(`${source} is invalid; fix these and run again:`, issues))
}

/** Reads a flow file and parses it with {@link parseFlow}. */
export const loadFlow = (path: string): Effect.Effect<Flow, FlowError> =>
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
    ),
    Effect.flatMap((json) => parseFlow(json, `The flow file ${path}`))
  )

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
