/**
 * The manifest: what an RPA runtime reads to discover the pack's nodes.
 *
 * `manifest.json` names the pack and lists each integration, each node (type, version,
 * palette entry, accepted credential types, schema paths, and the module export that
 * holds it) and each credential type (schema path, OAuth2 settings). The JSON Schemas
 * sit beside it under `schemas/`. All of it is generated from the integrations' code and
 * committed; {@link checkManifest} tells when the committed files are stale.
 *
 * @module
 */
import { randomUUID } from "node:crypto"
import { dirname, join } from "node:path"
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Data, Effect, Either, Option, Schema } from "effect"
import { loadIntegrations } from "../../nodes/index.js"
import type { OAuth2Settings } from "./credentialType.js"
import type { IntegrationDefinition } from "./defineIntegration.js"
import type { NodeDefinition } from "./defineNode.js"
import { formatJson, type JsonSchemaError, toJsonSchema } from "./jsonSchema.js"
import {
  type AnyCredentialType,
  compareStrings,
  makeRegistry,
  type RegistryError
} from "./registry.js"

/** Version of the contract between the pack and a runtime; bumped on breaking changes. */
export const protocolVersion = 1

/** The pack's identity, from its `package.json`. */
export interface PackInfo {
  readonly name: string
  readonly version: string
  /** Supported engine ranges, for example `{ "node": ">=20.18.1" }`. */
  readonly engines: Readonly<Record<string, string>>
}

/** An integration as a runtime's palette groups it. */
export interface ManifestIntegration {
  readonly name: string
  readonly title: string
  readonly description: string
  /** Icon path, relative to the pack's root. */
  readonly icon: string
}

/** A node version as a runtime sees it: palette entry, schemas, and where its code is. */
export interface ManifestNode {
  readonly type: string
  readonly version: number
  readonly title: string
  readonly description: string
  readonly category: string
  /** The integration's icon path, relative to the pack's root. */
  readonly icon: string
  readonly credentials: { readonly types: ReadonlyArray<string>; readonly required: boolean }
  /** OAuth scopes the node's calls need; a runtime asks for them when connecting. */
  readonly scopes?: ReadonlyArray<string>
  readonly docsUrl?: string
  /** Path of the input JSON Schema, relative to the pack's root. */
  readonly input: string
  /** Path of the output JSON Schema, relative to the pack's root. */
  readonly output: string
  /** The module and export that hold the node's definition. */
  readonly entry: { readonly module: string; readonly export: string }
}

/** A credential type as a runtime's "add credential" form needs it. */
export interface ManifestCredential {
  readonly type: string
  readonly title: string
  readonly description: string
  /** Path of the fields' JSON Schema, relative to the pack's root. */
  readonly schema: string
  readonly oauth2?: OAuth2Settings
}

/** The content of `manifest.json`. */
export interface Manifest {
  readonly name: string
  readonly version: string
  readonly protocolVersion: typeof protocolVersion
  readonly engines: Readonly<Record<string, string>>
  readonly integrations: ReadonlyArray<ManifestIntegration>
  readonly nodes: ReadonlyArray<ManifestNode>
  readonly credentials: ReadonlyArray<ManifestCredential>
}

/** A generated manifest and every file that goes with it, by path relative to the root. */
export interface ManifestBuild {
  readonly manifest: Manifest
  /** `manifest.json` and every schema file, in path order, with their exact content. */
  readonly files: ReadonlyMap<string, string>
}

/** How a generated file differs from the one on disk. */
export type FileStatus = "missing" | "different" | "extra"

/** A generated file that is not on disk as it should be. */
export interface StaleFile {
  /** Path relative to the root, with `/` separators. */
  readonly path: string
  readonly status: FileStatus
}

/** A manifest file could not be read, written or removed, or `package.json` is unusable. */
export class ManifestError extends Data.TaggedError("ManifestError")<{
  readonly message: string
  /** The file involved. */
  readonly path: string
}> {
  readonly retryable = false
}

