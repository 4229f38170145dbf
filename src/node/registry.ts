/**
 * The node registry: every node and credential type of the loaded integrations, checked
 * once when it is built and looked up by the runner, the CLI and the manifest.
 *
 * Building a registry checks the integrations for mistakes an integration author can
 * make (a node whose type does not start with its integration's name, two nodes with the
 * same type and version, a credential type defined twice or accepted but never defined)
 * and reports all of them at once. Lookups fail with a {@link RegistryError} that lists
 * what is available and suggests the closest name.
 *
 * An integration lists every credential type its nodes accept, importing the ones it
 * shares with another integration (the same value may appear in several integrations).
 * A run that loads only the integrations its flow uses then still has them all.
 *
 * @module
 */
import { AutoCorrect, CliConfig } from "@effect/cli"
import { Data, Either } from "effect"
import type { IntegrationDefinition } from "./defineIntegration.js"
import type { NodeDefinition } from "./defineNode.js"

/** A credential type of any integration, whatever its fields and requirements. */
export type AnyCredentialType = IntegrationDefinition["credentialTypes"][number]

/** Why a registry could not be built or a lookup found nothing. */
export type RegistryErrorReason =
  | "InvalidReference"
  | "UnknownNode"
  | "UnknownVersion"
  | "UnknownIntegration"
  | "UnknownCredentialType"
  | "InvalidDefinition"
  | "LoadFailed"

/**
 * A node reference, node type, integration or credential type is unknown or malformed,
 * or the integrations themselves are inconsistent. The message says what to change;
 * `available` and `suggestion` let a caller offer the valid names.
 */
export class RegistryError extends Data.TaggedError("RegistryError")<{
  readonly reason: RegistryErrorReason
  readonly message: string
  /** Names (or versions) that would have been accepted, sorted. */
  readonly available?: ReadonlyArray<string> | undefined
  /** The available name closest to the one asked for, when one is close. */
  readonly suggestion?: string | undefined
  /** For `InvalidDefinition`: every problem found in the integrations. */
  readonly problems?: ReadonlyArray<string> | undefined
}> {
  readonly retryable = false
}

/** A parsed node reference, as a flow step writes it: `github.listIssues@1`. */
export interface NodeRef {
  /** Node type, `<integration>.<operation>`. */
  readonly type: string
  /** The pinned version; absent means the latest. */
  readonly version?: number | undefined
  /** Integration name, the part of the type before the dot. */
  readonly integration: string
  /** Operation name, the part after the dot; also the node's export name. */
  readonly operation: string
}

/** The loaded integrations' nodes and credential types, checked and indexed. */
export interface Registry {
  /** The integrations, sorted by name. */
  readonly integrations: ReadonlyArray<IntegrationDefinition>
  /** Every node version, sorted by type, then version. */
  readonly nodes: ReadonlyArray<NodeDefinition>
  /** Every credential type, sorted by type. */
  readonly credentialTypes: ReadonlyArray<AnyCredentialType>
  /** A node by type; the latest version unless one is pinned. */
  readonly findNode: (
    type: string,
    version?: number
  ) => Either.Either<NodeDefinition, RegistryError>
  /** A node by reference (`slack.postMessage` or `slack.postMessage@1`). */
  readonly resolve: (ref: string) => Either.Either<NodeDefinition, RegistryError>
  /** The versions of a node type, ascending; empty when the type is unknown. */
  readonly versions: (type: string) => ReadonlyArray<number>
  /** The integration a node type (or an integration name) belongs to. */
  readonly integrationOf: (type: string) => Either.Either<IntegrationDefinition, RegistryError>
  /** A credential type by its type name, for example `http.bearer`. */
  readonly credentialType: (type: string) => Either.Either<AnyCredentialType, RegistryError>
}

const integrationName = "[a-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
const operationName = "[a-z][A-Za-z0-9]*"
const nodeRefPattern = new RegExp(`^(${integrationName})\\.(${operationName})(?:@(\\d+))?$`)
const integrationPattern = new RegExp(`^${integrationName}$`)
const nodeTypePattern = new RegExp(`^${integrationName}\\.${operationName}$`)

/**
 * Parses a node reference: `<integration>.<operation>` with an optional `@<version>`.
 * Fails with an `InvalidReference` error that shows the expected form.
 */
