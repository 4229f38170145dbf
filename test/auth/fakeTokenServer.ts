/**
 * A small standards-following authorization server for the token lifecycle tests: a token
 * endpoint that rotates refresh tokens and revokes each old one on use, client
 * credentials, revocation, userinfo, and a protected resource that refuses expired or
 * unknown access tokens with 401.
 *
 * It counts token requests per grant type and can delay its answers, so a test can tell
 * how many requests concurrent callers caused.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** The client the server knows. */
export const fakeClient = { id: "robot-app", secret: "fake-client-secret-91c2" }

/** Options of {@link startFakeTokenServer}. */
export interface FakeTokenServerOptions {
  /** Lifetime of access tokens, in seconds. Default 3600. */
  readonly accessTokenTtl?: number
  /** Rotate refresh tokens on use (revoking the old one). Default true. */
  readonly rotate?: boolean
  /** Delay before answering a token request, in milliseconds. Default 0. */
  readonly delayMs?: number
}

/** A running fake authorization server. */
export interface FakeTokenServer {
  readonly origin: string
  readonly tokenEndpoint: string
  readonly revocationEndpoint: string
  readonly userinfoEndpoint: string
  /** A resource that answers 200 to a valid access token and 401 otherwise. */
  readonly resourceUrl: string
  /** Token requests received, per grant type (or all). */
  readonly tokenRequests: (grantType?: string) => number
  /** Issues tokens as if a user had connected; returns them. */
  readonly connect: () => { readonly accessToken: string; readonly refreshToken: string }
  readonly isRefreshTokenActive: (token: string) => boolean
  /** Every token and secret the server handed out or knows, for leak checks. */
  readonly secrets: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

/** Starts the fake on 127.0.0.1 on a free port. */
export const startFakeTokenServer = async (
  options: FakeTokenServerOptions = {}
): Promise<FakeTokenServer> => {
  const ttl = options.accessTokenTtl ?? 3600
  const rotate = options.rotate ?? true
  const accessTokens = new Map<string, number>()
  const refreshTokens = new Map<string, boolean>()
  const counts = new Map<string, number>()
  const secrets: Array<string> = [fakeClient.secret]

  const newToken = (prefix: string) => {
    const token = `${prefix}-${randomBytes(12).toString("hex")}`
    secrets.push(token)
    return token
  }
  const issueAccess = () => {
    const token = newToken("at")
    accessTokens.set(token, Date.now() + ttl * 1000)
    return token
  }
  const issueRefresh = () => {
    const token = newToken("rt")
    refreshTokens.set(token, true)
    return token
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const form = new URLSearchParams(await readBody(request))
    if (request.method === "POST" && url.pathname === "/token") {
      const grantType = form.get("grant_type") ?? "unknown"
      counts.set(grantType, (counts.get(grantType) ?? 0) + 1)
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
      if (!clientAuthenticated(request, form)) {
        return json(
          response,
          401,
          { error: "invalid_client" },
          { "www-authenticate": 'Basic realm="token"' }
        )
      }
      if (grantType === "client_credentials") {
        return json(response, 200, {
          access_token: issueAccess(),
          token_type: "Bearer",
          expires_in: ttl,
          scope: form.get("scope") ?? undefined
        })
      }
      if (grantType === "refresh_token") {
        const presented = form.get("refresh_token") ?? ""
        if (refreshTokens.get(presented) !== true) {
          return json(response, 400, {
            error: "invalid_grant",
            error_description: "The refresh token is invalid, expired or revoked."
          })
        }
        const body: Record<string, unknown> = {
          access_token: issueAccess(),
          token_type: "Bearer",
          expires_in: ttl
        }
        if (rotate) {
          refreshTokens.set(presented, false)
          body.refresh_token = issueRefresh()
        }
        return json(response, 200, body)
      }
      return json(response, 400, { error: "unsupported_grant_type" })
    }
    if (request.method === "POST" && url.pathname === "/revoke") {
      const token = form.get("token") ?? ""
      if (refreshTokens.has(token)) refreshTokens.set(token, false)
      accessTokens.delete(token)
      return json(response, 200, {})
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1]
    const valid = bearer !== undefined && (accessTokens.get(bearer) ?? 0) > Date.now()
    if (url.pathname === "/userinfo" || url.pathname === "/resource") {
      if (!valid) return json(response, 401, { error: "invalid_token" })
      return json(response, 200, { sub: "user-1", email: "ada@example.test" })
    }
    return json(response, 404, { error: "not_found" })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    tokenEndpoint: `${origin}/token`,
    revocationEndpoint: `${origin}/revoke`,
    userinfoEndpoint: `${origin}/userinfo`,
    resourceUrl: `${origin}/resource`,
    tokenRequests: (grantType) =>
      grantType === undefined
        ? [...counts.values()].reduce((a, b) => a + b, 0)
        : (counts.get(grantType) ?? 0),
    connect: () => ({ accessToken: issueAccess(), refreshToken: issueRefresh() }),
    isRefreshTokenActive: (token) => refreshTokens.get(token) === true,
    secrets: () => secrets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const clientAuthenticated = (request: IncomingMessage, form: URLSearchParams): boolean => {
  const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1]
  if (basic !== undefined) {
    const [id, secret] = Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
    return id === fakeClient.id && secret === fakeClient.secret
  }
  return form.get("client_id") === fakeClient.id && form.get("client_secret") === fakeClient.secret
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void => {
  response
    .writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers
    })
    .end(JSON.stringify(body))
}
