/**
 * Google: user accounts (authorization code or device flow, with offline access) and
 * service accounts (JWT bearer with a JSON key file, optionally acting for a user).
 *
 * Quirks handled: Google issues a refresh token only with `access_type=offline`, and only
 * on consent (`prompt=consent`), and never rotates it; `include_granted_scopes=true` keeps
 * earlier grants when a login asks for more scopes (incremental authorization); its device
 * endpoint answers `verification_url` where RFC 8628 says `verification_uri`, and grants
 * only a few scopes ({@link googleDeviceScopes}): Sheets, Gmail and the Drive scopes
 * beyond `drive.file` need the browser sign-in.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 * @see https://developers.google.com/identity/protocols/oauth2/limited-input-device
 * @see https://developers.google.com/identity/protocols/oauth2/service-account
 * @module
 */
import { isJson, rebuild } from "../authorizationServer.js"
import { defineOAuth2Preset, type OAuth2Preset } from "../oauth2Preset.js"

/** Options of the Google presets. */
export interface GooglePresetOptions {
  /** Credential type name. Default `google.oauth2` (`google.serviceAccount`). */
  readonly type?: string | undefined
  readonly title?: string | undefined
  readonly description?: string | undefined
  /** Scopes the integration needs, for example `https://www.googleapis.com/auth/spreadsheets`. */
  readonly scopes?: ReadonlyArray<string> | undefined
}

const tokenEndpoint = "https://oauth2.googleapis.com/token"

const auth = "https://www.googleapis.com/auth/"

/**
 * The only scopes Google's device flow grants ("OAuth 2.0 for TV and Limited-Input Device
 * Applications", allowed scopes): sign-in (`openid`, `email`, `profile`, also under their
 * long names), Drive's per-file and app-data scopes, and YouTube's. Asking for any other
 * makes Google answer `invalid_scope`.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/limited-input-device#allowedscopes
 */
export const googleDeviceScopes: ReadonlyArray<string> = [
  "openid",
  "email",
  "profile",
  `${auth}userinfo.email`,
  `${auth}userinfo.profile`,
  `${auth}drive.appdata`,
  `${auth}drive.file`,
  `${auth}youtube`,
  `${auth}youtube.readonly`
]

/**
 * A Google user account, connected once in a browser, or with a device code when it needs
 * only the scopes Google's device flow grants.
 */
export const googlePreset = (options: GooglePresetOptions = {}): OAuth2Preset =>
  defineOAuth2Preset({
    type: options.type ?? "google.oauth2",
    title: options.title ?? "Google account",
    description:
      options.description ??
      "A Google account, connected once in a browser (a device code works only for sign-in and per-file Drive access).",
    settings: {
      grants: ["authorization_code", "device_code", "refresh_token"],
      issuer: "https://accounts.google.com",
      authorizationEndpoint: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenEndpoint,
      deviceAuthorizationEndpoint: "https://oauth2.googleapis.com/device/code",
      revocationEndpoint: "https://oauth2.googleapis.com/revoke",
      defaultScopes: ["openid", "email", ...(options.scopes ?? [])],
      pkce: true
    },
    deviceScopes: googleDeviceScopes,
    userinfoEndpoint: "https://openidconnect.googleapis.com/v1/userinfo",
    authorizationParameters: {
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true"
    },
    clientAuthentication: "client_secret_post",
    adaptResponse: googleResponses
  })

/** A Google service account: a JSON key file, optionally acting for a user of the domain. */
export const googleServiceAccountPreset = (options: GooglePresetOptions = {}): OAuth2Preset =>
  defineOAuth2Preset({
    type: options.type ?? "google.serviceAccount",
    title: options.title ?? "Google service account",
    description:
      options.description ??
      "A Google Cloud service account key; set a user to act for with domain-wide delegation.",
    settings: {
      grants: ["jwt_bearer"],
      issuer: "https://accounts.google.com",
      tokenEndpoint,
      defaultScopes: options.scopes ?? [],
      pkce: false
    },
    clientAuthentication: "none"
  })

/** Renames the device endpoint's `verification_url` to RFC 8628's `verification_uri`. */
const googleResponses = async (response: Response, endpoint: string): Promise<Response> => {
  if (endpoint !== "device_authorization" || response.status !== 200 || !isJson(response)) {
    return response
  }
  const body = (await response.json()) as Record<string, unknown>
  if (body.verification_uri === undefined && typeof body.verification_url === "string") {
    body.verification_uri = body.verification_url
  }
  return rebuild(response, JSON.stringify(body))
}
