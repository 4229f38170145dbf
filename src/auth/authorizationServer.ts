/**
 * The authorization server of a credential, and how every OAuth 2.0 request reaches it.
 *
 * The server is found from the preset and the credential's fields: by discovery from the
 * issuer's metadata (cached for the process), or from explicit endpoints. Every request
 * goes through oauth4webapi with the same options: a deadline, the preset's response
 * adapter, ID tokens dropped (nothing here uses them, so they are neither validated nor
 * stored), and plain http only for a loopback server that the credential explicitly marks
 * as an insecure loopback issuer.
 *
 * @module
 */

import type { Duration } from "effect"
import { Effect, Either, Redacted } from "effect"
import * as oauth from "oauth4webapi"
import { TimeoutError } from "../http/errors.js"
import { configurationError, fromOAuthFailure, type OAuth2Error } from "./oauth2Errors.js"
import type {
  ClientAuthentication,
  OAuth2Endpoint,
  OAuth2Preset,
  ServerConfig
} from "./oauth2Preset.js"
import { presetServer } from "./oauth2Preset.js"

/** One credential's OAuth 2.0 client: its provider, server, client id and secret, scopes. */
export interface OAuth2Client {
  readonly credentialId: string
  readonly preset: OAuth2Preset
  readonly server: ServerConfig
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  /** Scopes to request (the credential's, else the preset's defaults). */
  readonly scopes: ReadonlyArray<string>
  readonly clientAuthentication: ClientAuthentication
}

/** The options every oauth4webapi call of a client gets. */
export type RequestOptions = oauth.HttpRequestOptions<"GET" | "POST", URLSearchParams | undefined>

/** Longest wait for one answer from the authorization server. */
const requestTimeout: Duration.DurationInput = "30 seconds"

/**
 * The server of a preset for a credential's fields: the preset's own function, else its
 * settings with `{field}` placeholders filled. Fails when a placeholder has no value, or
 * when an insecure loopback issuer is not on a loopback address.
 */
export const resolveServerConfig = (
  preset: OAuth2Preset,
  credentialId: string,
  fields: Readonly<Record<string, unknown>>
): Either.Either<ServerConfig, ReturnType<typeof configurationError>> => {
  const base = presetServer(preset, fields)
  const filled: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(base)) {
    if (typeof value !== "string") {
      filled[name] = value
      continue
    }
    const text = fillPlaceholders(value, fields)
    if (Either.isLeft(text)) {
      return Either.left(
        configurationError(
          credentialId,
          `Credential '${credentialId}' needs the field "${text.left}" to know its ${name}.`
        )
      )
    }
    filled[name] = text.right
  }
  const server = filled as ServerConfig
  if (server.tokenEndpoint === undefined && (server.issuer === undefined || !server.discovery)) {
    return Either.left(
      configurationError(
        credentialId,
        `Credential '${credentialId}' names neither an issuer to discover nor a token endpoint.`
      )
    )
  }
  if (server.insecureLoopbackIssuer !== true && !serverUrls(server).every(isHttpsUrl)) {
    return Either.left(
      configurationError(
        credentialId,
        `The authorization server of credential '${credentialId}' is not on https://. Only an ` +
          `authorization server on a loopback address may use http://, with the credential's ` +
          `"insecure loopback issuer" option (tests and local development only).`
      )
    )
  }
  if (server.insecureLoopbackIssuer === true && !serverUrls(server).every(isLoopbackUrl)) {
    return Either.left(
      configurationError(
        credentialId,
        `Credential '${credentialId}' allows an insecure loopback issuer, but its authorization ` +
          `server is not on 127.0.0.1, ::1 or localhost.`
      )
    )
  }
  return Either.right(server)
}

/**
 * The server's metadata as oauth4webapi needs it: discovered (once per process and issuer)
 * and overlaid with explicit endpoints, or built from the explicit endpoints alone.
 */
export const authorizationServer = (
  client: OAuth2Client
): Effect.Effect<oauth.AuthorizationServer, OAuth2Error> => {
  const { server } = client
  const explicit = explicitMetadata(server)
  if (server.discovery === undefined || server.issuer === undefined) {
    return Effect.succeed({ ...explicit, issuer: server.issuer ?? originOf(server.tokenEndpoint) })
  }
  const issuer = server.issuer
  const key = `${server.discovery} ${issuer}`
  const cached = discovered.get(key)
  if (cached !== undefined) return Effect.succeed({ ...cached, ...explicit })
  const algorithm = server.discovery
  return callServer(client, "discovery", "read the authorization server's metadata", (options) =>
    oauth
      .discoveryRequest(new URL(issuer), { ...options, algorithm })
      .then((response) => oauth.processDiscoveryResponse(new URL(issuer), response))
  ).pipe(
    Effect.tap((metadata) => Effect.sync(() => discovered.set(key, metadata))),
    Effect.map((metadata) => ({ ...metadata, ...explicit }))
  )
}

/** The oauth4webapi client of a credential. */
export const oauthClient = (client: OAuth2Client): oauth.Client => ({ client_id: client.clientId })

