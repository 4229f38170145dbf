/**
 * Credential resolution for a run: find the credential a step names, check its type
 * against the node, decode its fields, and turn it into an authenticator.
 *
 * Sources are consulted in order (environment variables first, then the encrypted store
 * when one is given); a sandbox run fills in sandbox credentials for ids defined nowhere.
 *
 * @module
 */
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import type { StoredCredential } from "../auth/credentialSource.js"
import { CredentialError, CredentialSource } from "../auth/credentialSource.js"
import { CredentialStore, layerCredentialStore } from "../auth/credentialStore.js"
import { credentialVariable, makeEnvCredentialSource } from "../auth/envCredentials.js"
import type { Authenticator } from "../http/authenticator.js"
import type { AuthenticationError, FieldIssue } from "../http/errors.js"
import type { Credential } from "../node/credentialType.js"
import type { NodeDefinition } from "../node/defineNode.js"
import type { Registry } from "../node/registry.js"
import { fieldIssues } from "./issues.js"
import type { SecretRegistry } from "./secrets.js"

/** A step's credential, found and decoded; its secrets are registered with the run. */
export interface ResolvedCredential {
  readonly id: string
  readonly origin: StoredCredential["origin"]
  readonly credentialType: Registry["credentialTypes"][number]
  readonly credential: Credential
}

/**
 * A credential source that asks each source in turn: the first that has the id answers,
 * and saves its updates. This is how the environment is layered in front of the store.
 */
export const composeCredentialSources = (
  sources: ReadonlyArray<CredentialSource["Type"]>
): CredentialSource["Type"] => {
  type Found = readonly [CredentialSource["Type"], StoredCredential]
  const find = (id: string) =>
    Effect.reduce(sources, Option.none<Found>(), (found, source) =>
      Option.isSome(found)
        ? Effect.succeed(found)
        : Effect.map(
            source.get(id),
            Option.map((credential): Found => [source, credential])
          )
    )
  return {
    get: (id) =>
      Effect.map(
        find(id),
        Option.map(([, credential]) => credential)
      ),
    update: (id, fields) =>
      Effect.flatMap(
        find(id),
        Option.match({
          onNone: () =>
            Effect.fail(
              new CredentialError({
                credential: id,
                message: `Cannot save the credential "${id}": no credential source has it.`
              })
            ),
          onSome: ([source]) => source.update(id, fields)
        })
      ),
    exclusive: (id, effect) =>
      Effect.flatMap(find(id), (found) => {
        const source = Option.isSome(found) ? found.value[0] : undefined
        return source?.exclusive ? source.exclusive(id, effect) : effect
      })
  }
}

/**
 * The stored credential for one step, checked against the node: it exists (or, in a
 * sandbox run, is made from the first accepted credential type's sandbox fields), its
 * type is one the node accepts, and its fields decode. Fails with the issue to report.
 */
export const findStepCredential = (
  id: string,
  node: NodeDefinition,
  registry: Registry,
  sandbox: boolean
): Effect.Effect<StoredCredential, string, CredentialSource> =>
  Effect.gen(function* () {
    const source = yield* CredentialSource
    const stored = yield* source
      .get(id)
      .pipe(Effect.mapError((error: CredentialError) => error.message))
    if (Option.isSome(stored)) return stored.value
    const fake = sandbox ? sandboxCredential(id, node, registry) : undefined
    if (fake !== undefined) return fake
    return yield* Effect.fail(missingMessage(id, node, sandbox))
  })

/**
 * Checks a step's stored credential against its node: its type is one the node accepts,
 * and its fields decode (see {@link decodeCredential}).
 */
export const stepCredential = (
  stored: StoredCredential,
  node: NodeDefinition,
  registry: Registry,
  secrets: SecretRegistry
): Either.Either<ResolvedCredential, string> => {
  if (node.credentials.types.includes(stored.type)) {
    return decodeCredential(stored, registry, secrets)
  }
  return Either.left(
    `credential "${stored.id}" (${describeOrigin(stored)}) has type "${stored.type}", but ` +
      `node "${node.type}" accepts ${acceptedList(node)}; use a credential of an accepted type`
  )
}

/**
 * Decodes a stored credential's fields with its type's schema and registers its secrets.
 * The message of a failure names the field and where the credential came from, never a
 * value.
 */
