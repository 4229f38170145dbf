/**
 * The token endpoint grants: authorization code (with PKCE), refresh token, client
 * credentials and JWT bearer (RFC 7523), plus token revocation (RFC 7009).
 *
 * Each is one oauth4webapi request and its processing, with the credential's client
 * authentication, and a bounded retry only where sending again is safe: a refresh or a
 * code exchange is sent again only when the server cannot have acted on it (connection
 * refused, 429, 5xx), because a refresh token that rotated on the server and got lost on
 * the way back would leave the credential with a revoked token.
 *
 * @module
 */
import { Clock, Duration, Effect, Redacted, Schedule } from "effect"
import * as oauth from "oauth4webapi"
import {
  authorizationServer,
  callServer,
  clientAuth,
  type OAuth2Client,
  oauthClient
} from "./authorizationServer.js"
import type { OAuth2Error } from "./oauth2Errors.js"
import { joinScopes } from "./oauth2Preset.js"
import { type TokenSet, tokenSetFromResponse } from "./tokenSet.js"

/** The grant type of RFC 7523 assertions. */
export const jwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

/**
 * Exchanges the code of a validated authorization response for tokens (with the PKCE code
 * verifier and the exact redirect URI of the authorization request).
 */
export const exchangeAuthorizationCode = (
  client: OAuth2Client,
  callbackParameters: URLSearchParams,
  redirectUri: string,
  codeVerifier: Redacted.Redacted<string>
): Effect.Effect<TokenSet, OAuth2Error> =>
  tokenRequest(client, "exchange the authorization code for tokens", "unsafe", (as, options) =>
    oauth
      .authorizationCodeGrantRequest(
        as,
        oauthClient(client),
        clientAuth(client),
        callbackParameters,
        redirectUri,
        Redacted.value(codeVerifier),
        options
      )
      .then((response) => oauth.processAuthorizationCodeResponse(as, oauthClient(client), response))
  )

/** Uses a refresh token for a new access token (and, when the server rotates, refresh token). */
export const refreshTokens = (
  client: OAuth2Client,
  tokens: TokenSet & { readonly refreshToken: Redacted.Redacted<string> }
): Effect.Effect<TokenSet, OAuth2Error> =>
  tokenRequest(
    client,
    "refresh the access token",
    "unsafe",
    (as, options) =>
      oauth
        .refreshTokenGrantRequest(
          as,
          oauthClient(client),
          clientAuth(client),
          Redacted.value(tokens.refreshToken),
          options
        )
        .then((response) => oauth.processRefreshTokenResponse(as, oauthClient(client), response)),
    tokens
  )

/** Requests a token for the client itself (client credentials grant). */
export const clientCredentialsTokens = (
  client: OAuth2Client
): Effect.Effect<TokenSet, OAuth2Error> => {
  const scopes = client.preset.clientCredentialsScopes?.(client.scopes) ?? client.scopes
  const parameters: Record<string, string> = {}
  if (scopes.length > 0) parameters.scope = joinScopes(client.preset, scopes)
  return tokenRequest(
    client,
    "request a token with the client credentials",
    "safe",
    (as, options) =>
      oauth
        .clientCredentialsGrantRequest(
          as,
          oauthClient(client),
          clientAuth(client),
          parameters,
          options
        )
        .then((response) =>
          oauth.processClientCredentialsResponse(as, oauthClient(client), response)
        )
  )
}

/**
 * Trades a signed JWT assertion for a token (RFC 7523). The assertion is the client's
 * proof, so no other client authentication is sent.
 */
export const jwtBearerTokens = (
  client: OAuth2Client,
  assertion: Redacted.Redacted<string>
): Effect.Effect<TokenSet, OAuth2Error> =>
  tokenRequest(client, "request a token with the service account", "safe", (as, options) =>
    oauth
      .genericTokenEndpointRequest(
        as,
        oauthClient(client),
        noClientAuthentication,
        jwtBearerGrantType,
        { assertion: Redacted.value(assertion) },
        options
      )
      .then((response) =>
        oauth.processGenericTokenEndpointResponse(as, oauthClient(client), response)
      )
  )

/**
 * Revokes a token at the provider (RFC 7009). Succeeds with false when the provider has
 * no revocation endpoint, so there was nothing to do.
 */
export const revokeToken = (
  client: OAuth2Client,
  token: Redacted.Redacted<string>,
  hint: "refresh_token" | "access_token"
): Effect.Effect<boolean, OAuth2Error> =>
  Effect.gen(function* () {
    const as = yield* authorizationServer(client)
    if (as.revocation_endpoint === undefined) return false
    yield* callServer(
      client,
      "revocation",
      "revoke the token",
      (options) =>
        oauth
          .revocationRequest(as, oauthClient(client), clientAuth(client), Redacted.value(token), {
            ...options,
            additionalParameters: { token_type_hint: hint }
          })
          .then(oauth.processRevocationResponse),
      as.revocation_endpoint
    )
    return true
  })

// ---------------------------------------------------------------------------------------

/** A client authentication that sends nothing (the JWT assertion authenticates). */
const noClientAuthentication: oauth.ClientAuth = () => undefined

/**
 * One token endpoint request: server metadata, the request, its processing into a token
 * set stamped with the time it was received, and the bounded retry its safety allows.
 */
const tokenRequest = (
  client: OAuth2Client,
  step: string,
  safety: "safe" | "unsafe",
  run: (
    as: oauth.AuthorizationServer,
    options: oauth.TokenEndpointRequestOptions
  ) => Promise<oauth.TokenEndpointResponse>,
  previous?: TokenSet
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.gen(function* () {
    const as = yield* authorizationServer(client)
    const response = yield* callServer(
      client,
      "token",
      step,
      (options) => run(as, options as oauth.TokenEndpointRequestOptions),
      as.token_endpoint
    ).pipe(Effect.retry(transientRetry(safety)))
    return tokenSetFromResponse(response, yield* Clock.currentTimeMillis, previous)
  })

/** At most two more attempts, 1 then 2 seconds apart, for failures where that is safe. */
const transientRetry = (safety: "safe" | "unsafe") =>
  Schedule.exponential(Duration.seconds(1)).pipe(
    Schedule.intersect(Schedule.recurs(2)),
    Schedule.whileInput((error: OAuth2Error) => isTransient(error, safety))
  )

const isTransient = (error: OAuth2Error, safety: "safe" | "unsafe"): boolean => {
  switch (error._tag) {
    case "RateLimitError":
    case "ServerError":
      return true
    case "TransportError":
      return safety === "safe" || !error.requestSent
    case "TimeoutError":
      return safety === "safe"
    default:
      return false
  }
}