/** How the client authenticates at the token endpoint. */
export const clientAuth = (client: OAuth2Client): oauth.ClientAuth => {
  if (client.clientSecret === undefined || client.clientAuthentication === "none")
    return oauth.None()
  const secret = Redacted.value(client.clientSecret)
  return client.clientAuthentication === "client_secret_basic"
    ? oauth.ClientSecretBasic(secret)
    : oauth.ClientSecretPost(secret)
}

/**
 * Sends one request to the authorization server through oauth4webapi, with a deadline,
 * the preset's response adapter and the insecure-loopback option when the credential
 * allows it; maps every failure to a typed error (see `oauth2Errors.ts`).
 */
export const callServer = <A>(
  client: OAuth2Client,
  endpoint: OAuth2Endpoint | "discovery",
  step: string,
  run: (options: RequestOptions) => Promise<A>,
  url?: string
): Effect.Effect<A, OAuth2Error> =>
  Effect.tryPromise({
    try: (signal) => run(requestOptions(client, endpoint, signal)),
    catch: (cause) => fromOAuthFailure(cause, { credentialId: client.credentialId, step, url })
  }).pipe(
    Effect.timeoutFail({
      duration: requestTimeout,
      onTimeout: () =>
        new TimeoutError({
          message: `The authorization server did not answer within 30 seconds while trying to ${step}; try again.`,
          phase: "total",
          timeoutMs: 30_000,
          requestSent: true,
          url
        })
    })
  )

// ---------------------------------------------------------------------------------------

const discovered = new Map<string, oauth.AuthorizationServer>()

const requestOptions = (
  client: OAuth2Client,
  endpoint: OAuth2Endpoint | "discovery",
  signal: AbortSignal
): RequestOptions => {
  const adapt = client.preset.adaptResponse
  return {
    signal,
    headers: { "user-agent": "rpa-integrations" },
    [oauth.allowInsecureRequests]: client.server.insecureLoopbackIssuer === true,
    [oauth.customFetch]: async (url, init) => {
      const response = await fetch(url, init as RequestInit)
      if (endpoint === "discovery") return response
      const adapted = adapt === undefined ? response : await adapt(response, endpoint)
      return endpoint === "token" ? withoutIdToken(adapted) : adapted
    }
  }
}

/** Drops `id_token` from a successful token response: it is never used or stored here. */
const withoutIdToken = async (response: Response): Promise<Response> => {
  if (response.status !== 200 || !isJson(response)) return response
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return rebuild(response, text)
  }
  if (typeof body !== "object" || body === null || !("id_token" in body))
    return rebuild(response, text)
  const { id_token: _dropped, ...rest } = body as Record<string, unknown>
  return rebuild(response, JSON.stringify(rest))
}

/** A response with the same status and headers and a new body. */
export const rebuild = (response: Response, body: string, status = response.status): Response =>
  new Response(body, { status, headers: response.headers })

/** Whether a response says its body is JSON. */
export const isJson = (response: Response): boolean =>
  (response.headers.get("content-type") ?? "").toLowerCase().includes("json")

const explicitMetadata = (server: ServerConfig): Partial<oauth.AuthorizationServer> => {
  const metadata: Record<string, string> = {}
  if (server.authorizationEndpoint) metadata.authorization_endpoint = server.authorizationEndpoint
  if (server.tokenEndpoint) metadata.token_endpoint = server.tokenEndpoint
  if (server.deviceAuthorizationEndpoint) {
    metadata.device_authorization_endpoint = server.deviceAuthorizationEndpoint
  }
  if (server.revocationEndpoint) metadata.revocation_endpoint = server.revocationEndpoint
  if (server.userinfoEndpoint) metadata.userinfo_endpoint = server.userinfoEndpoint
  return metadata
}

const fillPlaceholders = (
  template: string,
  fields: Readonly<Record<string, unknown>>
): Either.Either<string, string> => {
  let missing: string | undefined
  const text = template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_match, name: string) => {
    const value = fields[name]
    if (typeof value === "string" && value.trim() !== "") return encodeURIComponent(value.trim())
    missing ??= name
    return ""
  })
  return missing === undefined ? Either.right(text) : Either.left(missing)
}

/** Every address a server configuration names (issuer and endpoints), the empty ones left out. */
export const serverUrls = (server: ServerConfig): ReadonlyArray<string> =>
  [
    server.issuer,
    server.authorizationEndpoint,
    server.tokenEndpoint,
    server.deviceAuthorizationEndpoint,
    server.revocationEndpoint,
    server.userinfoEndpoint
  ].filter((url): url is string => url !== undefined && url !== "")

/** Whether an address is https://. */
export const isHttpsUrl = (url: string): boolean => URL.parse(url)?.protocol === "https:"

/** Whether an address is on 127.0.0.1, ::1 or localhost. */
export const isLoopbackUrl = (url: string): boolean => {
  const host = URL.parse(url)?.hostname
  return host === "127.0.0.1" || host === "[::1]" || host === "localhost"
}

const originOf = (url: string | undefined): string =>
  (url === undefined ? undefined : URL.parse(url)?.origin) ?? "unknown-issuer"
