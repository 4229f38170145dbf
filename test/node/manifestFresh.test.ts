/**
 * The committed `manifest.json` and `schemas/` must match the integrations' code. When
 * this fails, run `npm run manifest` and commit the result.
 */
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { integrations, loadIntegrations } from "../../nodes/index.js"
import type { IntegrationDefinition } from "../../src/node/defineIntegration.js"
import { buildManifest, checkManifest, readPackInfo } from "../../src/node/manifest.js"
import { strictValidator } from "./strictValidator.js"

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

describe("the committed manifest", () => {
  it.effect("is fresh: no generated file is missing, different or extra", () =>
    Effect.gen(function* () {
      const loaded = yield* loadIntegrations()
      expect(yield* checkManifest(repoRoot, loaded)).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.effect("points every node at an export of its integration's module that holds it", () =>
    Effect.gen(function* () {
      const loaded = yield* loadIntegrations()
      const build = Either.getOrThrow(buildManifest(loaded, yield* readPackInfo(repoRoot)))
      for (const node of build.manifest.nodes) {
        const integration = node.entry.module.slice(node.entry.module.lastIndexOf("/") + 1)
        const url = pathToFileURL(join(repoRoot, "nodes", integration, "index.ts")).href
        const module: Record<string, unknown> = yield* Effect.promise(
          () => import(/* @vite-ignore */ url)
        )
        const exported = module[node.entry.export] as
          | { type?: string; version?: number }
          | undefined
        expect({ type: exported?.type, version: exported?.version }).toEqual({
          type: node.type,
          version: node.version
        })
        expect((module.integration as IntegrationDefinition).nodes).toContain(exported)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.effect("has schemas a strict JSON Schema 2020-12 validator compiles", () =>
    Effect.gen(function* () {
      const loaded = yield* loadIntegrations()
      const build = Either.getOrThrow(buildManifest(loaded, yield* readPackInfo(repoRoot)))
      for (const [path, content] of build.files) {
        if (!path.startsWith("schemas/")) continue
        expect(() => strictValidator(JSON.parse(content)), path).not.toThrow()
      }
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it("lists every integration folder in nodes/index.ts, by its own name", () => {
    const folders = readdirSync(join(repoRoot, "nodes")).filter((name) => {
      const index = join(repoRoot, "nodes", name, "index.ts")
      return statSync(join(repoRoot, "nodes", name)).isDirectory() && existsFile(index)
    })
    const listed = integrations.map((entry) => entry.name)
    const unlisted = folders.filter((name) => !listed.includes(name))
    expect(unlisted, "integration folders missing from nodes/index.ts").toEqual([])
    expect(
      listed.filter((name) => !folders.includes(name)),
      "entries without a folder"
    ).toEqual([])
  })

  it.effect("loads only the integrations asked for, and names an unknown one", () =>
    Effect.gen(function* () {
      const first = integrations[0]?.name ?? ""
      const only = yield* loadIntegrations([first])
      expect(only.map((integration) => integration.name)).toEqual([first])
      const error = yield* Effect.flip(loadIntegrations([`${first}x`]))
      expect(error.reason).toBe("UnknownIntegration")
      expect(error.suggestion).toBe(first)
    })
  )
})

const existsFile = (path: string): boolean => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