export const parseNodeRef = (ref: string): Either.Either<NodeRef, RegistryError> => {
  const match = nodeRefPattern.exec(ref.trim())
  const version = match?.[3] === undefined ? undefined : Number(match[3])
  if (match === null || (version !== undefined && !isVersion(version))) {
    return Either.left(
      new RegistryError({
        reason: "InvalidReference",
        message:
          `Node reference ${JSON.stringify(ref)} is not valid: write ` +
          `"<integration>.<operation>" with an optional "@<version>" (a positive integer), ` +
          `for example "github.listIssues" or "github.listIssues@1".`
      })
    )
  }
  const [, integration = "", operation = ""] = match
  return Either.right({ type: `${integration}.${operation}`, version, integration, operation })
}

/**
 * Builds a registry from loaded integrations, checking them first. Every problem found
 * is reported in one `InvalidDefinition` error, so an integration author fixes them in
 * one pass.
 */
export const makeRegistry = (
  integrations: ReadonlyArray<IntegrationDefinition>
): Either.Either<Registry, RegistryError> => {
  const problems = checkIntegrations(integrations)
  if (problems.length > 0) {
    return Either.left(
      new RegistryError({
        reason: "InvalidDefinition",
        message:
          `The integrations have ${problems.length} problem(s); fix them in the named ` +
          `integration's files:\n${problems.map((p) => `- ${p}`).join("\n")}`,
        problems
      })
    )
  }
  return Either.right(indexIntegrations(integrations))
}

/** Orders strings by code unit, the same on every machine and locale. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The closest name to `name` among `candidates`, when it is close enough to be a typo. */
export const closestName = (
  name: string,
  candidates: ReadonlyArray<string>
): string | undefined => {
  let best: { readonly name: string; readonly distance: number } | undefined
  for (const candidate of candidates) {
    const distance = AutoCorrect.levensteinDistance(name, candidate, CliConfig.defaultConfig)
    if (best === undefined || distance < best.distance) best = { name: candidate, distance }
  }
  const limit = Math.max(2, Math.floor(name.length / 3))
  return best !== undefined && best.distance <= limit ? best.name : undefined
}

// ---------------------------------------------------------------------------------------
// Checks

const isVersion = (version: number): boolean => Number.isSafeInteger(version) && version >= 1

const checkIntegrations = (integrations: ReadonlyArray<IntegrationDefinition>): Array<string> => {
  const problems: Array<string> = []
  const integrationNames = new Set<string>()
  const credentialTypes = new Map<
    string,
    { readonly value: AnyCredentialType; readonly by: string }
  >()
  const nodeKeys = new Set<string>()

  for (const integration of integrations) {
    const name = integration.name
    if (!integrationPattern.test(name)) {
      problems.push(
        `Integration name ${JSON.stringify(name)} must start with a lower-case letter and ` +
          `hold only letters, digits and "-", for example "slack" or "googleSheets".`
      )
    }
    if (integrationNames.has(name)) problems.push(`Integration "${name}" is defined twice.`)
    integrationNames.add(name)

    for (const credentialType of integration.credentialTypes) {
      const seen = credentialTypes.get(credentialType.type)
      if (seen !== undefined && seen.value !== credentialType) {
        problems.push(
          `Credential type "${credentialType.type}" is defined by both "${seen.by}" and ` +
            `"${name}"; define it once and import it where it is shared.`
        )
      }
      if (seen === undefined)
        credentialTypes.set(credentialType.type, { value: credentialType, by: name })
    }

    for (const node of integration.nodes) {
      problems.push(...checkNode(node, name))
      const key = `${node.type}@${node.version}`
      if (nodeKeys.has(key)) problems.push(`Node "${key}" is defined twice; give it a new version.`)
      nodeKeys.add(key)
    }
  }

  for (const integration of integrations) {
    for (const node of integration.nodes) {
      for (const type of node.credentials.types) {
        if (!credentialTypes.has(type)) {
          problems.push(
            `Node "${node.type}@${node.version}" accepts credential type "${type}", which no ` +
              `integration defines; add it to "${integration.name}".credentialTypes.`
          )
        }
      }
    }
  }
  return problems
}

const checkNode = (node: NodeDefinition, integration: string): Array<string> => {
  const problems: Array<string> = []
  const label = `Node "${node.type}@${node.version}"`
  if (!nodeTypePattern.test(node.type)) {
    problems.push(
      `${label}: the type must be "<integration>.<operation>" with a lowerCamelCase ` +
        `operation, for example "${integration}.sendMessage".`
    )
  } else if (!node.type.startsWith(`${integration}.`)) {
    problems.push(
      `${label} belongs to "${integration}", so its type must start with "${integration}.".`
    )
  }
  if (!isVersion(node.version)) {
    problems.push(`${label}: the version must be a positive integer, for example 1.`)
  }
  if (node.credentials.required && node.credentials.types.length === 0) {
    problems.push(`${label} requires a credential but accepts no credential type.`)
  }
  return problems
}

