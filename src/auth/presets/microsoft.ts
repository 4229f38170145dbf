/**
 * Microsoft Entra ID (Azure AD) on the v2.0 endpoints: work, school and personal
 * accounts (browser or device code), and app-only access with client credentials.
 *
 * Quirks handled: every endpoint sits under the tenant (`common`, `organizations`,
 * `consumers`, a tenant id or domain); the client credentials grant asks for
 * `<resource>/.default` rather than single scopes; refresh tokens rotate on every use; a
 * declined device login answers `authorization_declined` where RFC 8628 says
 * `access_denied`, and a mistyped device code `bad_verification_code`;
 * ID tokens of the multi-tenant endpoints carry the user's own tenant as issuer (they are
 * dropped, as everywhere: nothing here uses them).
 *
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * @module
 */
import { Schema } from "effect"
import { isJson, rebuild } from "../authorizationServer.js"
import { defineOAuth2Preset, type OAuth2Preset } from "../oauth2Preset.js"

/** Options of {@link microsoftPreset}. */
export interface MicrosoftPresetOptions {
  /** Credential type name. Default `microsoft.oauth2`. */
  readonly type?: string | undefined
  readonly title?: string | undefined
  readonly description?: string | undefined
  /** Delegated scopes the integration needs, for example `https://graph.microsoft.com/Mail.Send`. */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Sign-in host; another one for national clouds. Default `https://login.microsoftonline.com`. */
  readonly authority?: string | undefined
}

const graph = "https://graph.microsoft.com"

/** A Microsoft Entra ID account or app registration. */
export const microsoftPreset = (options: MicrosoftPresetOptions = {}): OAuth2Preset => {
  const authority = options.authority ?? "https://login.microsoftonline.com"
  const endpoint = (path: string) => `${authority}/{tenant}/oauth2/v2.0/${path}`
  return defineOAuth2Preset({
    type: options.type ?? "microsoft.oauth2",
    title: options.title ?? "Microsoft account",
    description:
      options.description ??
      "A Microsoft Entra ID (work, school or personal) account, or an app registration for app-only access.",
    settings: {
      grants: ["authorization_code", "device_code", "client_credentials", "refresh_token"],
      issuer: `${authority}/{tenant}/v2.0`,
      authorizationEndpoint: endpoint("authorize"),
      tokenEndpoint: endpoint("token"),
      deviceAuthorizationEndpoint: endpoint("devicecode"),
      defaultScopes: ["offline_access", `${graph}/User.Read`, ...(options.scopes ?? [])],
      pkce: true
    },
    fields: {
      tenant: Schema.optional(
        Schema.String.annotations({
          title: "Tenant",
          description:
            "Directory (tenant) id or domain; `common` for any account, `organizations` for work " +
            "and school accounts. App-only access (client credentials) needs a tenant id.",
          default: "common"
        })
      )
    },
    server: (fields) => {
      const tenant =
        typeof fields.tenant === "string" && fields.tenant.trim() !== "" ? fields.tenant : "common"
      const fill = (url: string) => url.replace("{tenant}", encodeURIComponent(tenant.trim()))
      return {
        issuer: fill(`${authority}/{tenant}/v2.0`),
        authorizationEndpoint: fill(endpoint("authorize")),
        tokenEndpoint: fill(endpoint("token")),
        deviceAuthorizationEndpoint: fill(endpoint("devicecode"))
      }
    },
    clientAuthentication: "client_secret_post",
    clientCredentialsScopes: defaultScopeOf,
    adaptResponse: entraResponses,
    test: {
      request: { method: "GET", url: `${graph}/v1.0/me` },
      identify: (body) => {
        const me = body as { userPrincipalName?: unknown; mail?: unknown } | undefined
        const name = me?.userPrincipalName ?? me?.mail
        return { identity: typeof name === "string" ? name : undefined }
      }
    }
  })
}

/**
 * The `.default` scope of the resource the credential's scopes name (Microsoft Graph
 * unless another resource is named); scopes that already end in `/.default` are kept.
 */
export const defaultScopeOf = (scopes: ReadonlyArray<string>): ReadonlyArray<string> => {
  const explicit = scopes.filter((scope) => scope.endsWith("/.default"))
  if (explicit.length > 0) return explicit
  const resource = scopes
    .filter((scope) => scope.includes("://"))
    .map((scope) => scope.slice(0, scope.lastIndexOf("/")))
    .find((prefix) => !prefix.endsWith(":/"))
  return [`${resource ?? graph}/.default`]
}

/** Entra's device flow error codes, in RFC 8628's words. */
const standardErrors: Readonly<Record<string, string>> = {
  authorization_declined: "access_denied",
  bad_verification_code: "invalid_grant"
}

/** Renames Entra's own device flow error codes to the standard ones. */
const entraResponses = async (response: Response, endpoint: string): Promise<Response> => {
  if (endpoint !== "token" || response.status < 400 || !isJson(response)) return response
  const text = await response.text()
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    const standard = typeof body.error === "string" ? standardErrors[body.error] : undefined
    return standard === undefined
      ? rebuild(response, text)
      : rebuild(response, JSON.stringify({ ...body, error: standard }))
  } catch {
    return rebuild(response, text)
  }
}