/** Everything `manifest` and `manifest --check` can fail with. */
export type ManifestFailure = ManifestError | RegistryError | JsonSchemaError

/** The manifest file's path, relative to the root. */
export const manifestPath = "manifest.json"

/** Folders whose every file is generated; anything else in them is stale. */
export const schemaFolders = ["schemas/nodes", "schemas/credentials"] as const

/** Path of a node version's input or output JSON Schema, relative to the root. */
export const nodeSchemaPath = (type: string, version: number, side: "input" | "output"): string =>
  `schemas/nodes/${type}@${version}.${side}.json`

/** Path of a credential type's fields JSON Schema, relative to the root. */
export const credentialSchemaPath = (type: string): string => `schemas/credentials/${type}.json`

/**
 * The export name of a node version in its integration's module: the operation, or
 * `<operation>V<version>` for a version older than the latest.
 */
export const nodeExportName = (type: string, version: number, latest: number): string => {
  const operation = type.slice(type.indexOf(".") + 1)
  return version === latest ? operation : `${operation}V${version}`
}

/**
 * Generates the manifest and its schema files from the integrations. Checks the
 * integrations first (as the registry does) and fails on the first schema that has no
 * JSON Schema form. The same integrations always give the same bytes.
 */
export const buildManifest = (
  integrations: ReadonlyArray<IntegrationDefinition>,
  pack: PackInfo
): Either.Either<ManifestBuild, RegistryError | JsonSchemaError> =>
  Either.gen(function* () {
    const registry = yield* makeRegistry(integrations)
    const files = new Map<string, string>()

    const nodes: Array<ManifestNode> = []
    for (const integration of registry.integrations) {
      const sorted = [...integration.nodes].sort(
        (a, b) => compareStrings(a.type, b.type) || a.version - b.version
      )
      for (const node of sorted) {
        const latest = Math.max(...registry.versions(node.type))
        nodes.push(manifestNode(node, integration, pack, latest))
        const label = `${node.type}@${node.version}`
        const input = nodeSchemaPath(node.type, node.version, "input")
        const output = nodeSchemaPath(node.type, node.version, "output")
        files.set(input, formatJson(yield* toJsonSchema(node.input, `${label} input`)))
        files.set(output, formatJson(yield* toJsonSchema(node.output, `${label} output`)))
      }
    }
    nodes.sort((a, b) => compareStrings(a.type, b.type) || a.version - b.version)

    const credentials: Array<ManifestCredential> = []
    for (const credentialType of registry.credentialTypes) {
      credentials.push(manifestCredential(credentialType))
      const schema = yield* toJsonSchema(credentialType.fields, `${credentialType.type} credential`)
      files.set(credentialSchemaPath(credentialType.type), formatJson(schema))
    }

    const manifest: Manifest = {
      name: pack.name,
      version: pack.version,
      protocolVersion,
      engines: sortRecord(pack.engines),
      integrations: registry.integrations.map(manifestIntegration),
      nodes,
      credentials
    }
    files.set(manifestPath, formatJson(manifest))
    return { manifest, files: new Map([...files].sort(([a], [b]) => compareStrings(a, b))) }
  })

/**
 * Lists the generated files that are missing or different on disk under `root`, and the
 * files in `schemas/nodes` and `schemas/credentials` that no node or credential type
 * produces any more. Empty means the committed manifest and schemas are fresh.
 */
export const checkManifest = (
  root: string,
  integrations: ReadonlyArray<IntegrationDefinition>
): Effect.Effect<ReadonlyArray<StaleFile>, ManifestFailure, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const build = yield* buildManifest(integrations, yield* readPackInfo(root))
    return yield* staleFiles(root, build.files)
  })

/**
 * Brings `manifest.json` and `schemas/` under `root` up to date: writes each generated
 * file that is missing or different (to a temporary file, then renamed over the old
 * one, so a reader never sees half a file) and removes stale schema files. Returns what
 * it changed; empty when everything was already fresh.
 */
