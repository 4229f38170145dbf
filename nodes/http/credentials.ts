/**
 * Credential types of the `http` integration: a bearer token, a user name and password
 * (HTTP Basic), an API key sent in a header or the query, and an OAuth2 account at any
 * provider (`oauth2.generic`, whose tokens renew themselves).
 *
 * Each builds its `Authorization` once, when the step's credential is decoded; the
 * kernel then adds it to every request to the credential's origin and drops it on a
 * cross-origin redirect.
 *
 * @module
 */
import { Effect, Redacted, Schema } from "effect"
import { oauth2CredentialTypeOf } from "../../src/auth/presets/generic.js"
import type { Authenticator, Authorization } from "../../src/http/authenticator.js"
import { type Credential, defineCredentialType } from "../../src/node/credentialType.js"
import { Secret } from "../../src/node/secret.js"

/** Fields of an `http.bearer` credential. */
export const BearerFields = Schema.Struct({
  token: Secret.annotations({
    title: "Token",
    description: "The access token, sent as `Authorization: Bearer <token>`."
  })
}).annotations({ title: "Bearer token" })

/** Fields of an `http.basic` credential. */
export const BasicFields = Schema.Struct({
  username: Schema.String.annotations({
    title: "User name",
    description: "The user name for HTTP Basic authentication."
  }),
  password: Secret.annotations({
    title: "Password",
    description: "The password for HTTP Basic authentication."
  })
}).annotations({ title: "User name and password" })

/** Fields of an `http.apiKey` credential. */
export const ApiKeyFields = Schema.Struct({
  name: Schema.NonEmptyTrimmedString.annotations({
    title: "Name",
    description: "Name of the header or query parameter that carries the key.",
    examples: ["X-API-Key", "api_key"]
  }),
  value: Secret.annotations({ title: "Key", description: "The API key." }),
  in: Schema.optionalWith(
    Schema.Literal("header", "query").annotations({
      title: "Sent in",
      description: "Whether the key goes in a request header or in the query string.",
      default: "header"
    }),
    { default: () => "header" as const }
  )
}).annotations({ title: "API key" })

/** A bearer token (personal access token, API token) sent in the `Authorization` header. */
export const bearer = defineCredentialType({
  type: "http.bearer",
  title: "Bearer token",
  description: "A token sent as `Authorization: Bearer <token>` with every request.",
  fields: BearerFields,
  authenticate: (credential) =>
    authenticator(credential, ["authorization"], {
      headers: { authorization: Redacted.make(`Bearer ${Redacted.value(credential.fields.token)}`) }
    }),
  sandbox: { token: "sandbox-token" }
})

/** A user name and password sent with HTTP Basic authentication. */
export const basic = defineCredentialType({
  type: "http.basic",
  title: "User name and password",
  description: "A user name and password sent with HTTP Basic authentication.",
  fields: BasicFields,
  authenticate: (credential) => {
    const { username, password } = credential.fields
    const encoded = Buffer.from(`${username}:${Redacted.value(password)}`).toString("base64")
    return authenticator(credential, ["authorization"], {
      headers: { authorization: Redacted.make(`Basic ${encoded}`) },
      secrets: [password]
    })
  },
  sandbox: { username: "robot", password: "sandbox-password" }
})

/** An API key sent in a header or a query parameter of the credential's choosing. */
export const apiKey = defineCredentialType({
  type: "http.apiKey",
  title: "API key",
  description: "An API key sent in a request header or a query parameter.",
  fields: ApiKeyFields,
  authenticate: (credential) => {
    const { name, value, in: placement } = credential.fields
    const authorization: Authorization =
      placement === "header"
        ? { headers: { [name.toLowerCase()]: value } }
        : { query: { [name]: value } }
    return authenticator(credential, [name], authorization)
  },
  sandbox: { name: "X-API-Key", value: "sandbox-key", in: "header" }
})

/**
 * An OAuth2 account at any provider (issuer discovery or explicit endpoints), for APIs
 * without an integration of their own: `credentials login` connects it, and runs renew
 * its token. In a sandbox run it is a fixed token the fake accepts.
 */
export const oauth2 = oauth2CredentialTypeOf({
  clientId: "sandbox-client",
  accessToken: "sandbox-token"
})

/** Every credential type the `http.request` node accepts. */
export const credentialTypes = [bearer, basic, apiKey, oauth2] as const

/** An authenticator that adds the same authorization to every request; nothing to refresh. */
const authenticator = (
  credential: Credential<unknown>,
  secretNames: ReadonlyArray<string>,
  authorization: Authorization
): Effect.Effect<Authenticator> =>
  Effect.succeed({
    credentialId: credential.id,
    credentialType: credential.type,
    authorize: Effect.succeed(authorization),
    secretNames
  })
