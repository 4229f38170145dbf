/**
 * Schema failures as field issues a workflow author can act on: one issue per field, with
 * a path in the form used in flow files (`steps[1].input.url`) and a short message.
 *
 * @module
 */
import { ParseResult } from "effect"
import type { FieldIssue } from "../http/errors.js"

/** How to word the issues of one failed decode. */
export interface IssueOptions {
  /** Path prepended to every issue, for example `steps[1].input`. */
  readonly prefix?: string | undefined
  /**
   * Whether messages may quote the rejected value. Turn off for credentials: their
   * values are secrets even when they are malformed.
   */
  readonly showValues: boolean
}

/**
 * Turns a schema failure into field issues. Alternatives of a union that fail at the same
 * field become one issue ("expected "stop" or "continue""), and an issue at a field is
 * dropped when a more precise issue exists inside it.
 */
export const fieldIssues = (
  issue: ParseResult.ParseIssue,
  options: IssueOptions
): ReadonlyArray<FieldIssue> => {
  const flat = ParseResult.ArrayFormatter.formatIssueSync(issue)
  const byPath = new Map<string, Array<ParseResult.ArrayFormatterIssue>>()
  for (const entry of flat) {
    const path = formatPath(entry.path, options.prefix)
    byPath.set(path, [...(byPath.get(path) ?? []), entry])
  }
  const paths = [...byPath.keys()]
  return paths
    .filter((path) => !paths.some((other) => other !== path && isInside(other, path)))
    .map((path) => ({ path, message: wordIssues(byPath.get(path) ?? [], options.showValues) }))
}

/** Formats a path the way a flow file is read: `steps[1].input["content-type"]`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>, prefix?: string): string => {
  let out = prefix ?? ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) {
      out += out === "" ? key : `.${key}`
    } else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

/** Joins a path under a prefix: `steps[0].input` and `url` give `steps[0].input.url`. */
export const joinPath = (prefix: string, path: string): string =>
  path === ""
    ? prefix
    : prefix === "" || path.startsWith("[")
      ? `${prefix}${path}`
      : `${prefix}.${path}`

/** True when `path` names a field inside `parent` (or `parent` itself). */
export const isInside = (path: string, parent: string): boolean =>
  parent === "" || path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`)

const unexpectedPrefix = /^is unexpected, expected: /

const expectedActual = /^Expected ([\s\S]*), actual ([\s\S]*)$/

const wordIssues = (
  entries: ReadonlyArray<ParseResult.ArrayFormatterIssue>,
  showValues: boolean
): string => {
  const expected: Array<string> = []
  let actual: string | undefined
  const other: Array<string> = []
  for (const entry of entries) {
    const match = expectedActual.exec(entry.message)
    if (match?.[1] !== undefined) {
      expected.push(describeExpected(match[1]))
      actual = match[2]
    } else
      other.push(entry.message.replace(unexpectedPrefix, "is not a known field; known fields: "))
  }
  // An optional field reports its value as "expected undefined" too; that alternative only
  // matters when nothing says more (a value of the wrong type says what it should be).
  const defined = expected.filter((e) => e !== "undefined")
  if (defined.length === 0 && other.length > 0) return [...new Set(other)].join("; ")
  if (expected.length === 0) return [...new Set(other)].join("; ")
  const wanted = [...new Set(defined.length > 0 ? defined : expected)]
  const got = showValues && actual !== undefined ? `, got ${actual}` : ""
  return [`expected ${wanted.join(" or ")}${got}`, ...new Set(other)].join("; ")
}

const describeExpected = (expected: string): string => {
  if (expected.startsWith("{")) return "an object"
  if (expected.startsWith("ReadonlyArray<") || expected.startsWith("readonly [")) return "a list"
  return expected
}
