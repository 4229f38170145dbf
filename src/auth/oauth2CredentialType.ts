/**
 * OAuth2 credential types, made from a provider preset.
 *
 * An integration defines its OAuth2 credential type with {@link makeOAuth2CredentialType}
 * and a preset (`googlePreset`, `microsoftPreset`, `githubPreset`, `slackPreset`, or its
 * own). The type lists its grants, endpoints, default scopes and PKCE in the manifest, so
 * a runtime can draw the "Connect" button, and its `authenticate` gives the kernel an
 * authenticator backed by the credential's token manager: tokens renewed before they
 * expire and once after a refusal, single flight, rotated refresh tokens saved through
 * the run's `CredentialSource` before they are used.
 *
 * @module
 */

import type { Redacted } from "effect"
import { Clock, Effect, Either, Option, Schema } from "effect"
import type { Authenticator } from "../http/authenticator.js"
import type { AuthenticationError } from "../http/errors.js"
import type { Credential, CredentialType } from "../node/credentialType.js"
import { Secret } from "../node/secret.js"
import {
  authorizationServer,
  type OAuth2Client,
  resolveServerConfig
} from "./authorizationServer.js"
import type { CredentialSource } from "./credentialSource.js"
import { clientCredentialsTokens, jwtBearerTokens, refreshTokens } from "./grants.js"
import type { OAuth2Error } from "./oauth2Errors.js"
import { configurationError } from "./oauth2Errors.js"
import {
  defaultRefusal,
  exactScopeCovers,
  isRefusedBy,
  type OAuth2Preset,
  type ScopeCovers
} from "./oauth2Preset.js"
import { parseServiceAccountKey, signAssertion } from "./serviceAccount.js"
import { sharedTokenManager, type TokenSource } from "./tokenManager.js"
import { type TokenSet, tokenSetFromFields } from "./tokenSet.js"

/** A grant a credential gets its tokens with (refresh tokens renew them). */
export type OAuth2Grant = "authorization_code" | "device_code" | "client_credentials" | "jwt_bearer"

/** The decoded fields of an OAuth2 credential; a preset may add its own (`tenant`). */
export interface OAuth2Fields {
  readonly clientId?: string | undefined
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  /** How the credential gets tokens; default: the preset's first grant. */
  readonly grant?: OAuth2Grant | undefined
  /** Scopes to request, separated by spaces or commas; default: the preset's. */
  readonly scopes?: string | undefined
  readonly accessToken?: Redacted.Redacted<string> | undefined
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  /** When the access token expires, ISO 8601. */
  readonly expiresAt?: string | undefined
  readonly grantedScopes?: string | undefined
  /** The JSON key file of a service account (JWT bearer grant). */
  readonly serviceAccountKey?: Redacted.Redacted<string> | undefined
  /** The user a service account acts for (domain-wide delegation). */
  readonly subject?: string | undefined
  readonly [field: string]: unknown
}

/** An OAuth2 credential type, with the preset it was made from (for login and revocation). */
export interface OAuth2CredentialType extends CredentialType<OAuth2Fields, CredentialSource> {
  readonly preset: OAuth2Preset
  /** How the type's scopes cover each other: the preset's rule, else exact match. */
  readonly scopeCovers: ScopeCovers
}

/** A credential type of any fields and requirements, as integrations and the registry list them. */
// biome-ignore lint/suspicious/noExplicitAny: fields and requirements differ between types
export type AnyCredentialType = CredentialType<any, any>

/** Whether a credential type is an OAuth2 type made by {@link makeOAuth2CredentialType}. */
export const isOAuth2CredentialType = (type: AnyCredentialType): type is OAuth2CredentialType =>
  "preset" in type && typeof type.preset === "object"

/**
 * Makes the OAuth2 credential type of a provider preset: its field schema (client id and
 * secret, grant, scopes, the tokens connecting stores, and the preset's own fields), its
 * manifest settings, and its `authenticate`.
 */
export const makeOAuth2CredentialType = (preset: OAuth2Preset): OAuth2CredentialType => ({
  type: preset.type,
  title: preset.title,
  description: preset.description,
  fields: oauth2FieldsSchema(preset),
  oauth2: preset.settings,
  test: preset.test,
  sandbox: preset.sandbox,
  preset,
  scopeCovers: preset.scopeCovers ?? exactScopeCovers,
  authenticate: (credential) => oauth2Authenticator(preset, credential)
})

/** The grant a credential uses: its `grant` field, else the preset's first token grant. */
export const grantOf = (preset: OAuth2Preset, fields: OAuth2Fields): OAuth2Grant =>
  fields.grant ?? tokenGrants(preset)[0] ?? "authorization_code"

/** Whether a grant gets tokens for a user, who connects by signing in. */
export const isUserGrant = (grant: OAuth2Grant): boolean =>
  grant === "authorization_code" || grant === "device_code"

