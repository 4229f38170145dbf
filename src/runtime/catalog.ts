/**
 * Loading the integrations a flow uses, and only those: each integration is its own
 * module, loaded on first use, so a run does not pay for the pack's other integrations.
 *
 * @module
 */
import { Effect, Either } from "effect"
import type { IntegrationEntry } from "../../nodes/index.js"
import type { FieldIssue } from "../http/errors.js"
import type { Registry } from "../node/registry.js"
import { closestName, makeRegistry, parseNodeRef } from "../node/registry.js"
import type { Flow } from "./flow.js"
import type { FlowError } from "./flowError.js"
import { flowError } from "./flowError.js"

/**
 * Loads the integrations the flow's steps name and builds their registry. A step whose
 * node reference is malformed or names no integration is reported at `steps[i].node`.
 */
export const loadFlowRegistry = (
  flow: Flow,
  entries: ReadonlyArray<IntegrationEntry>
): Effect.Effect<Registry, FlowError> => {
  const issues: Array<FieldIssue> = []
  const wanted = new Map<string, IntegrationEntry>()
  const names = entries.map((entry) => entry.name)
  flow.steps.forEach((step, index) => {
    const ref = parseNodeRef(step.node)
    if (Either.isLeft(ref)) {
      issues.push({ path: `steps[${index}].node`, message: ref.left.message })
      return
    }
    const entry = entries.find((candidate) => candidate.name === ref.right.integration)
    if (entry !== undefined) wanted.set(entry.name, entry)
    else
      issues.push({
        path: `steps[${index}].node`,
        message: unknownIntegration(ref.right.integration, names)
      })
  })
  if (issues.length > 0) {
    return Effect.fail(flowError("The flow names nodes that do not exist:", issues))
  }
  return loadRegistry([...wanted.values()])
}

/** Loads integrations and builds their registry; a load or definition failure is a flow error. */
export const loadRegistry = (
  entries: ReadonlyArray<IntegrationEntry>
): Effect.Effect<Registry, FlowError> =>
  Effect.forEach(
    entries,
    (entry) =>
      Effect.tryPromise({
        try: () => entry.load(),
        catch: (cause) =>
          flowError(`The integration "${entry.name}" could not be loaded.`, [
            { path: "", message: cause instanceof Error ? cause.message : String(cause) }
          ])
      }),
    { concurrency: "unbounded" }
  ).pipe(
    Effect.flatMap((integrations) =>
      Either.match(makeRegistry(integrations), {
        onLeft: (error) =>
          Effect.fail(
            flowError("The integrations are inconsistent.", [{ path: "", message: error.message }])
          ),
        onRight: Effect.succeed
      })
    )
  )

const unknownIntegration = (name: string, names: ReadonlyArray<string>): string => {
  const suggestion = closestName(name, names)
  const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`
  return `no integration is named "${name}".${hint} Available integrations: ${names.join(", ")}; run "rpa-integrations nodes" to list the nodes.`
}
