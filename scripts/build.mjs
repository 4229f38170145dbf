/**
 * Builds the pack into `dist/` with esbuild:
 *
 * - `dist/cli.js`: the `rpa-integrations` command (`bin/rpa-integrations.js` imports it);
 * - `dist/index.js`: the library (runFlow, defineNode, defineIntegration, errors);
 * - `dist/nodes/<name>.js`: one module per integration, also the chunk the command loads
 *   only when a flow uses that integration;
 * - `dist/chunks/`: code the entries share.
 *
 * Dependencies are bundled, so the built pack runs without `node_modules`.
 */
import { existsSync, readdirSync } from "node:fs"
import { readdir, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { requireBanner, slimDependencies } from "./bundleOptions.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const integrations = readdirSync(join(root, "nodes"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "nodes", entry.name, "index.ts")))
  .map((entry) => entry.name)

const result = await build({
  absWorkingDir: root,
  entryPoints: {
    cli: "src/cli/main.ts",
    index: "src/index.ts",
    ...Object.fromEntries(integrations.map((name) => [`nodes/${name}`, `nodes/${name}/index.ts`]))
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  // Test-only tools; the pack never imports them at run time.
  external: ["oidc-provider", "playwright-core"],
  plugins: [slimDependencies(root)],
  banner: requireBanner
})

// Remove what earlier builds left (old chunks) only now, so that `dist/cli.js` is never
// missing while another process runs the command.
const outputs = new Set(Object.keys(result.metafile.outputs).map((path) => join(root, path)))
for (const entry of await readdir(join(root, "dist"), { recursive: true, withFileTypes: true })) {
  const path = join(entry.parentPath, entry.name)
  if (entry.isFile() && !outputs.has(path)) await rm(path)
}
