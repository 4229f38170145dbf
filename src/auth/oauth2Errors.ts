/**
 * What an OAuth 2.0 failure means for the user, as one of the kernel's typed errors.
 *
 * A refused refresh token (`invalid_grant`, or a provider's own words for it) means only a
 * new login can help: it becomes an `AuthenticationError` with `reconnect: true` and a
 * message that says which credential to reconnect. A refused client (`invalid_client`)
 * means the credential's client id or secret is wrong. Throttling, provider outages and
 * network failures keep their own types so they can be retried. Nothing secret is ever
 * copied into an error: oauth4webapi keeps the response body on its errors, and we read
 * only the error code and description from it.
 *
 * @module
 */
import * as oauth from "oauth4webapi"
import type { TransportReason } from "../http/errors.js"
import {
  AuthenticationError,
  DecodeError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TransportError
} from "../http/errors.js"

/** Every way a request to an authorization server can fail. */
export type OAuth2Error =
  | AuthenticationError
  | RateLimitError
  | ServerError
  | TransportError
  | TimeoutError
  | DecodeError

/** Where a failure happened, for its message. */
export interface FailureContext {
  /** Credential id, for "reconnect the credential 'gh'". */
  readonly credentialId: string
  /** What we were doing, as a phrase: "refresh the access token". */
  readonly step: string
  /** The endpoint's URL. */
  readonly url?: string | undefined
}

/** Error codes that mean the user's grant is gone: only a new login helps. */
const reconnectCodes = new Set([
  "invalid_grant",
  "interaction_required",
  "consent_required",
  "login_required"
])

/** The reconnect error for a credential, with a reason in the provider's words. */
export const reconnectError = (
  credentialId: string,
  reason: string,
  extra: { readonly status?: number | undefined; readonly url?: string | undefined } = {}
): AuthenticationError =>
  new AuthenticationError({
    message:
      `${reason} To fix it, reconnect the credential '${credentialId}': run ` +
      `\`rpa-integrations credentials login ${credentialId}\`.`,
    credential: credentialId,
    reconnect: true,
    status: extra.status,
    url: extra.url
  })

/** A credential whose settings are wrong (client id, endpoints): fix them, then retry. */
export const configurationError = (credentialId: string, message: string): AuthenticationError =>
  new AuthenticationError({
    message: `${message} Fix the credential '${credentialId}' with \`rpa-integrations credentials add ${credentialId}\`.`,
    credential: credentialId,
    reconnect: false
  })

/** The OAuth 2.0 error code of a failure, when the server sent one. */
export const oauthErrorCode = (cause: unknown): string | undefined =>
  cause instanceof oauth.ResponseBodyError || cause instanceof oauth.AuthorizationResponseError
    ? cause.error
    : undefined

/** Maps anything oauth4webapi or `fetch` threw to a typed error with a useful message. */
export const fromOAuthFailure = (cause: unknown, context: FailureContext): OAuth2Error => {
  const { credentialId, step, url } = context
  const where = { credential: credentialId, url }

  if (cause instanceof oauth.ResponseBodyError) {
    const described = describeCode(cause.error, cause.error_description)
    if (cause.status === 429) {
      return new RateLimitError({
        message: `The authorization server is throttling requests (${described}); try again later.`,
        status: 429,
        retryAfterMs: retryAfterMs(cause.response),
        url
      })
    }
    if (cause.error === "temporarily_unavailable" || cause.status >= 500) {
      return new ServerError({
        message: `The authorization server could not ${step} (${described}); try again later.`,
        status: cause.status,
        url
      })
    }
    if (reconnectCodes.has(cause.error)) {
      return reconnectError(
        credentialId,
        `The provider refused to ${step} for credential '${credentialId}' (${described}): the ` +
          `grant was revoked or has expired.`,
        { status: cause.status, url }
      )
    }
    if (cause.error === "invalid_client" || cause.error === "unauthorized_client") {
      return configurationError(
        credentialId,
        `The provider refused the client of credential '${credentialId}' (${described}): ` +
          `check its client id and client secret, and that the app may use this grant.`
      )
    }
    return new AuthenticationError({
      message: `The provider refused to ${step} for credential '${credentialId}' (${described}).`,
      status: cause.status,
      reconnect: false,
      ...where
    })
  }

  if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    const error = cause.cause[0]?.parameters.error
    return configurationError(
      credentialId,
      `The authorization server refused the client of credential '${credentialId}' ` +
        `(${error ?? `HTTP ${cause.status}`}): check its client id and client secret.`
    )
  }

  if (cause instanceof oauth.AuthorizationResponseError) {
    const described = describeCode(cause.error, cause.error_description)
    return new AuthenticationError({
      message:
        cause.error === "access_denied"
          ? `The sign-in for credential '${credentialId}' was declined (${described}). Run the ` +
            `login again and approve the access.`
          : `The authorization server refused the sign-in for credential '${credentialId}' ` +
            `(${described}).`,
      reconnect: false,
      ...where
    })
  }

  if (cause instanceof oauth.OperationProcessingError) {
    return fromProcessingError(cause, context)
  }

  if (cause instanceof oauth.UnsupportedOperationError) {
    return new DecodeError({
      message: `The authorization server answered in a way rpa-integrations does not support while trying to ${step} (${cause.message}).`,
      url
    })
  }

  return fromNetworkFailure(cause, context)
}