/**
 * The OAuth2 client of a credential: its server, client id and secret, and scopes. Fails
 * with a message naming the field to fix when the credential is incomplete.
 */
export const oauth2ClientOf = (
  preset: OAuth2Preset,
  credential: Credential<OAuth2Fields>
): Either.Either<OAuth2Client, AuthenticationError> => {
  const { id, fields } = credential
  return Either.flatMap(resolveServerConfig(preset, id, fields), (server) => {
    const grant = grantOf(preset, fields)
    const clientId = fields.clientId ?? (grant === "jwt_bearer" ? "service-account" : undefined)
    if (clientId === undefined || clientId.trim() === "") {
      return Either.left(configurationError(id, `Credential '${id}' has no client id.`))
    }
    return Either.right({
      credentialId: id,
      preset,
      server,
      clientId,
      clientSecret: fields.clientSecret,
      scopes: scopesOf(preset, fields),
      clientAuthentication:
        clientAuthenticationOf(fields.clientAuthentication) ??
        preset.clientAuthentication ??
        "client_secret_post"
    })
  })
}

/** The scopes a credential requests: its `scopes` field, else the preset's defaults. */
export const scopesOf = (preset: OAuth2Preset, fields: OAuth2Fields): ReadonlyArray<string> => {
  const own = splitScopes(fields.scopes ?? "")
  return own.length > 0 ? own : preset.settings.defaultScopes
}

/**
 * The scopes a credential was granted, as the provider reported them when it connected
 * or renewed its token (`grantedScopes`). Undefined when unknown: a provider that does not
 * report scopes, or a credential from the environment written without them.
 */
export const grantedScopesOf = (
  fields: Readonly<Record<string, unknown>>
): ReadonlyArray<string> | undefined => {
  const granted = typeof fields.grantedScopes === "string" ? splitScopes(fields.grantedScopes) : []
  return granted.length > 0 ? granted : undefined
}

/**
 * The smallest list of scopes that covers every scope given, by a provider's rule:
 * duplicates and scopes that others in the list cover are left out; the rest keep their
 * order.
 */
export const minimalScopes = (
  covers: ScopeCovers,
  scopes: Iterable<string>
): ReadonlyArray<string> => {
  const kept = [...new Set(scopes)]
  for (const scope of [...kept]) {
    if (
      covers(
        kept.filter((other) => other !== scope),
        scope
      )
    ) {
      kept.splice(kept.indexOf(scope), 1)
    }
  }
  return kept
}

/**
 * The scopes a credential must still be granted to cover `wanted`, as their smallest
 * list: empty when the grant is enough, else what an incremental consent asks for.
 */
export const missingScopes = (
  covers: ScopeCovers,
  granted: ReadonlyArray<string>,
  wanted: Iterable<string>
): ReadonlyArray<string> =>
  minimalScopes(
    covers,
    [...wanted].filter((scope) => !covers(granted, scope))
  )

/** Scopes as providers write them in one string: separated by spaces or commas. */
export const splitScopes = (text: string): ReadonlyArray<string> =>
  text.split(/[\s,]+/).filter((scope) => scope !== "")

// ---------------------------------------------------------------------------------------

const oauth2Authenticator = (
  preset: OAuth2Preset,
  credential: Credential<OAuth2Fields>
): Effect.Effect<Authenticator, AuthenticationError, CredentialSource> =>
  Effect.gen(function* () {
    const client = yield* oauth2ClientOf(preset, credential)
    const grant = grantOf(preset, credential.fields)
    const manager = yield* sharedTokenManager(
      `${preset.type}\u0000${credential.id}\u0000${client.clientId}\u0000${grant}`,
      {
        credentialId: credential.id,
        initial: isUserGrant(grant) ? tokenSetFromFields(credential.fields) : Option.none(),
        source: yield* tokenSourceOf(client, grant, credential),
        refreshSkewMs: preset.refreshSkewMs
      }
    )
    return {
      credentialId: credential.id,
      credentialType: preset.type,
      authorize: manager.authorization,
      refresh: () => manager.refreshAfterRefusal,
      isRefused: isRefusedBy(preset.refusal ?? defaultRefusal),
      secretNames: ["authorization"]
    }
  })

const tokenSourceOf = (
  client: OAuth2Client,
  grant: OAuth2Grant,
  credential: Credential<OAuth2Fields>
): Effect.Effect<TokenSource, AuthenticationError> => {
  switch (grant) {
    case "client_credentials":
      return Effect.succeed({ _tag: "Request", request: clientCredentialsTokens(client) })
    case "jwt_bearer":
      return Effect.map(serviceAccountKeyOf(credential), (key) => ({
        _tag: "Request",
        request: serviceAccountTokens(client, credential, key)
      }))
    default:
      return Effect.succeed({
        _tag: "RefreshToken",
        refresh: (tokens) => refreshTokens(client, tokens)
      })
  }
}

