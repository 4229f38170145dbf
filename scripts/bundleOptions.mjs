/**
 * esbuild settings shared by `npm run build` and the benchmarks' bundles (`bench/`), so
 * that a benchmark measures the kernel exactly as the pack ships it.
 */
import { sep } from "node:path"

/**
 * Bundled CommonJS dependencies (undici) call `require` for Node's built-in modules; ESM
 * output needs one.
 */
export const requireBanner = {
  js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
}

/** What the kernel takes from undici, from the modules that define it. */
const undiciModules = {
  // `Agent` alone; undici's index also loads fetch, WebSocket, the cache and mock
  // modules, and with them Node's own copy of undici.
  static: 'export { default as Agent } from "undici/lib/dispatcher/agent.js"\n',
  // `FormData`, imported by the multipart encoder only when a multipart body is sent.
  dynamic: 'export { FormData } from "undici/lib/web/fetch/formdata.js"\n'
}

/**
 * Loads no more of a dependency than the pack uses:
 *
 * - `undici` imported by `src/` resolves to the modules of what the kernel uses
 *   (`Agent`, and `FormData` when imported dynamically) instead of undici's index, which
 *   would load every undici feature at start;
 * - `yaml`, `toml` and `ini`, which `@effect/cli` imports for options read from a config
 *   file, resolve to a parser that refuses: the command has no such option.
 *
 * An import of anything else from `undici` in `src/` fails the build, so that it is added
 * here deliberately.
 */
export const slimDependencies = (root) => {
  const sources = `${root.endsWith(sep) ? root : root + sep}src${sep}`
  return {
    name: "slim-dependencies",
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) =>
        args.importer.startsWith(sources)
          ? { path: args.kind === "dynamic-import" ? "dynamic" : "static", namespace: "undici" }
          : undefined
      )
      build.onLoad({ filter: /.*/, namespace: "undici" }, (args) => ({
        contents: undiciModules[args.path],
        resolveDir: root,
        loader: "js"
      }))
      build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) =>
        args.importer.includes(`${sep}@effect${sep}cli${sep}`)
          ? { path: args.path, namespace: "no-config-files" }
          : undefined
      )
      build.onLoad({ filter: /.*/, namespace: "no-config-files" }, (args) => ({
        contents: `const refuse = () => {\n  throw new Error("rpa-integrations reads no ${args.path} files")\n}\nexport const parse = refuse\nexport default { parse: refuse }\n`,
        loader: "js"
      }))
    }
  }
}
