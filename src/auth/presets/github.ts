/**
 * GitHub: OAuth apps and GitHub apps acting for a user, connected in a browser or with
 * the device flow.
 *
 * Quirks handled: the token endpoints answer form-encoded unless asked for JSON (we ask,
 * and read the form anyway if it comes); errors arrive with HTTP 200 and an `error` field
 * (`bad_verification_code`, `bad_refresh_token`, `incorrect_client_credentials`,
 * `authorization_pending`, `slow_down` with the new `interval`); tokens of OAuth apps do
 * not expire, tokens of GitHub apps expire after 8 hours and come with a refresh token.
 *
 * @see https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * @see https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 * @module
 */
import { isJson, rebuild } from "../authorizationServer.js"
import { defineOAuth2Preset, type OAuth2Preset } from "../oauth2Preset.js"

/** Options of {@link githubPreset}. */
export interface GitHubPresetOptions {
  /** Credential type name. Default `github.oauth2`. */
  readonly type?: string | undefined
  readonly title?: string | undefined
  readonly description?: string | undefined
  /** Scopes the integration needs, for example `repo`. */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Web host, for GitHub Enterprise Server. Default `https://github.com`. */
  readonly host?: string | undefined
  /** REST API base URL. Default `https://api.github.com`. */
  readonly apiUrl?: string | undefined
}

/** A GitHub user, through an OAuth app or a GitHub app. */
export const githubPreset = (options: GitHubPresetOptions = {}): OAuth2Preset => {
  const host = options.host ?? "https://github.com"
  const apiUrl = options.apiUrl ?? "https://api.github.com"
  return defineOAuth2Preset({
    type: options.type ?? "github.oauth2",
    title: options.title ?? "GitHub account",
    description:
      options.description ??
      "A GitHub user, through an OAuth app or a GitHub app, connected in a browser or with a device code.",
    settings: {
      grants: ["authorization_code", "device_code", "refresh_token"],
      authorizationEndpoint: `${host}/login/oauth/authorize`,
      tokenEndpoint: `${host}/login/oauth/access_token`,
      deviceAuthorizationEndpoint: `${host}/login/device/code`,
      defaultScopes: options.scopes ?? [],
      pkce: true
    },
    clientAuthentication: "client_secret_post",
    adaptResponse: githubResponses,
    test: {
      request: {
        method: "GET",
        url: `${apiUrl}/user`,
        headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" }
      },
      identify: (body) => {
        const login = (body as { login?: unknown } | undefined)?.login
        return { identity: typeof login === "string" ? login : undefined }
      }
    }
  })
}

/** GitHub's error codes, in RFC 6749's words. */
const standardErrors: Readonly<Record<string, string>> = {
  bad_verification_code: "invalid_grant",
  bad_refresh_token: "invalid_grant",
  incorrect_device_code: "invalid_grant",
  incorrect_client_credentials: "invalid_client",
  redirect_uri_mismatch: "invalid_grant",
  device_flow_disabled: "unauthorized_client"
}

/**
 * Reads a form-encoded answer as JSON, and turns an `error` answered with HTTP 200 into a
 * 400 with the standard error code.
 */
const githubResponses = async (response: Response): Promise<Response> => {
  const type = (response.headers.get("content-type") ?? "").toLowerCase()
  const form = type.includes("application/x-www-form-urlencoded")
  if (!form && !isJson(response)) return response
  const text = await response.text()
  const body = form ? formToJson(text) : parseObject(text)
  if (body === undefined) return rebuild(response, text)
  const headers = new Headers(response.headers)
  headers.set("content-type", "application/json")
  if (response.status === 200 && typeof body.error === "string") {
    const error = standardErrors[body.error] ?? body.error
    const json = JSON.stringify({
      ...body,
      error,
      error_description: body.error_description ?? body.error
    })
    return new Response(json, { status: 400, headers })
  }
  return new Response(JSON.stringify(body), { status: response.status, headers })
}

const numeric = new Set(["expires_in", "refresh_token_expires_in", "interval"])

const formToJson = (text: string): Record<string, unknown> => {
  const body: Record<string, unknown> = {}
  for (const [name, value] of new URLSearchParams(text)) {
    body[name] =
      numeric.has(name) && value !== "" && Number.isFinite(Number(value)) ? Number(value) : value
  }
  return body
}

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