// ---------------------------------------------------------------------------------------
// Lookups

const indexIntegrations = (integrations: ReadonlyArray<IntegrationDefinition>): Registry => {
  const sortedIntegrations = [...integrations].sort((a, b) => compareStrings(a.name, b.name))
  const byIntegration = new Map(sortedIntegrations.map((i) => [i.name, i]))
  const versionsByType = new Map<string, Array<NodeDefinition>>()
  const credentialTypes = new Map<string, AnyCredentialType>()

  for (const integration of sortedIntegrations) {
    for (const node of integration.nodes) {
      const versions = versionsByType.get(node.type) ?? []
      versions.push(node)
      versionsByType.set(node.type, versions)
    }
    for (const credentialType of integration.credentialTypes) {
      credentialTypes.set(credentialType.type, credentialType)
    }
  }
  for (const versions of versionsByType.values()) versions.sort((a, b) => a.version - b.version)

  const types = [...versionsByType.keys()].sort(compareStrings)
  const nodes = types.flatMap((type) => versionsByType.get(type) ?? [])
  const credentialTypeNames = [...credentialTypes.keys()].sort(compareStrings)

  const findNode = (
    type: string,
    version?: number
  ): Either.Either<NodeDefinition, RegistryError> => {
    const versions = versionsByType.get(type)
    if (versions === undefined) return Either.left(unknownNode(type, types))
    const node =
      version === undefined ? versions.at(-1) : versions.find((n) => n.version === version)
    if (node === undefined) return Either.left(unknownVersion(type, version, versions))
    return Either.right(node)
  }

  const integrationOf = (type: string): Either.Either<IntegrationDefinition, RegistryError> => {
    const name = type.split(".")[0] ?? type
    const integration = byIntegration.get(name)
    if (integration !== undefined) return Either.right(integration)
    const available = [...byIntegration.keys()]
    const suggestion = closestName(name, available)
    return Either.left(
      new RegistryError({
        reason: "UnknownIntegration",
        message:
          `No integration is named "${name}".${didYouMean(suggestion)} Available ` +
          `integrations: ${available.join(", ") || "none"}.`,
        available,
        suggestion
      })
    )
  }

  const credentialType = (type: string): Either.Either<AnyCredentialType, RegistryError> => {
    const found = credentialTypes.get(type)
    if (found !== undefined) return Either.right(found)
    const suggestion = closestName(type, credentialTypeNames)
    return Either.left(
      new RegistryError({
        reason: "UnknownCredentialType",
        message:
          `Unknown credential type "${type}".${didYouMean(suggestion)} Available credential ` +
          `types: ${credentialTypeNames.join(", ") || "none"}.`,
        available: credentialTypeNames,
        suggestion
      })
    )
  }

  return {
    integrations: sortedIntegrations,
    nodes,
    credentialTypes: credentialTypeNames.flatMap((type) => credentialTypes.get(type) ?? []),
    findNode,
    resolve: (ref) =>
      Either.flatMap(parseNodeRef(ref), (parsed) => findNode(parsed.type, parsed.version)),
    versions: (type) => (versionsByType.get(type) ?? []).map((node) => node.version),
    integrationOf,
    credentialType
  }
}

const didYouMean = (suggestion: string | undefined): string =>
  suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`

const unknownNode = (type: string, types: ReadonlyArray<string>): RegistryError => {
  const suggestion = closestName(type, types)
  return new RegistryError({
    reason: "UnknownNode",
    message:
      `Unknown node "${type}".${didYouMean(suggestion)} Run "rpa-integrations nodes" to list ` +
      `the available nodes.`,
    available: types,
    suggestion
  })
}

const unknownVersion = (
  type: string,
  version: number | undefined,
  versions: ReadonlyArray<NodeDefinition>
): RegistryError => {
  const available = versions.map((node) => String(node.version))
  return new RegistryError({
    reason: "UnknownVersion",
    message:
      `Node "${type}" has no version ${version}; available versions: ${available.join(", ")}. ` +
      `Pin one of them, or drop "@${version}" to use the latest.`,
    available,
    suggestion: available.at(-1) === undefined ? undefined : `${type}@${available.at(-1)}`
  })
}
