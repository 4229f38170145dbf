/**
 * Token sets: an access token and what came with it, in memory and in a credential's
 * fields.
 *
 * In a credential, the tokens are the fields `accessToken`, `refreshToken` (secrets),
 * `expiresAt` (ISO 8601) and `grantedScopes`. A token response that carries no new
 * refresh token keeps the one the credential had (Google never rotates; Microsoft and
 * oidc-provider do).
 *
 * @module
 */
import { Option, Redacted } from "effect"
import type { TokenEndpointResponse } from "oauth4webapi"

/** The tokens of a credential, as the token manager holds them. */
export interface TokenSet {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  /** When the access token expires (Unix milliseconds); absent when the provider did not say. */
  readonly expiresAt?: number | undefined
  /** Scopes the provider granted, space-separated, when it said. */
  readonly grantedScopes?: string | undefined
  /** When this process obtained the access token (Unix milliseconds); absent when loaded. */
  readonly obtainedAt?: number | undefined
}

/** Names of the credential fields that hold tokens; set by connecting, never typed in. */
export const tokenFieldNames = [
  "accessToken",
  "refreshToken",
  "expiresAt",
  "grantedScopes"
] as const

/** Builds a token set from a token endpoint response received at `now`. */
export const tokenSetFromResponse = (
  response: TokenEndpointResponse,
  now: number,
  previous?: TokenSet
): TokenSet => ({
  accessToken: Redacted.make(response.access_token),
  refreshToken:
    typeof response.refresh_token === "string" && response.refresh_token !== ""
      ? Redacted.make(response.refresh_token)
      : previous?.refreshToken,
  expiresAt:
    typeof response.expires_in === "number" && response.expires_in > 0
      ? now + response.expires_in * 1000
      : undefined,
  grantedScopes: response.scope ?? previous?.grantedScopes,
  obtainedAt: now
})

/** The encoded credential fields of a token set, as the store saves them. */
export const tokenFields = (tokens: TokenSet): Record<string, unknown> => ({
  accessToken: Redacted.value(tokens.accessToken),
  refreshToken: tokens.refreshToken === undefined ? undefined : Redacted.value(tokens.refreshToken),
  expiresAt: tokens.expiresAt === undefined ? undefined : new Date(tokens.expiresAt).toISOString(),
  grantedScopes: tokens.grantedScopes
})

/**
 * Reads a token set from credential fields, decoded (secrets `Redacted`) or encoded
 * (secrets as plain strings). None when it holds neither an access nor a refresh token.
 */
export const tokenSetFromFields = (
  fields: Readonly<Record<string, unknown>>
): Option.Option<TokenSet> => {
  const accessToken = secretOf(fields.accessToken)
  const refreshToken = secretOf(fields.refreshToken)
  if (accessToken === undefined) {
    // A refresh token alone (a headless host's usual secret) is a token set that has
    // expired: the first call renews it before anything is sent with it.
    return refreshToken === undefined
      ? Option.none()
      : Option.some({ accessToken: Redacted.make(""), refreshToken, expiresAt: 0 })
  }
  const expiresAt = instantOf(fields.expiresAt)
  return Option.some({
    accessToken,
    refreshToken,
    expiresAt,
    grantedScopes: typeof fields.grantedScopes === "string" ? fields.grantedScopes : undefined
  })
}

/** Whether two token sets hold the same tokens (compared in memory, never logged). */
export const sameTokens = (a: TokenSet | undefined, b: TokenSet | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    Redacted.value(a.accessToken) === Redacted.value(b.accessToken) &&
    plainOf(a.refreshToken) === plainOf(b.refreshToken) &&
    a.expiresAt === b.expiresAt)

const plainOf = (secret: Redacted.Redacted<string> | undefined): string | undefined =>
  secret === undefined ? undefined : Redacted.value(secret)

const secretOf = (value: unknown): Redacted.Redacted<string> | undefined => {
  if (Redacted.isRedacted(value)) {
    const text = Redacted.value(value)
    return typeof text === "string" && text !== ""
      ? (value as Redacted.Redacted<string>)
      : undefined
  }
  return typeof value === "string" && value !== "" ? Redacted.make(value) : undefined
}

const instantOf = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value)) return value
  if (value instanceof Date) return value.getTime()
  if (typeof value !== "string" || value === "") return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : time
}