export const writeManifest = (
  root: string,
  integrations: ReadonlyArray<IntegrationDefinition>
): Effect.Effect<ReadonlyArray<StaleFile>, ManifestFailure, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const build = yield* buildManifest(integrations, yield* readPackInfo(root))
    const stale = yield* staleFiles(root, build.files)
    yield* Effect.forEach(
      stale,
      (file) => {
        const path = join(root, file.path)
        const content = build.files.get(file.path)
        return content === undefined
          ? fs.remove(path, { recursive: true }).pipe(Effect.mapError(ioError("remove", path)))
          : writeAtomically(fs, path, content)
      },
      { concurrency: 8, discard: true }
    )
    yield* Effect.logInfo("Manifest written").pipe(
      Effect.annotateLogs({ root, changed: stale.length, files: build.files.size })
    )
    return stale
  })

/** What `rpa-integrations manifest` (or `manifest --check`) did. */
export interface ManifestRun {
  readonly mode: "write" | "check"
  /** For `check`: the stale files. For `write`: the files it wrote or removed. */
  readonly files: ReadonlyArray<StaleFile>
  /** False only for a check that found stale files; the CLI then exits with 1. */
  readonly ok: boolean
  readonly nodes: number
  readonly credentialTypes: number
}

/**
 * The `manifest` command: loads every integration of the pack and writes (or, with
 * `check`, only checks) `manifest.json` and `schemas/` under `root`.
 */
export const runManifest = (
  root: string,
  options: { readonly check: boolean }
): Effect.Effect<ManifestRun, ManifestFailure, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const integrations = yield* loadIntegrations()
    const files = options.check
      ? yield* checkManifest(root, integrations)
      : yield* writeManifest(root, integrations)
    const nodes = integrations.reduce((n, integration) => n + integration.nodes.length, 0)
    const credentialTypes = new Set(
      integrations.flatMap((integration) => integration.credentialTypes.map((c) => c.type))
    ).size
    const mode = options.check ? "check" : "write"
    return { mode, files, ok: mode === "write" || files.length === 0, nodes, credentialTypes }
  })

/** The text the CLI prints for a {@link ManifestRun}. */
export const formatManifestRun = (run: ManifestRun): string => {
  const counts = `${run.nodes} node(s), ${run.credentialTypes} credential type(s)`
  const list = run.files.map((file) => `  ${file.status.padEnd(9)} ${file.path}`).join("\n")
  if (run.mode === "check") {
    return run.ok
      ? `manifest.json and schemas/ are up to date (${counts}).`
      : `manifest.json and schemas/ are stale; run "rpa-integrations manifest" and commit ` +
          `the result:\n${list}`
  }
  return run.files.length === 0
    ? `manifest.json and schemas/ were already up to date (${counts}).`
    : `Updated manifest.json and schemas/ (${counts}):\n${list}`
}

// ---------------------------------------------------------------------------------------

const manifestIntegration = (integration: IntegrationDefinition): ManifestIntegration => ({
  name: integration.name,
  title: integration.title,
  description: integration.description,
  icon: integration.icon
})

const manifestNode = (
  node: NodeDefinition,
  integration: IntegrationDefinition,
  pack: PackInfo,
  latest: number
): ManifestNode => ({
  type: node.type,
  version: node.version,
  title: node.title,
  description: node.description,
  category: node.category,
  icon: integration.icon,
  credentials: { types: [...node.credentials.types], required: node.credentials.required },
  ...(node.scopes === undefined ? {} : { scopes: [...node.scopes] }),
  ...(node.docsUrl === undefined ? {} : { docsUrl: node.docsUrl }),
  input: nodeSchemaPath(node.type, node.version, "input"),
  output: nodeSchemaPath(node.type, node.version, "output"),
  entry: {
    module: `${pack.name}/nodes/${integration.name}`,
    export: nodeExportName(node.type, node.version, latest)
  }
})

const manifestCredential = (credentialType: AnyCredentialType): ManifestCredential => ({
  type: credentialType.type,
  title: credentialType.title,
  description: credentialType.description,
  schema: credentialSchemaPath(credentialType.type),
  ...(credentialType.oauth2 === undefined ? {} : { oauth2: oauth2Settings(credentialType.oauth2) })
})

