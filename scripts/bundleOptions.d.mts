import type { Plugin } from "esbuild"

/** `require` for bundled CommonJS dependencies in ESM output. */
export declare const requireBanner: { readonly js: string }

/** Loads no more of undici, yaml, toml and ini than the pack uses; `root` is the repository. */
export declare const slimDependencies: (root: string) => Plugin
