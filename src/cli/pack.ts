/**
 * The pack as the command line sees it: every integration loaded and checked, and the
 * folder the pack lives in.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Either } from "effect"
import { loadIntegrations } from "../../nodes/index.js"
import type { Registry, RegistryError } from "../node/registry.js"
import { makeRegistry } from "../node/registry.js"

/** Every integration of the pack, loaded and checked. */
export const packRegistry: Effect.Effect<Registry, RegistryError> = Effect.flatMap(
  loadIntegrations(),
  (integrations) =>
    Either.match(makeRegistry(integrations), { onLeft: Effect.fail, onRight: Effect.succeed })
)

/**
 * The pack's root: the nearest folder above this module with the pack's package.json,
 * both when running from the sources and from the built bundle.
 */
export const packRoot = (): string => {
  let folder = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(folder, "package.json")
    if (existsSync(manifest) && isPack(manifest)) return folder
    const parent = dirname(folder)
    if (parent === folder) return process.cwd()
    folder = parent
  }
}

const isPack = (path: string): boolean => {
  try {
    return (
      (JSON.parse(readFileSync(path, "utf8")) as { name?: unknown }).name === "rpa-integrations"
    )
  } catch {
    return false
  }
}
