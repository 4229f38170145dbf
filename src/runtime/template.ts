/**
 * Templates in step inputs: `{{ inputs.repo }}`, `{{ steps.issues.output.items[0].id }}`,
 * `{{ steps.issues.status }}`, `{{ steps.issues.error.message }}`.
 *
 * A template only reads a path; no code is evaluated. A string that is exactly one
 * template takes the referenced value with its type (a number stays a number, an object
 * an object); templates inside a longer string are interpolated, objects as JSON.
 *
 * @module
 */
import { Either } from "effect"
import type { FieldIssue } from "../http/errors.js"
import type { JsonPath, PathSegment } from "../http/jsonPath.js"
import { compilePath } from "../http/jsonPath.js"
import { formatPath } from "./issues.js"

/** What a template reads: a declared input or a field of an earlier step's result. */
export type TemplateRef =
  | { readonly _tag: "Input"; readonly name: string; readonly path: JsonPath }
  | {
      readonly _tag: "Step"
      readonly step: string
      readonly field: "output" | "status" | "error"
      readonly path: JsonPath
    }

/** What a step left behind for later templates. */
export interface StepValues {
  readonly status: "succeeded" | "failed" | "skipped"
  readonly output?: unknown
  readonly error?: unknown
}

/** The values templates read while a run goes on. */
export interface TemplateScope {
  readonly inputs: Readonly<Record<string, unknown>>
  readonly steps: Readonly<Record<string, StepValues>>
}

/** The steps of a flow as far as templates care: their ids, in order, and their inputs. */
export interface TemplateSteps {
  readonly steps: ReadonlyArray<{ readonly id: string; readonly input: unknown }>
}

/**
 * Checks every template of a flow before it runs: each must parse, name a declared input,
 * or name a step that runs earlier. Returns one issue per bad template.
 */
export const templateIssues = (
  flow: TemplateSteps,
  inputNames: ReadonlyArray<string>
): ReadonlyArray<FieldIssue> => {
  const issues: Array<FieldIssue> = []
  const earlier = new Set<string>()
  const allSteps = new Set(flow.steps.map((step) => step.id))
  flow.steps.forEach((step, index) => {
    forEachString(step.input, [], (text, path) => {
      const at = formatPath(path, `steps[${index}].input`)
      for (const part of parseParts(text)) {
        if (typeof part === "string") continue
        const problem =
          "problem" in part
            ? part.problem
            : refProblem(part.ref, step.id, inputNames, earlier, allSteps)
        if (problem !== undefined) issues.push({ path: at, message: problem })
      }
    })
    earlier.add(step.id)
  })
  return issues
}

/**
 * Resolves every template in a step input against the values of the run so far. Object
 * keys whose single template reads nothing are left out, so optional fields stay unset.
 */
export const resolveTemplates = (value: unknown, scope: TemplateScope): unknown =>
  render(value, (ref) => ({ value: ref.path.read(scope) })).value

/**
 * Substitutes `inputs.*` templates and marks every string that reads a step with a
 * placeholder, for checking a step input before anything ran. Returns the value and the
 * paths (relative to the input) whose content is only known at run time.
 */
export const resolveInputsOnly = (
  value: unknown,
  inputs: Readonly<Record<string, unknown>>
): { readonly value: unknown; readonly placeholders: ReadonlyArray<string> } => {
  const placeholders: Array<string> = []
  const rendered = render(
    value,
    (ref) => (ref._tag === "Input" ? { value: ref.path.read({ inputs }) } : { placeholder: true }),
    (path) => placeholders.push(formatPath(path))
  )
  return { value: rendered.value, placeholders }
}

// ---------------------------------------------------------------------------------------

type Part =
  | string
  | { readonly source: string; readonly ref: TemplateRef }
  | { readonly source: string; readonly problem: string }

type Lookup = { readonly value: unknown } | { readonly placeholder: true }

const templatePattern = /\{\{([\s\S]*?)\}\}/g

const usage = "use {{ inputs.<name> }} or {{ steps.<id>.output.<path> }}"

