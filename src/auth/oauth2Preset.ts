/**
 * OAuth 2.0 provider presets: what differs between Google, Microsoft, GitHub, Slack and a
 * standards-following authorization server, said once per provider.
 *
 * A preset names the credential type and its endpoints, scopes and grants (listed in the
 * manifest), the extra fields a credential of that provider holds (Microsoft's tenant),
 * the parameters its authorization request needs (Google's offline access), how its API
 * says a token was refused, and how to read its token endpoint when it departs from
 * RFC 6749 (GitHub's errors with status 200, Slack's `ok: false`).
 *
 * @module
 */
import type { Schema } from "effect"
import type { RefusedResponse } from "../http/authenticator.js"
import type { CredentialTest, OAuth2Settings } from "../node/credentialType.js"

/** How the client proves itself at the token endpoint. */
export type ClientAuthentication = "client_secret_basic" | "client_secret_post" | "none"

/** Which endpoint of the authorization server a response came from. */
export type OAuth2Endpoint = "token" | "device_authorization" | "revocation" | "userinfo"

/**
 * Rewrites a provider's response into its RFC 6749 form before it is processed: an error
 * as a 4xx status with `{ "error": ... }`, tokens as `access_token`, `token_type`,
 * `expires_in`, `refresh_token`. Returns the response unchanged when it needs nothing.
 */
export type ResponseAdapter = (response: Response, endpoint: OAuth2Endpoint) => Promise<Response>

/** One way an API says the access token was refused. */
export interface RefusalRule {
  readonly status: number
  /** When set, the response body must also match (for APIs that answer 403 or 200). */
  readonly bodyMatch?: RegExp | undefined
}

/**
 * Whether holding the `granted` scopes gives everything the `wanted` scope gives: true
 * when it is among them, or when a broader one of them covers it (Google's `drive` covers
 * `spreadsheets`).
 */
export type ScopeCovers = (granted: ReadonlyArray<string>, wanted: string) => boolean

/** Scopes cover only themselves: the rule for a provider that documents no hierarchy. */
export const exactScopeCovers: ScopeCovers = (granted, wanted) => granted.includes(wanted)

/** Where the authorization server is: an issuer to discover, or explicit endpoints. */
export interface ServerConfig {
  /** Issuer identifier; checked against the `iss` of authorization responses. */
  readonly issuer?: string | undefined
  /** Read the endpoints from the issuer's metadata (`/.well-known/...`). */
  readonly discovery?: "oidc" | "oauth2" | undefined
  readonly authorizationEndpoint?: string | undefined
  readonly tokenEndpoint?: string | undefined
  readonly deviceAuthorizationEndpoint?: string | undefined
  readonly revocationEndpoint?: string | undefined
  readonly userinfoEndpoint?: string | undefined
  /**
   * Insecure loopback issuer, tests and local development only: allows `http://` for an
   * authorization server on 127.0.0.1, ::1 or localhost. Any other host still needs https.
   */
  readonly insecureLoopbackIssuer?: boolean | undefined
}