export const decodeCredential = (
  stored: StoredCredential,
  registry: Registry,
  secrets: SecretRegistry
): Either.Either<ResolvedCredential, string> => {
  const credentialType = registry.credentialType(stored.type)
  if (Either.isLeft(credentialType)) return Either.left(credentialType.left.message)
  const fields = Schema.decodeUnknownEither(credentialType.right.fields, { errors: "all" })(
    stored.fields
  )
  if (Either.isLeft(fields)) {
    const problems = fieldIssues(fields.left.issue, { showValues: false })
      .map((issue) =>
        issue.path === "" ? issue.message : `field "${issue.path}" ${issue.message}`
      )
      .join("; ")
    return Either.left(
      `credential "${stored.id}" (${describeOrigin(stored)}) is not a valid ` +
        `"${stored.type}" credential: ${problems}`
    )
  }
  secrets.registerRedacted(fields.right)
  return Either.right<ResolvedCredential>({
    id: stored.id,
    origin: stored.origin,
    credentialType: credentialType.right,
    credential: { id: stored.id, type: stored.type, fields: fields.right }
  })
}

/**
 * Where a run finds credentials unless its host says otherwise: `RPA_CREDENTIAL_<ID>`
 * variables first, then the machine's encrypted credential store. A store that cannot be
 * opened (a malformed key variable) fails only the lookups that reach it.
 */
export const machineCredentials = (
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<CredentialSource["Type"]> =>
  Effect.map(Effect.either(Layer.build(layerCredentialStore)), (store) =>
    composeCredentialSources([
      makeEnvCredentialSource(env),
      Either.isRight(store) ? Context.get(store.right, CredentialStore) : unavailable(store.left)
    ])
  ).pipe(Effect.scoped)

const unavailable = (error: CredentialError): CredentialSource["Type"] => ({
  get: () => Effect.fail(error),
  update: () => Effect.fail(error)
})

/**
 * The authenticator for a resolved credential. Every header and query value it produces
 * is registered as a secret, so a refreshed token is scrubbed like the stored one.
 */
export const authenticate = (
  resolved: ResolvedCredential,
  secrets: SecretRegistry
): Effect.Effect<Authenticator, AuthenticationError, CredentialSource> =>
  Effect.map(
    resolved.credentialType.authenticate(resolved.credential) as Effect.Effect<
      Authenticator,
      AuthenticationError,
      CredentialSource
    >,
    (authenticator) => ({
      ...authenticator,
      authorize: Effect.tap(authenticator.authorize, (authorization) => {
        for (const value of Object.values(authorization.headers ?? {})) secrets.register(value)
        for (const value of Object.values(authorization.query ?? {})) secrets.register(value)
      })
    })
  )

/** A credential issue for a flow error, at the step's `credential` field. */
export const credentialIssue = (index: number, message: string): FieldIssue => ({
  path: `steps[${index}].credential`,
  message
})

const sandboxCredential = (
  id: string,
  node: NodeDefinition,
  registry: Registry
): StoredCredential | undefined => {
  for (const type of node.credentials.types) {
    const credentialType = registry.credentialType(type)
    if (Either.isRight(credentialType) && credentialType.right.sandbox !== undefined) {
      return { id, type, fields: credentialType.right.sandbox, origin: "sandbox" }
    }
  }
  return undefined
}

const missingMessage = (id: string, node: NodeDefinition, sandbox: boolean): string => {
  const type = node.credentials.types[0] ?? "<credential type>"
  if (sandbox) {
    return (
      `credential "${id}" is not defined, and none of the types node "${node.type}" accepts ` +
      `(${node.credentials.types.join(", ")}) has sandbox fields`
    )
  }
  return (
    `credential "${id}" is not defined: set ${credentialVariable(id)} to ` +
    `{"type":"${type}", ...fields} or add it to the credential store, or try the flow with --sandbox`
  )
}

const describeOrigin = (stored: StoredCredential): string => {
  switch (stored.origin) {
    case "environment":
      return `from ${credentialVariable(stored.id)}`
    case "store":
      return "from the credential store"
    case "sandbox":
      return "sandbox"
  }
}

const acceptedList = (node: NodeDefinition): string =>
  node.credentials.types.length === 0
    ? "no credential"
    : `only ${node.credentials.types.map((type) => `"${type}"`).join(", ")}`