/** OAuth2 settings in a fixed key order, without the unset endpoints. */
const oauth2Settings = (settings: OAuth2Settings): OAuth2Settings => {
  const out: Record<string, unknown> = {
    grants: [...settings.grants],
    issuer: settings.issuer,
    authorizationEndpoint: settings.authorizationEndpoint,
    tokenEndpoint: settings.tokenEndpoint,
    deviceAuthorizationEndpoint: settings.deviceAuthorizationEndpoint,
    revocationEndpoint: settings.revocationEndpoint,
    defaultScopes: [...settings.defaultScopes],
    pkce: settings.pkce
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key]
  return out as unknown as OAuth2Settings
}

const sortRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)))

const PackageJson = Schema.parseJson(
  Schema.Struct({
    name: Schema.String,
    version: Schema.String,
    engines: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
      default: () => ({})
    })
  })
)

/** The pack's name, version and engines from `package.json` under `root`. */
export const readPackInfo = (
  root: string
): Effect.Effect<PackInfo, ManifestError, FileSystem.FileSystem> => {
  const path = join(root, "package.json")
  return FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readFileString(path)),
    Effect.mapError(ioError("read", path)),
    Effect.flatMap((text) =>
      Schema.decodeUnknown(PackageJson)(text).pipe(
        Effect.mapError(
          () =>
            new ManifestError({
              path,
              message: `${path} must be JSON with a string "name" and "version"; fix it and retry.`
            })
        )
      )
    )
  )
}

const staleFiles = (
  root: string,
  files: ReadonlyMap<string, string>
): Effect.Effect<ReadonlyArray<StaleFile>, ManifestError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const stale: Array<StaleFile> = []
    for (const [path, content] of files) {
      const onDisk = yield* readIfExists(join(root, path))
      if (Option.isNone(onDisk)) stale.push({ path, status: "missing" })
      else if (onDisk.value !== content) stale.push({ path, status: "different" })
    }
    for (const folder of schemaFolders) {
      for (const name of yield* listIfExists(join(root, folder))) {
        const path = `${folder}/${name}`
        if (!files.has(path)) stale.push({ path, status: "extra" })
      }
    }
    return stale.sort((a, b) => compareStrings(a.path, b.path))
  })

const readIfExists = (
  path: string
): Effect.Effect<Option.Option<string>, ManifestError, FileSystem.FileSystem> =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readFileString(path)),
    Effect.map(Option.some),
    Effect.catchIf(isNotFound, () => Effect.succeedNone),
    Effect.mapError(ioError("read", path))
  )

const listIfExists = (
  path: string
): Effect.Effect<ReadonlyArray<string>, ManifestError, FileSystem.FileSystem> =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readDirectory(path)),
    Effect.catchIf(isNotFound, () => Effect.succeed<ReadonlyArray<string>>([])),
    Effect.map((names) => [...names].sort(compareStrings)),
    Effect.mapError(ioError("list", path))
  )

/** Writes a temporary file beside `path`, then renames it over `path`. */
const writeAtomically = (
  fs: FileSystem.FileSystem,
  path: string,
  content: string
): Effect.Effect<void, ManifestError> => {
  const temporary = `${path}.${randomUUID()}.tmp`
  return fs.makeDirectory(dirname(path), { recursive: true }).pipe(
    Effect.zipRight(fs.writeFileString(temporary, content)),
    Effect.zipRight(fs.rename(temporary, path)),
    Effect.onError(() => Effect.ignore(fs.remove(temporary))),
    Effect.mapError(ioError("write", path))
  )
}

const isNotFound = (error: PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"

const ioError =
  (action: "read" | "write" | "remove" | "list", path: string) =>
  (error: PlatformError): ManifestError =>
    new ManifestError({
      path,
      message: `Could not ${action} ${path} (${error.message}); check that the folder exists and is writable.`
    })
