/**
 * The run's file directory: where steps write the files they download or create. It is
 * kept after the run, since its files are the run's outputs.
 *
 * @module
 */
import { mkdir, mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import type { Workspace } from "../http/workspace.js"
import type { FlowError } from "./flowError.js"
import { flowError } from "./flowError.js"

/**
 * Creates the run's file directory: the given one (created if missing), or a new
 * directory `rpa-run-*` under the system's temporary directory.
 */
export const makeRunDirectory = (
  directory?: string | undefined
): Effect.Effect<Workspace["Type"], FlowError> =>
  Effect.tryPromise({
    try: async () => {
      if (directory === undefined) return mkdtemp(join(tmpdir(), "rpa-run-"))
      const absolute = resolve(directory)
      await mkdir(absolute, { recursive: true })
      return absolute
    },
    catch: (cause) =>
      flowError("The run's file directory could not be created.", [
        {
          path: "--files-dir",
          message: `${cause instanceof Error ? cause.message : String(cause)}; choose a writable directory`
        }
      ])
  }).pipe(Effect.map((path) => ({ directory: path })))
