/**
 * The seam between the HTTP kernel and credentials.
 *
 * A credential type turns a stored credential into an {@link Authenticator}; the kernel
 * asks it to sign each request to the credential's origin, and tells it when the
 * provider refused the credential so it can refresh once. The kernel never sees how a
 * token was obtained, and an authenticator never sees the network.
 *
 * @module
 */
import type { Effect, Redacted } from "effect"
import type { AuthenticationError } from "./errors.js"

/** What an authenticator adds to a request: headers and query parameters. */
export interface Authorization {
  /** Headers to set, for example `authorization`. Values stay redacted until sent. */
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>>
  /** Query parameters to set, for example an API key. */
  readonly query?: Readonly<Record<string, Redacted.Redacted<string>>>
  /**
   * Secrets sent only in encoded form (the password inside a Basic header), so the kernel
   * masks them too when a provider quotes them back.
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>>
}

/** A refused response, as an authenticator sees it, to decide whether to refresh. */
export interface RefusedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The start of the body as text (at most 64 KiB), for providers that explain in it. */
  readonly bodyText: string
}

/** Signs requests for one credential, and refreshes it when the provider refuses it. */
export interface Authenticator {
  /** Id of the credential, used in messages ("reconnect the credential 'gh'"). */
  readonly credentialId: string
  /** Credential type, for example `http.bearer` or `google.oauth2`. */
  readonly credentialType: string
  /** Headers and query parameters to add to a request for the credential's origin. */
  readonly authorize: Effect.Effect<Authorization, AuthenticationError>
  /**
   * Called once when a response looks like a refused credential. Returns true when the
   * credential was refreshed and the request should be sent again with a new
   * authorization; false when nothing could change (the kernel then fails with
   * `AuthenticationError`).
   */
  readonly refresh?: (refused: RefusedResponse) => Effect.Effect<boolean, AuthenticationError>
  /**
   * Whether a response means the credential was refused. Defaults to status 401. Some
   * providers answer 403 or 200 with an error body to an expired token.
   */
  readonly isRefused?: (response: RefusedResponse) => boolean
  /** Names of headers and query parameters that carry this credential's secrets. */
  readonly secretNames: ReadonlyArray<string>
}
