/**
 * Credential resolution for a run: find the credential a step names, check its type
 * against the node, decode its fields, and turn it into an authenticator.
 *
 * Sources are consulted in order (environment variables first, then the encrypted store
 * when one is given); a sandbox run fills in sandbox credentials for ids defined nowhere.
 *
 * @module
 */
import type { ParseResult } from "effect"
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import { isHttpsUrl, isLoopbackUrl, serverUrls } from "../auth/authorizationServer.js"
import type { StoredCredential } from "../auth/credentialSource.js"
import { CredentialError, CredentialSource } from "../auth/credentialSource.js"
import { CredentialStore, layerCredentialStore } from "../auth/credentialStore.js"
import { credentialVariable, makeEnvCredentialSource } from "../auth/envCredentials.js"
import {
  grantOf,
  isOAuth2CredentialType,
  isUserGrant,
  type OAuth2CredentialType,
  type OAuth2Fields,
  oauth2ClientOf
} from "../auth/oauth2CredentialType.js"
import { configurationError } from "../auth/oauth2Errors.js"
import { presetServer, type ServerConfig } from "../auth/oauth2Preset.js"
import { parseServiceAccountKey } from "../auth/serviceAccount.js"
import { tokenSetFromFields } from "../auth/tokenSet.js"
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
    return Either.left(
      `credential "${stored.id}" (${describeOrigin(stored)}) is not a valid ` +
        `"${stored.type}" credential: ${fieldProblems(fields.left)}`
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
 * What is wrong with a credential's fields, in words that name each field and never show
 * a value: `field "token" is missing; field "region" expected "eu" or "us"`.
 */
export const fieldProblems = (error: { readonly issue: ParseResult.ParseIssue }): string =>
  fieldIssues(error.issue, { showValues: false })
    .map((issue) => (issue.path === "" ? issue.message : `field "${issue.path}" ${issue.message}`))
    .join("; ")

/**
 * What keeps a credential whose fields are valid from working (see
 * {@link findCredentialProblem}): its setup (the authorization server, the client, a
 * service account key), a user's grant never connected, or an access token that expired
 * (or expires within the refresh margin) with no refresh token to renew it.
 */
export type CredentialProblem =
  | { readonly _tag: "Setup"; readonly detail: string }
  | { readonly _tag: "NotConnected" }
  | { readonly _tag: "Expired"; readonly expiresAt: number; readonly past: boolean }

/**
 * What keeps a credential whose fields are valid from working; none when nothing does.
 * Only OAuth2 credentials can be in that state:
 *
 * - their authorization server is unknown or unusable: no issuer nor token endpoint,
 *   plain `http://` that is not a loopback issuer marked insecure, a field a preset's
 *   endpoints need, no client id; a service account without a readable key file
 *   ({@link oauth2SetupProblem});
 * - a user's grant (browser or device sign-in) that was never connected (no access token
 *   and no refresh token), or whose access token expired (or expires within the refresh
 *   margin the token manager keeps) with no refresh token to renew it.
 *
 * Client-credentials and JWT-bearer grants get their own tokens and need no sign-in.
 * Sandbox credentials are never reported. `now` is the current time in milliseconds.
 */
export const findCredentialProblem = (
  resolved: ResolvedCredential,
  now: number
): Option.Option<CredentialProblem> => {
  const type = resolved.credentialType
  if (resolved.origin === "sandbox" || !isOAuth2CredentialType(type)) return Option.none()
  const fields = resolved.credential.fields as OAuth2Fields
  const setup = oauth2SetupProblem(type, resolved.credential)
  if (setup !== undefined) return Option.some({ _tag: "Setup", detail: setup })
  if (!isUserGrant(grantOf(type.preset, fields))) return Option.none()
  const tokens = tokenSetFromFields(fields)
  if (Option.isNone(tokens)) {
    return fields.refreshToken === undefined ? Option.some({ _tag: "NotConnected" }) : Option.none()
  }
  const { expiresAt, refreshToken } = tokens.value
  const margin = type.preset.refreshSkewMs ?? defaultRefreshSkewMs
  return refreshToken !== undefined || expiresAt === undefined || now < expiresAt - margin
    ? Option.none()
    : Option.some({ _tag: "Expired", expiresAt, past: expiresAt <= now })
}

/**
 * {@link findCredentialProblem} as the message a run reports: what is wrong, where the
 * credential came from, and the fix (`rpa-integrations credentials login <id>`, or the
 * fields to set and where).
 */
export const credentialProblem = (
  resolved: ResolvedCredential,
  now: number
): Option.Option<string> =>
  Option.map(findCredentialProblem(resolved, now), (problem) => {
    const { id } = resolved
    const credential = `credential "${id}" (${describeOrigin(resolved)})`
    const fromEnvironment = resolved.origin === "environment"
    const login = `\`rpa-integrations credentials login ${id}\``
    const connect = (again: string) =>
      fromEnvironment
        ? `set ${credentialVariable(id)} to a connected credential (with "accessToken" and ` +
          `"refreshToken"), or unset it and connect the credential in the store with ${login}`
        : `connect it${again} with ${login}`
    switch (problem._tag) {
      case "Setup": {
        const fix = fromEnvironment
          ? `fix the JSON in ${credentialVariable(id)}`
          : `fix its fields with \`rpa-integrations credentials add ${id} --type ` +
            `${resolved.credentialType.type} --field name=value ...\` (it replaces the credential)`
        return `${credential} cannot be used: ${problem.detail}; ${fix}`
      }
      case "NotConnected":
        return (
          `${credential} is not connected yet: it holds no access token and no refresh ` +
          `token; ${connect("")}`
        )
      case "Expired": {
        const when = new Date(problem.expiresAt).toISOString()
        return (
          `the access token of ${credential} ` +
          `${problem.past ? `expired at ${when}` : `expires at ${when}, too soon to use`}, ` +
          `and there is no refresh token to renew it; ${connect(" again")}`
        )
      }
    }
  })

/**
 * What keeps an OAuth2 credential from reaching its authorization server, as a sentence
 * without the fix; undefined when nothing does. Checked when a credential is added and
 * before a run: no issuer nor token endpoint, plain `http://` that is not a loopback
 * issuer marked insecure, a field the preset's endpoints need, no client id, and for a
 * service account a missing or unreadable key file.
 */
export const oauth2SetupProblem = (
  type: OAuth2CredentialType,
  credential: Credential
): string | undefined => {
  const fields = credential.fields as OAuth2Fields
  const server = presetServer(type.preset, fields)
  if (server.tokenEndpoint === undefined && server.issuer === undefined) {
    return (
      'it names neither an issuer nor a token endpoint: set the field "issuer" (the endpoints ' +
      'are read from its metadata) or "tokenEndpoint"'
    )
  }
  const transport = plainHttpProblem(type, server)
  if (transport !== undefined) return transport
  const client = oauth2ClientOf(type.preset, credential as Credential<OAuth2Fields>)
  if (Either.isLeft(client)) return withoutFix(credential.id, client.left.message)
  if (grantOf(type.preset, fields) !== "jwt_bearer") return undefined
  if (fields.serviceAccountKey === undefined) {
    return 'it uses a service account but has no key: set the field "serviceAccountKey" to the whole JSON key file'
  }
  const key = parseServiceAccountKey(credential.id, fields.serviceAccountKey)
  return Either.isLeft(key) ? withoutFix(credential.id, key.left.message) : undefined
}

/**
 * For a type whose credentials name their own server (with the "insecureLoopbackIssuer"
 * field, as `oauth2.generic`): an address that is not https://, said with the field to
 * set. Other types fall to the authorization server's own check.
 */
const plainHttpProblem = (type: OAuth2CredentialType, server: ServerConfig): string | undefined => {
  if (type.preset.fields === undefined || !("insecureLoopbackIssuer" in type.preset.fields)) {
    return undefined
  }
  const plain = serverUrls(server).filter((url) => !isHttpsUrl(url))
  const remote = plain.filter((url) => !isLoopbackUrl(url))
  if (remote.length > 0) {
    return (
      `${remote.join(", ")} is not an https:// address: only an authorization server on ` +
      '127.0.0.1, ::1 or localhost may use http:// (with the field "insecureLoopbackIssuer" ' +
      "set to true, for tests and local development); give its https:// address"
    )
  }
  if (plain.length > 0 && server.insecureLoopbackIssuer !== true) {
    return (
      `${plain.join(", ")} uses plain http://: give its https:// address, or, for tests and ` +
      'local development only, set the field "insecureLoopbackIssuer" to true'
    )
  }
  return undefined
}

/** The token manager's default: a token is renewed this long before it expires. */
const defaultRefreshSkewMs = 60_000

/** A configuration error's message without its closing advice (the caller gives its own). */
const withoutFix = (id: string, message: string): string => {
  const advice = configurationError(id, "").message
  const text = message.endsWith(advice) ? message.slice(0, -advice.length) : message
  return text.trim().replace(/\.$/, "")
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

/** Where a credential came from, for messages: `from RPA_CREDENTIAL_GH`. */
export const describeOrigin = (stored: Pick<StoredCredential, "id" | "origin">): string => {
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