/** An OAuth 2.0 provider, as a credential type built on it needs to know it. */
export interface OAuth2Preset {
  /** Credential type name, `<integration>.<kind>`, for example `google.oauth2`. */
  readonly type: string
  readonly title: string
  readonly description: string
  /**
   * Grants, endpoints, default scopes and PKCE, as listed in the manifest. Endpoint URLs
   * may contain `{field}` placeholders filled from the credential (`{tenant}`).
   */
  readonly settings: OAuth2Settings
  /** Fields a credential of this provider holds beyond the common OAuth2 ones. */
  readonly fields?: Schema.Struct.Fields | undefined
  /** Where the authorization server is, from the credential's fields. Default: `settings`. */
  readonly server?: ((fields: Readonly<Record<string, unknown>>) => ServerConfig) | undefined
  /** The OpenID Connect userinfo endpoint, when the provider has one (`credentials test`). */
  readonly userinfoEndpoint?: string | undefined
  /** Parameters added to every authorization request (Google: `access_type=offline`). */
  readonly authorizationParameters?: Readonly<Record<string, string>> | undefined
  /**
   * How the provider's scopes cover each other, so a credential asks only for scopes it
   * was not granted yet, and a run knows a broader grant is enough. Default: exact match.
   */
  readonly scopeCovers?: ScopeCovers | undefined
  /**
   * The server keeps earlier grants when a browser login asks for more scopes (Google's
   * `include_granted_scopes`): such a login of a connected credential then asks only for
   * the scopes it was not granted yet. Default false: every login asks for all of them.
   */
  readonly incrementalAuthorization?: boolean | undefined
  /**
   * The only scopes the provider's device flow grants (Google allows a short list); a
   * device sign-in that asks for any other is refused before it starts. Default: any.
   */
  readonly deviceScopes?: ReadonlyArray<string> | undefined
  /** How scopes are joined in requests: a space (RFC 6749) or a comma (Slack). */
  readonly scopeSeparator?: " " | "," | undefined
  /** Client authentication at the token endpoint. Default `client_secret_post`. */
  readonly clientAuthentication?: ClientAuthentication | undefined
  /** Name of the authorization request parameter that carries the scopes. Default `scope`. */
  readonly scopeParameter?: string | undefined
  /** The scopes a client credentials request asks for, from the credential's (Microsoft: `.default`). */
  readonly clientCredentialsScopes?:
    | ((scopes: ReadonlyArray<string>) => ReadonlyArray<string>)
    | undefined
  /** Rewrites the provider's non-standard responses; see {@link ResponseAdapter}. */
  readonly adaptResponse?: ResponseAdapter | undefined
  /** How the provider's API says a token was refused. Default: status 401. */
  readonly refusal?: ReadonlyArray<RefusalRule> | undefined
  /** The provider's cheapest identity call, for `credentials test`. Default: userinfo. */
  readonly test?: CredentialTest | undefined
  /** Refresh an access token this long before it expires. Default 60 seconds. */
  readonly refreshSkewMs?: number | undefined
  /** Encoded fields of a credential that works against the integration's sandbox fake. */
  readonly sandbox?: Readonly<Record<string, unknown>> | undefined
}

/** Declares a preset; the identity function that gives it its type. */
export const defineOAuth2Preset = (preset: OAuth2Preset): OAuth2Preset => preset

/** The server a preset names in its settings, with `{field}` placeholders still in place. */
export const settingsServer = (preset: OAuth2Preset): ServerConfig => ({
  issuer: preset.settings.issuer,
  authorizationEndpoint: preset.settings.authorizationEndpoint,
  tokenEndpoint: preset.settings.tokenEndpoint,
  deviceAuthorizationEndpoint: preset.settings.deviceAuthorizationEndpoint,
  revocationEndpoint: preset.settings.revocationEndpoint,
  userinfoEndpoint: preset.userinfoEndpoint
})

/** The server of a preset for a credential's fields, placeholders still in place. */
export const presetServer = (
  preset: OAuth2Preset,
  fields: Readonly<Record<string, unknown>>
): ServerConfig => preset.server?.(fields) ?? settingsServer(preset)

/**
 * The same preset with its authorization server somewhere else: a test server, or an
 * integration's sandbox fake. Placeholders in the new URLs are filled as before.
 */
export const withServer = (preset: OAuth2Preset, server: ServerConfig): OAuth2Preset => ({
  ...preset,
  server: () => server
})

/**
 * The same preset, allowing an insecure loopback issuer: plain `http://` to an
 * authorization server on 127.0.0.1, ::1 or localhost. Tests and local development only;
 * any other host is still refused.
 */
export const allowInsecureLoopback = (preset: OAuth2Preset): OAuth2Preset => ({
  ...preset,
  server: (fields) => ({ ...presetServer(preset, fields), insecureLoopbackIssuer: true })
})

/** The default refusal rule: HTTP 401. */
export const defaultRefusal: ReadonlyArray<RefusalRule> = [{ status: 401 }]

/** Whether a response means the access token was refused, by the preset's rules. */
export const isRefusedBy =
  (rules: ReadonlyArray<RefusalRule>) =>
  (response: RefusedResponse): boolean =>
    rules.some(
      (rule) =>
        rule.status === response.status &&
        (rule.bodyMatch === undefined || rule.bodyMatch.test(response.bodyText))
    )

/** Joins scopes the way the provider expects. */
export const joinScopes = (preset: OAuth2Preset, scopes: ReadonlyArray<string>): string =>
  scopes.join(preset.scopeSeparator ?? " ")
