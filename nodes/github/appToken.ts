/**
 * GitHub App installation tokens: a JWT signed with the app's private key (RS256, with
 * `jose`), traded at `POST /app/installations/{id}/access_tokens` for a token that lasts
 * an hour.
 *
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation
 * @module
 */

import type { KeyObject } from "node:crypto"
import { createPrivateKey } from "node:crypto"
import { Clock, Effect, Redacted, Schema } from "effect"
import { SignJWT } from "jose"
import type { OAuth2Error } from "../../src/auth/oauth2Errors.js"
import type { TokenSet } from "../../src/auth/tokenSet.js"
import { AuthenticationError } from "../../src/http/errors.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { githubApiUrl, githubApiVersion } from "./service.js"

/** What an app credential names: the app, its installation, and its private key. */
export interface AppIdentity {
  readonly credentialId: string
  /** The app's id (digits) or client id (`Iv1.` or `Iv23`), used as the JWT issuer. */
  readonly appId: string
  readonly installationId: string
  readonly privateKey: KeyObject
}

/** GitHub accepts app JWTs that live at most ten minutes; nine leaves room for clock drift. */
export const jwtLifetimeSeconds = 9 * 60

/** The JWT is dated a minute back, as GitHub advises, for clocks that run ahead of its own. */
export const jwtBackdateSeconds = 60

/**
 * Reads a PEM private key as GitHub hands it out (PKCS#1 `RSA PRIVATE KEY`) or as PKCS#8.
 * Fails with an `AuthenticationError` that says to paste the whole `.pem` file.
 */
export const readPrivateKey = (
  credentialId: string,
  pem: Redacted.Redacted<string>
): Effect.Effect<KeyObject, AuthenticationError> =>
  Effect.try({
    try: () => createPrivateKey({ key: Redacted.value(pem).replace(/\\n/g, "\n"), format: "pem" }),
    catch: () =>
      new AuthenticationError({
        integration: "github",
        credential: credentialId,
        reconnect: true,
        message: `The private key of credential '${credentialId}' is not a PEM key; paste the whole .pem file the app's settings page downloaded, from -----BEGIN to -----END.`
      })
  })

/** Signs the app's JWT, dated by Effect's clock. */
export const signAppJwt = (app: AppIdentity): Effect.Effect<string, AuthenticationError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const issuedAt = Math.floor(now / 1000) - jwtBackdateSeconds
    return Effect.tryPromise({
      try: () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "RS256", typ: "JWT" })
          .setIssuer(app.appId)
          .setIssuedAt(issuedAt)
          .setExpirationTime(issuedAt + jwtBackdateSeconds + jwtLifetimeSeconds)
          .sign(app.privateKey),
      catch: () =>
        new AuthenticationError({
          integration: "github",
          credential: app.credentialId,
          reconnect: true,
          message: `The private key of credential '${app.credentialId}' cannot sign a JWT; it must be the app's RSA key.`
        })
    })
  })

const InstallationToken = Schema.Struct({ token: Schema.String, expires_at: Schema.String })

/**
 * Requests an installation token with a fresh JWT. A refused JWT or an unknown
 * installation becomes an `AuthenticationError` that says which setting to check;
 * throttling and network failures stay what they are, so the token manager can report
 * them as passing.
 */
export const requestInstallationToken = (
  client: HttpClient,
  app: AppIdentity
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.gen(function* () {
    const jwt = yield* signAppJwt(app)
    const answer = yield* client
      .json(
        {
          method: "POST",
          url: `${githubApiUrl}/app/installations/${encodeURIComponent(app.installationId)}/access_tokens`,
          headers: {
            accept: "application/vnd.github+json",
            "x-github-api-version": githubApiVersion,
            authorization: Redacted.make(`Bearer ${jwt}`)
          }
        },
        InstallationToken
      )
      .pipe(Effect.catchAll((error) => Effect.fail(exchangeError(app, error))))
    const now = yield* Clock.currentTimeMillis
    const expiresAt = Date.parse(answer.expires_at)
    return {
      accessToken: Redacted.make(answer.token),
      expiresAt: Number.isNaN(expiresAt) ? now + 3_600_000 : expiresAt,
      obtainedAt: now
    }
  })

const exchangeError = (
  app: AppIdentity,
  error: Effect.Effect.Error<ReturnType<HttpClient["json"]>>
): OAuth2Error => {
  switch (error._tag) {
    case "RateLimitError":
    case "ServerError":
    case "TransportError":
    case "TimeoutError":
    case "DecodeError":
      return error
    case "NotFoundError":
      return new AuthenticationError({
        integration: "github",
        credential: app.credentialId,
        reconnect: true,
        status: error.status,
        message: `GitHub has no installation ${app.installationId} of app ${app.appId} (credential '${app.credentialId}'); check the installation id in the app's installation settings.`
      })
    default:
      return new AuthenticationError({
        integration: "github",
        credential: app.credentialId,
        reconnect: true,
        status: "status" in error ? error.status : undefined,
        message: `GitHub refused the app JWT of credential '${app.credentialId}' (${error.message}); check the app id and that the private key is the app's current one.`
      })
  }
}
