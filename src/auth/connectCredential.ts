/**
 * Connecting and disconnecting an OAuth2 credential: the login a user runs once (in a
 * browser, or with a device code), and the revocation when the credential is removed.
 *
 * @module
 */

import type { Duration } from "effect"
import { Effect, Either } from "effect"
import type { AuthenticationError } from "../http/errors.js"
import type { Credential } from "../node/credentialType.js"
import { browserSignIn } from "./browserSignIn.js"
import { type DeviceCodePrompt, deviceSignIn } from "./deviceSignIn.js"
import { revokeToken } from "./grants.js"
import {
  grantedScopesOf,
  grantOf,
  isUserGrant,
  minimalScopes,
  missingScopes,
  type OAuth2CredentialType,
  type OAuth2Fields,
  oauth2ClientOf
} from "./oauth2CredentialType.js"
import { configurationError, type OAuth2Error } from "./oauth2Errors.js"
import { type TokenSet, tokenFields, tokenSetFromFields } from "./tokenSet.js"

/** How the user signs in, and how they are told what to do. */
export interface ConnectOptions {
  /** `browser`: authorization code with PKCE; `device`: device authorization grant. */
  readonly method: "browser" | "device"
  /** Shows the authorization URL and opens a browser where one exists. */
  readonly openUrl: (url: string) => Effect.Effect<void>
  /** Shows the device flow's user code and verification URL. */
  readonly showCode: (prompt: DeviceCodePrompt) => Effect.Effect<void>
  /**
   * Scopes to ask for on top of the credential's (incremental authorization); those its
   * other scopes cover are left out.
   */
  readonly addScopes?: ReadonlyArray<string> | undefined
  /** How long to wait for the user. Default 5 minutes (browser) or the code's lifetime. */
  readonly timeout?: Duration.DurationInput | undefined
}

/** What a login produced: the tokens, and the encoded fields to save with the credential. */
export interface Connected {
  readonly tokens: TokenSet
  /**
   * `accessToken`, `refreshToken`, `expiresAt`, `grantedScopes`, and `scopes` when the
   * login added some.
   */
  readonly fields: Readonly<Record<string, unknown>>
}

/**
 * Signs the user in for a credential and returns its new tokens. Fails for a credential
 * whose grant needs no user (client credentials, service account): it gets its tokens
 * when a run needs them.
 */
export const connectCredential = (
  type: OAuth2CredentialType,
  credential: Credential<OAuth2Fields>,
  options: ConnectOptions
): Effect.Effect<Connected, OAuth2Error> =>
  Effect.gen(function* () {
    const grant = grantOf(type.preset, credential.fields)
    if (!isUserGrant(grant)) {
      return yield* Effect.fail(
        configurationError(
          credential.id,
          `Credential '${credential.id}' uses the ${grant.replace("_", " ")} grant, which needs ` +
            "no sign-in: runs get its tokens themselves. Check it with `rpa-integrations credentials test`."
        )
      )
    }
    const client = yield* oauth2ClientOf(type.preset, credential)
    const scopes = minimalScopes(type.scopeCovers, [...client.scopes, ...(options.addScopes ?? [])])
    const withScopes = { ...client, scopes: scopesToAsk(type, credential, scopes, options) }
    const tokens =
      options.method === "device"
        ? yield* deviceSignIn(withScopes, { showCode: options.showCode })
        : yield* browserSignIn(withScopes, { openUrl: options.openUrl, timeout: options.timeout })
    const grown = sameScopes(scopes, client.scopes) ? {} : { scopes: scopes.join(" ") }
    return { tokens, fields: { ...tokenFields(tokens), ...grown } }
  })

/** What removing a credential did at the provider. */
export type RevocationOutcome = "Revoked" | "NoRevocationEndpoint" | "NothingToRevoke"

/**
 * Revokes a credential's grant at the provider (RFC 7009): its refresh token when it has
 * one (which ends the grant), else its access token.
 */
export const revokeCredential = (
  type: OAuth2CredentialType,
  credential: Credential<OAuth2Fields>
): Effect.Effect<RevocationOutcome, OAuth2Error | AuthenticationError> =>
  Effect.gen(function* () {
    const tokens = tokenSetFromFields(credential.fields)
    if (tokens._tag === "None") return "NothingToRevoke"
    const client = oauth2ClientOf(type.preset, credential)
    if (Either.isLeft(client)) return yield* Effect.fail(client.left)
    const { refreshToken, accessToken } = tokens.value
    const revoked =
      refreshToken === undefined
        ? yield* revokeToken(client.right, accessToken, "access_token")
        : yield* revokeToken(client.right, refreshToken, "refresh_token")
    return revoked ? "Revoked" : "NoRevocationEndpoint"
  })

/**
 * The scopes a login asks for: all of the credential's, or, when it signs in in a browser
 * at a server that keeps earlier grants and the credential holds some, only those it was
 * not granted yet. A device sign-in asks for all: the device endpoint keeps no grants.
 */
const scopesToAsk = (
  type: OAuth2CredentialType,
  credential: Credential<OAuth2Fields>,
  scopes: ReadonlyArray<string>,
  options: ConnectOptions
): ReadonlyArray<string> => {
  const granted = grantedScopesOf(credential.fields)
  const incremental = type.preset.incrementalAuthorization === true && options.method === "browser"
  if (!incremental || granted === undefined) return scopes
  const missing = missingScopes(type.scopeCovers, granted, scopes)
  return missing.length > 0 ? missing : scopes
}

const sameScopes = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((scope) => b.includes(scope))
