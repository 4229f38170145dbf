/**
 * Slack: an app installed in a workspace (bot token), or acting for a user (user token),
 * through OAuth v2.
 *
 * Quirks handled: `oauth.v2.access` answers HTTP 200 with `ok: false` and an `error` on
 * failure (`invalid_code`, `invalid_refresh_token`, `bad_client_secret`, ...); a success
 * nests the user's token under `authed_user` next to the bot token, with `token_type`
 * `bot` or `user`; scopes are joined with commas, and user scopes go in `user_scope`; the
 * Web API reports an expired token with HTTP 200 and `"error": "token_expired"`. With
 * token rotation on, tokens expire after 12 hours and come with a refresh token.
 *
 * @see https://api.slack.com/authentication/oauth-v2
 * @see https://api.slack.com/methods/oauth.v2.access
 * @see https://api.slack.com/authentication/rotation
 * @module
 */
import { isJson, rebuild } from "../authorizationServer.js"
import { defineOAuth2Preset, type OAuth2Preset } from "../oauth2Preset.js"

/** Options of {@link slackPreset}. */
export interface SlackPresetOptions {
  /** Credential type name. Default `slack.oauth2` (`slack.userOAuth2` for user tokens). */
  readonly type?: string | undefined
  readonly title?: string | undefined
  readonly description?: string | undefined
  /** Which token the credential holds: the app's bot token, or the installing user's. */
  readonly token?: "bot" | "user" | undefined
  /** Scopes the integration needs, for example `chat:write` (user scopes for a user token). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Slack's origin. Default `https://slack.com`. */
  readonly origin?: string | undefined
}

/** A Slack app's bot token, or a user token, for one workspace. */
export const slackPreset = (options: SlackPresetOptions = {}): OAuth2Preset => {
  const origin = options.origin ?? "https://slack.com"
  const token = options.token ?? "bot"
  return defineOAuth2Preset({
    type: options.type ?? (token === "bot" ? "slack.oauth2" : "slack.userOAuth2"),
    title: options.title ?? (token === "bot" ? "Slack app (bot token)" : "Slack user"),
    description:
      options.description ??
      (token === "bot"
        ? "A Slack app installed in a workspace; steps act as its bot user."
        : "A Slack user of a workspace; steps act as that user."),
    settings: {
      grants: ["authorization_code", "refresh_token"],
      authorizationEndpoint: `${origin}/oauth/v2/authorize`,
      tokenEndpoint: `${origin}/api/oauth.v2.access`,
      defaultScopes: options.scopes ?? [],
      pkce: true
    },
    scopeSeparator: ",",
    scopeParameter: token === "bot" ? "scope" : "user_scope",
    clientAuthentication: "client_secret_post",
    adaptResponse: slackResponses(token),
    refusal: [
      { status: 401 },
      { status: 200, bodyMatch: /"error"\s*:\s*"(?:token_expired|invalid_auth|not_authed)"/ }
    ],
    test: {
      request: { method: "POST", url: `${origin}/api/auth.test` },
      identify: (body) => {
        const answer = (body ?? {}) as {
          ok?: unknown
          error?: unknown
          user?: unknown
          team?: unknown
        }
        if (answer.ok !== true)
          return { error: typeof answer.error === "string" ? answer.error : "not ok" }
        return { identity: `${String(answer.user)} in ${String(answer.team)}` }
      }
    }
  })
}

/** Slack's `oauth.v2.access` errors, in RFC 6749's words. */
const standardErrors: Readonly<Record<string, string>> = {
  invalid_code: "invalid_grant",
  code_already_used: "invalid_grant",
  invalid_refresh_token: "invalid_grant",
  token_revoked: "invalid_grant",
  token_expired: "invalid_grant",
  bad_redirect_uri: "invalid_grant",
  invalid_client_id: "invalid_client",
  bad_client_secret: "invalid_client",
  invalid_grant_type: "unsupported_grant_type"
}

/**
 * Turns `ok: false` into a 400 with a standard error code, and a success into a standard
 * token response for the bot token, or for the user token nested under `authed_user`.
 */
const slackResponses =
  (token: "bot" | "user") =>
  async (response: Response, endpoint: string): Promise<Response> => {
    if (endpoint !== "token" || !isJson(response)) return response
    const text = await response.text()
    let body: Record<string, unknown>
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      return rebuild(response, text)
    }
    if (body.ok === false) {
      const code = typeof body.error === "string" ? body.error : "unknown_error"
      const status = response.status === 200 ? 400 : response.status
      const error = JSON.stringify({ error: standardErrors[code] ?? code, error_description: code })
      return rebuild(response, error, status)
    }
    const nested = body.authed_user as Record<string, unknown> | undefined
    const source = token === "user" && typeof nested?.access_token === "string" ? nested : body
    if (typeof source.access_token !== "string") {
      const error = JSON.stringify({
        error: "invalid_scope",
        error_description: `Slack issued no ${token} token; ask for ${token} scopes`
      })
      return rebuild(response, error, 400)
    }
    const standard = {
      access_token: source.access_token,
      token_type: "bearer",
      expires_in: source.expires_in,
      refresh_token: source.refresh_token,
      scope: source.scope
    }
    return rebuild(response, JSON.stringify(standard))
  }
