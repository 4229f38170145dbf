/**
 * The error of a run that could not start: the flow file, a template, an input or a
 * credential reference is invalid. Nothing was sent when a run ends with it.
 *
 * @module
 */
import { Data } from "effect"
import type { FieldIssue } from "../http/errors.js"

/**
 * The flow cannot run as written. Each issue names the place to fix, as a path into the
 * flow file (`steps[1].node`) or an option (`--input count`), and says what to change.
 */
export class FlowError extends Data.TaggedError("FlowError")<{
  readonly message: string
  readonly issues: ReadonlyArray<FieldIssue>
}> {
  readonly retryable = false
}

/** A flow error whose message lists every issue under a one-line summary. */
export const flowError = (summary: string, issues: ReadonlyArray<FieldIssue>): FlowError =>
  new FlowError({
    message: [summary, ...issues.map(formatIssue)].join("\n"),
    issues
  })

/** The JSON form of a flow error for the run result. */
export const flowErrorToJson = (error: FlowError): Record<string, unknown> => ({
  _tag: error._tag,
  message: error.message,
  retryable: false,
  issues: error.issues
})

const formatIssue = (issue: FieldIssue): string =>
  issue.path === "" ? `  ${issue.message}` : `  ${issue.path}: ${issue.message}`