/** Splits a string into literal text and templates. */
const parseParts = (text: string): ReadonlyArray<Part> => {
  const parts: Array<Part> = []
  let last = 0
  for (const match of text.matchAll(templatePattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index))
    parts.push(parseRef(match[0], (match[1] ?? "").trim()))
    last = match.index + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

const parseRef = (source: string, expression: string): Part => {
  const compiled = compilePath(expression)
  if (Either.isLeft(compiled)) return { source, problem: `"${source}": ${compiled.left}` }
  const path = compiled.right
  const [root, name, field, ...rest] = path.segments
  if (root === "inputs" && typeof name === "string") {
    return { source, ref: { _tag: "Input", name, path } }
  }
  if (root !== "steps" || typeof name !== "string") {
    return { source, problem: `"${source}" is not a template the runner reads: ${usage}` }
  }
  if (field !== "output" && field !== "status" && field !== "error") {
    return {
      source,
      problem: `"${source}" must read .output, .status or .error of step "${name}"`
    }
  }
  if (field === "status" && rest.length > 0) {
    return { source, problem: `"${source}": .status is a string and has no fields` }
  }
  return { source, ref: { _tag: "Step", step: name, field, path } }
}

const refProblem = (
  ref: TemplateRef,
  stepId: string,
  inputNames: ReadonlyArray<string>,
  earlier: ReadonlySet<string>,
  allSteps: ReadonlySet<string>
): string | undefined => {
  if (ref._tag === "Input") {
    if (inputNames.includes(ref.name)) return undefined
    const known = inputNames.length > 0 ? `declared inputs: ${inputNames.join(", ")}` : "none"
    return `reads input "${ref.name}", which the flow does not declare (${known}); add it to "inputs"`
  }
  if (earlier.has(ref.step)) return undefined
  if (ref.step === stepId) return `step "${stepId}" reads its own result; read an earlier step`
  if (allSteps.has(ref.step)) {
    return `reads step "${ref.step}", which runs later; move "${ref.step}" before "${stepId}"`
  }
  return `reads step "${ref.step}", which is not in the flow; use the id of an earlier step`
}

const render = (
  value: unknown,
  lookup: (ref: TemplateRef) => Lookup,
  onPlaceholder?: (path: ReadonlyArray<PathSegment>) => void,
  path: ReadonlyArray<PathSegment> = []
): { readonly value: unknown } => {
  if (typeof value === "string") return renderString(value, lookup, onPlaceholder, path)
  if (Array.isArray(value)) {
    return {
      value: value.map((item, i) => render(item, lookup, onPlaceholder, [...path, i]).value)
    }
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      const rendered = render(item, lookup, onPlaceholder, [...path, key]).value
      if (rendered !== undefined) out[key] = rendered
    }
    return { value: out }
  }
  return { value }
}

const renderString = (
  text: string,
  lookup: (ref: TemplateRef) => Lookup,
  onPlaceholder: ((path: ReadonlyArray<PathSegment>) => void) | undefined,
  path: ReadonlyArray<PathSegment>
): { readonly value: unknown } => {
  const parts = parseParts(text)
  const found = parts.map((part) =>
    typeof part === "string" || !("ref" in part) ? undefined : lookup(part.ref)
  )
  if (found.some((entry) => entry !== undefined && "placeholder" in entry)) {
    onPlaceholder?.(path)
    return { value: text }
  }
  const [only] = found
  if (parts.length === 1 && only !== undefined && "value" in only) return { value: only.value }
  return {
    value: parts
      .map((part, i) => {
        const entry = found[i]
        if (entry !== undefined && "value" in entry) return interpolate(entry.value)
        return typeof part === "string" ? part : part.source
      })
      .join("")
  }
}

const interpolate = (value: unknown): string => {
  if (value === undefined || value === null) return ""
  if (typeof value === "object") return JSON.stringify(value)
  return String(value)
}

const forEachString = (
  value: unknown,
  path: ReadonlyArray<PathSegment>,
  visit: (text: string, path: ReadonlyArray<PathSegment>) => void
): void => {
  if (typeof value === "string") visit(value, path)
  else if (Array.isArray(value))
    value.forEach((item, i) => {
      forEachString(item, [...path, i], visit)
    })
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) forEachString(item, [...path, key], visit)
  }
}