const fromProcessingError = (
  cause: oauth.OperationProcessingError,
  { credentialId, step, url }: FailureContext
): OAuth2Error => {
  switch (cause.code) {
    case oauth.RESPONSE_IS_NOT_CONFORM: {
      const response = cause.cause instanceof Response ? cause.cause : undefined
      const status = response?.status
      if (status === 429) {
        return new RateLimitError({
          message: "The authorization server is throttling requests; try again later.",
          status,
          retryAfterMs: retryAfterMs(response),
          url
        })
      }
      if (status !== undefined && status >= 500) {
        return new ServerError({
          message: `The authorization server failed (HTTP ${status}) while trying to ${step}; try again later.`,
          status,
          url
        })
      }
      return new AuthenticationError({
        message: `The authorization server answered HTTP ${status ?? "?"} when asked to ${step} for credential '${credentialId}'.`,
        status,
        credential: credentialId,
        url
      })
    }
    case oauth.HTTP_REQUEST_FORBIDDEN:
      return configurationError(
        credentialId,
        `The authorization server of credential '${credentialId}' is not on https://. Only an ` +
          `authorization server on a loopback address may use http://, with the credential's ` +
          `"insecure loopback issuer" option (tests and local development only).`
      )
    case oauth.MISSING_SERVER_METADATA:
    case oauth.INVALID_SERVER_METADATA:
      return configurationError(
        credentialId,
        `The authorization server of credential '${credentialId}' has no usable endpoint to ` +
          `${step} (${cause.message}).`
      )
    default:
      return new DecodeError({
        message: `The authorization server's answer was not valid when trying to ${step}: ${cause.message}.`,
        url
      })
  }
}

const fromNetworkFailure = (cause: unknown, { step, url }: FailureContext): OAuth2Error => {
  const name = cause instanceof Error ? cause.name : undefined
  if (name === "TimeoutError") {
    return new TimeoutError({
      message: `The authorization server did not answer in time while trying to ${step}; try again.`,
      phase: "total",
      timeoutMs: 0,
      requestSent: true,
      url
    })
  }
  const code = networkCode(cause)
  const reason: TransportReason =
    name === "AbortError"
      ? "Aborted"
      : code === "ECONNREFUSED"
        ? "ConnectionRefused"
        : code === "ECONNRESET" || code === "UND_ERR_SOCKET"
          ? "ConnectionReset"
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
            ? "DnsFailure"
            : code?.startsWith("ERR_TLS") || code?.includes("CERT")
              ? "TlsFailure"
              : "SocketError"
  return new TransportError({
    message: `Could not reach the authorization server to ${step} (${code ?? name ?? "network error"}); check the network and try again.`,
    reason,
    requestSent: reason !== "ConnectionRefused" && reason !== "DnsFailure",
    url
  })
}

const describeCode = (code: string, description: string | undefined): string =>
  description === undefined || description === ""
    ? code
    : `${code}: ${description.length > 200 ? `${description.slice(0, 200)}…` : description}`

const networkCode = (cause: unknown): string | undefined => {
  let current: unknown = cause
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

const retryAfterMs = (response: Response | undefined): number | undefined => {
  const value = response?.headers.get("retry-after")
  if (value === null || value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
