/**
 * `rpa-integrations nodes`, `describe <type>` and `manifest [--check]`: what the pack
 * offers, for people and for runtimes.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Either } from "effect"
import { describeNodeRef, listNodes } from "../node/describe.js"
import { formatManifestRun, runManifest } from "../node/manifest.js"
import type { Registry } from "../node/registry.js"
import { packRegistry, packRoot } from "./pack.js"
import type { Terminal } from "./terminal.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON for scripts."))

/** The `nodes` command: every node of the pack, with its category and credentials. */
export const nodesCommand = (terminal: Terminal) =>
  Command.make("nodes", { json }, (options) =>
    Effect.map(loadedPack(terminal), (registry) => {
      if (registry !== undefined)
        terminal.out(listNodes(registry, options.json ? "json" : "text").trimEnd())
    })
  ).pipe(
    Command.withDescription(
      "List every node of the pack: type@version, category, title, credentials."
    )
  )

/** The `describe` command: one node's description, credentials, input and output fields. */
export const describeCommand = (terminal: Terminal) =>
  Command.make(
    "describe",
    {
      type: Args.text({ name: "type" }).pipe(
        Args.withDescription('A node type, optionally pinned: "http.request" or "http.request@1".')
      ),
      json
    },
    (options) =>
      Effect.map(loadedPack(terminal), (registry) => {
        if (registry === undefined) return
        Either.match(describeNodeRef(registry, options.type, options.json ? "json" : "text"), {
          onLeft: (error) => fail(terminal, error.message, 2),
          onRight: (text) => terminal.out(text.trimEnd())
        })
      })
  ).pipe(
    Command.withDescription(
      "Describe a node: what it does, the credentials it accepts, its input and output fields."
    )
  )

/** The `manifest` command: writes, or with `--check` only checks, manifest.json and schemas/. */
export const manifestCommand = (terminal: Terminal) =>
  Command.make(
    "manifest",
    {
      check: Options.boolean("check").pipe(
        Options.withDescription(
          "Only check that manifest.json and schemas/ match the code; exit 1 and list the stale files when not."
        )
      )
    },
    (options) =>
      runManifest(packRoot(), { check: options.check }).pipe(
        Effect.match({
          onFailure: (error) => fail(terminal, error.message, 1),
          onSuccess: (run) => {
            terminal.out(formatManifestRun(run))
            if (!run.ok) process.exitCode = 1
          }
        })
      )
  ).pipe(
    Command.withDescription(
      "Generate manifest.json and schemas/ (the JSON Schemas of every node and credential type) from the code."
    )
  )

/** Every integration of the pack; undefined (and exit 1) when one cannot be loaded. */
const loadedPack = (terminal: Terminal): Effect.Effect<Registry | undefined> =>
  Effect.catchAll(packRegistry, (error) => Effect.sync(() => fail(terminal, error.message, 1)))

const fail = (terminal: Terminal, message: string, code: number): undefined => {
  terminal.err(message)
  process.exitCode = code
  return undefined
}
