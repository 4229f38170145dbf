/**
 * The pack's integrations, each loaded only when a run needs it.
 *
 * Every integration lives in its own folder, `nodes/<name>/`, whose `index.ts` exports
 * `integration` (its {@link IntegrationDefinition}) and one named export per node: the
 * operation part of the node's type (`export const request` for `http.request`). When a
 * node has several versions, the latest keeps that name and an older one is exported as
 * `<operation>V<version>` (`requestV1`). The manifest points runtimes at these exports.
 *
 * @module
 */
import { Effect } from "effect"
import type { IntegrationDefinition } from "../src/node/defineIntegration.js"
import { closestName, RegistryError } from "../src/node/registry.js"

/** An integration of the pack, by name, and how to import it. */
export interface IntegrationEntry {
  /** The integration's name, the prefix of its node types. */
  readonly name: string
  /** Imports the integration's module; only the integrations a flow uses are imported. */
  readonly load: () => Promise<IntegrationDefinition>
}

/** Every integration of the pack, sorted by name. */
export const integrations: ReadonlyArray<IntegrationEntry> = [
  { name: "github", load: () => import("./github/index.js").then((m) => m.integration) },
  { name: "gmail", load: () => import("./gmail/index.js").then((m) => m.integration) },
  {
    name: "googleDrive",
    load: () => import("./googleDrive/index.js").then((m) => m.integration)
  },
  {
    name: "googleSheets",
    load: () => import("./googleSheets/index.js").then((m) => m.integration)
  },
  { name: "http", load: () => import("./http/index.js").then((m) => m.integration) },
  { name: "slack", load: () => import("./slack/index.js").then((m) => m.integration) }
]

/**
 * Loads the named integrations (all of them when no names are given), in parallel.
 * Fails with `UnknownIntegration` for a name the pack does not have, suggesting the
 * closest one, and with `LoadFailed` when an integration's module cannot be imported or
 * declares a different name than its entry.
 */
export const loadIntegrations = (
  names?: Iterable<string>
): Effect.Effect<ReadonlyArray<IntegrationDefinition>, RegistryError> =>
  Effect.flatMap(selectEntries(names), (entries) =>
    Effect.forEach(entries, loadEntry, { concurrency: "unbounded" })
  )

const selectEntries = (
  names: Iterable<string> | undefined
): Effect.Effect<ReadonlyArray<IntegrationEntry>, RegistryError> => {
  if (names === undefined) return Effect.succeed(integrations)
  const wanted = new Set(names)
  const known = integrations.map((entry) => entry.name)
  const unknown = [...wanted].filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    const first = unknown[0] ?? ""
    const suggestion = closestName(first, known)
    return Effect.fail(
      new RegistryError({
        reason: "UnknownIntegration",
        message:
          `The pack has no integration named ${unknown.map((n) => `"${n}"`).join(", ")}.` +
          `${suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`} Available ` +
          `integrations: ${known.join(", ")}.`,
        available: known,
        suggestion
      })
    )
  }
  return Effect.succeed(integrations.filter((entry) => wanted.has(entry.name)))
}

const loadEntry = (entry: IntegrationEntry): Effect.Effect<IntegrationDefinition, RegistryError> =>
  Effect.tryPromise({
    try: entry.load,
    catch: (cause) =>
      new RegistryError({
        reason: "LoadFailed",
        message:
          `The "${entry.name}" integration could not be loaded: ` +
          `${cause instanceof Error ? cause.message : String(cause)}. Fix the error in ` +
          `nodes/${entry.name}/, or reinstall the pack if it came from a registry.`
      })
  }).pipe(
    Effect.filterOrFail(
      (integration) => integration.name === entry.name,
      (integration) =>
        new RegistryError({
          reason: "LoadFailed",
          message:
            `The module of the "${entry.name}" integration declares the name ` +
            `"${integration.name}"; the folder and the integration's name must match.`
        })
    ),
    Effect.withSpan("rpa.integration.load", { attributes: { integration: entry.name } })
  )