const serviceAccountKeyOf = (credential: Credential<OAuth2Fields>) => {
  const json = credential.fields.serviceAccountKey
  return json === undefined
    ? Effect.fail(
        configurationError(
          credential.id,
          `Credential '${credential.id}' uses a service account but has no service account key.`
        )
      )
    : parseServiceAccountKey(credential.id, json)
}

/** Signs a fresh assertion and trades it for a token at the server's token endpoint. */
const serviceAccountTokens = (
  client: OAuth2Client,
  credential: Credential<OAuth2Fields>,
  key: Effect.Effect.Success<ReturnType<typeof serviceAccountKeyOf>>
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.gen(function* () {
    const as = yield* authorizationServer(client)
    const assertion = yield* signAssertion(credential.id, key, {
      audience: as.token_endpoint ?? key.tokenUri ?? as.issuer,
      scopes: client.scopes,
      subject: credential.fields.subject,
      now: yield* Clock.currentTimeMillis
    })
    return yield* jwtBearerTokens({ ...client, clientId: key.issuer }, assertion)
  })

const tokenGrants = (preset: OAuth2Preset): ReadonlyArray<OAuth2Grant> =>
  preset.settings.grants.filter((grant): grant is OAuth2Grant => grant !== "refresh_token")

const clientAuthenticationOf = (value: unknown) =>
  value === "client_secret_basic" || value === "client_secret_post" || value === "none"
    ? value
    : undefined

/**
 * A field whose JSON Schema is given whole; the title and description go inside it too,
 * since a `jsonSchema` annotation replaces what would be generated from the others.
 */
const withJsonSchema = <S extends Schema.Schema.Any>(
  schema: S,
  title: string,
  description: string,
  jsonSchema: Record<string, unknown>
) => schema.annotations({ title, description, jsonSchema: { ...jsonSchema, title, description } })

/** A secret typed into the settings form: hidden, write-only. */
const secretField = (title: string, description: string) =>
  Schema.optional(
    withJsonSchema(Secret, title, description, {
      type: "string",
      format: "password",
      writeOnly: true
    })
  )

/** Token fields: secrets set by connecting the account, not typed into a form. */
const tokenSecret = (title: string) =>
  Schema.optional(
    withJsonSchema(Secret, title, "Set when the account is connected; renewed automatically.", {
      type: "string",
      format: "password",
      readOnly: true
    })
  )

/** Encoded fields of an OAuth2 credential: secrets as plain strings. */
type EncodedFields = Readonly<Record<string, unknown>>

const oauth2FieldsSchema = (preset: OAuth2Preset): Schema.Schema<OAuth2Fields, EncodedFields> => {
  const grants = tokenGrants(preset)
  const servesServiceAccounts = grants.includes("jwt_bearer")
  const clientId = Schema.NonEmptyTrimmedString.annotations({
    title: "Client ID",
    description: "The client (application) id registered with the provider."
  })
  const fields: Schema.Struct.Fields = {
    clientId: servesServiceAccounts ? Schema.optional(clientId) : clientId,
    clientSecret: secretField(
      "Client secret",
      "The client secret; leave it empty for a public client (PKCE only)."
    ),
    grant: Schema.optional(
      Schema.Literal(
        ...(grants.length > 0 ? grants : (["authorization_code"] as const))
      ).annotations({
        title: "Grant",
        description: "How the credential gets its tokens.",
        default: grants[0] ?? "authorization_code"
      })
    ),
    scopes: Schema.optional(
      Schema.String.annotations({
        title: "Scopes",
        description: `Scopes to request, separated by spaces; default: ${preset.settings.defaultScopes.join(" ") || "none"}.`
      })
    ),
    accessToken: tokenSecret("Access token"),
    refreshToken: tokenSecret("Refresh token"),
    expiresAt: Schema.optional(
      withJsonSchema(
        Schema.String,
        "Expires at",
        "When the access token expires (ISO 8601); set when the account is connected.",
        { type: "string", format: "date-time", readOnly: true }
      )
    ),
    grantedScopes: Schema.optional(
      withJsonSchema(
        Schema.String,
        "Granted scopes",
        "Scopes the provider granted; set when the account is connected.",
        { type: "string", readOnly: true }
      )
    ),
    ...(servesServiceAccounts
      ? {
          serviceAccountKey: secretField(
            "Service account key",
            "The whole JSON key file of the service account."
          ),
          subject: Schema.optional(
            Schema.String.annotations({
              title: "Act as user",
              description:
                "Email of the user the service account acts for (domain-wide delegation)."
            })
          )
        }
      : {}),
    ...preset.fields
  }
  return Schema.Struct(fields).annotations({
    title: preset.title,
    description: preset.description
  }) as unknown as Schema.Schema<OAuth2Fields, EncodedFields>
}
