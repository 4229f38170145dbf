/**
 * Service accounts: a JSON key file, and the signed JWT assertion (RFC 7523) that trades
 * it for an access token, optionally on behalf of a user (domain-wide delegation).
 *
 * The key file is the one Google Cloud hands out (`client_email`, `private_key`,
 * `private_key_id`, `token_uri`); other providers' files with `client_id` instead of
 * `client_email` work too. The assertion is signed with `jose` (RS256) and lives for one
 * hour; the private key never leaves this process.
 *
 * @module
 */
import { Effect, Either, Redacted, Schema } from "effect"
import { importPKCS8, SignJWT } from "jose"
import type { AuthenticationError } from "../http/errors.js"
import { configurationError } from "./oauth2Errors.js"

/** A service account key, read from its JSON key file. */
export interface ServiceAccountKey {
  /** Who the assertion is issued by: `client_email`, else `client_id`. */
  readonly issuer: string
  readonly privateKey: Redacted.Redacted<string>
  /** Key id, sent as the assertion's `kid` header when the file names one. */
  readonly keyId?: string | undefined
  /** Token endpoint named in the file, used as the assertion's audience. */
  readonly tokenUri?: string | undefined
}

/** Reads a service account key from the content of its JSON key file. */
export const parseServiceAccountKey = (
  credentialId: string,
  json: Redacted.Redacted<string>
): Either.Either<ServiceAccountKey, AuthenticationError> => {
  const decoded = decodeKeyFile(Redacted.value(json))
  const issuer = Either.isRight(decoded)
    ? (decoded.right.client_email ?? decoded.right.client_id)
    : undefined
  if (Either.isLeft(decoded) || issuer === undefined) {
    return Either.left(
      configurationError(
        credentialId,
        `The service account key of credential '${credentialId}' is not a JSON key file with ` +
          `"private_key" and "client_email" (paste the whole file downloaded from the provider).`
      )
    )
  }
  const file = decoded.right
  return Either.right({
    issuer,
    privateKey: Redacted.make(file.private_key),
    keyId: file.private_key_id,
    tokenUri: file.token_uri
  })
}

/** What an assertion asks for. */
export interface AssertionClaims {
  /** The token endpoint the assertion is for (its audience). */
  readonly audience: string
  readonly scopes: ReadonlyArray<string>
  /** User to act for (domain-wide delegation); absent to act as the service account. */
  readonly subject?: string | undefined
  /** Issue time, Unix milliseconds. */
  readonly now: number
}

/** Signs a JWT bearer assertion with the service account's private key (RS256, one hour). */
export const signAssertion = (
  credentialId: string,
  key: ServiceAccountKey,
  claims: AssertionClaims
): Effect.Effect<Redacted.Redacted<string>, AuthenticationError> =>
  Effect.tryPromise({
    try: async () => {
      const privateKey = await importPKCS8(Redacted.value(key.privateKey), "RS256")
      const issuedAt = Math.floor(claims.now / 1000)
      const payload = claims.scopes.length > 0 ? { scope: claims.scopes.join(" ") } : {}
      let jwt = new SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(key.keyId ? { kid: key.keyId } : {}) })
        .setIssuer(key.issuer)
        .setAudience(claims.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + 3600)
      if (claims.subject !== undefined && claims.subject !== "")
        jwt = jwt.setSubject(claims.subject)
      return Redacted.make(await jwt.sign(privateKey))
    },
    catch: () =>
      configurationError(
        credentialId,
        `The private key of credential '${credentialId}' could not sign an assertion: it must ` +
          `be an RSA key in PKCS #8 PEM form, as in the provider's JSON key file.`
      )
  })

const KeyFile = Schema.parseJson(
  Schema.Struct({
    client_email: Schema.optional(Schema.String),
    client_id: Schema.optional(Schema.String),
    private_key: Schema.String,
    private_key_id: Schema.optional(Schema.String),
    token_uri: Schema.optional(Schema.String)
  })
)

const decodeKeyFile = Schema.decodeUnknownEither(KeyFile)
