/**
 * A careless OAuth 2.0 server on 127.0.0.1 for the secret-marker tests: an authorization
 * endpoint that redirects straight back with a code, a token endpoint (authorization code
 * with PKCE, rotating refresh tokens) and a protected resource. Every code, token and
 * client secret it hands out or receives is a marker, and it echoes them: the resource
 * repeats the access token in its body and its 401s, and a refused refresh quotes the
 * refresh token at the end of an error description longer than an error keeps.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type { Marker } from "../support/secretMarker.js"
import { markerOf } from "../support/secretMarker.js"

/** A running fake OAuth server and the secrets it knows. */
export interface FakeOAuthServer {
  readonly origin: string
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  /** Answers 200 with the access token echoed to a valid one; `?reject=1` always 401. */
  readonly resourceUrl: string
  readonly clientId: string
  readonly clientSecret: string
  /** Issues tokens as if a user had connected. */
  readonly connect: () => { readonly accessToken: string; readonly refreshToken: string }
  /** Every code, token, verifier and secret it issued or received, as markers. */
  readonly secrets: () => ReadonlyArray<Marker>
  /** Code verifiers the token endpoint received. */
  readonly verifiers: ReadonlyArray<string>
  /** Token requests per grant type. */
  readonly tokenRequests: (grant: string) => number
  readonly close: () => Promise<void>
}

/** Starts the fake on a free port. */
export const startFakeOAuthServer = async (): Promise<FakeOAuthServer> => {
  const secrets: Array<Marker> = []
  const verifiers: Array<string> = []
  const counts = new Map<string, number>()
  const codes = new Map<string, { challenge: string; redirectUri: string }>()
  const accessTokens = new Set<string>()
  const refreshTokens = new Set<string>()
  const remember = (label: string, value: string) => {
    secrets.push(markerOf(label, value))
    return value
  }
  const issue = (kind: string) => remember(kind, `rpa-${kind}-${randomBytes(16).toString("hex")}`)
  const clientId = "marker-app"
  const clientSecret = remember(
    "client secret",
    `rpa cs~${randomBytes(16).toString("hex")} &=?#%/+:@!'()*`
  )
  const tokens = () => {
    const accessToken = issue("access-token")
    const refreshToken = issue("refresh-token")
    accessTokens.add(accessToken)
    refreshTokens.add(refreshToken)
    return { accessToken, refreshToken }
  }

  const token = (form: URLSearchParams, req: IncomingMessage, res: ServerResponse) => {
    const grant = form.get("grant_type") ?? "unknown"
    counts.set(grant, (counts.get(grant) ?? 0) + 1)
    if (clientSecretOf(req, form) !== clientSecret) {
      return json(res, 401, { error: "invalid_client" }, { "www-authenticate": 'Basic realm="x"' })
    }
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "")
      const verifier = form.get("code_verifier") ?? ""
      remember("code verifier", verifier)
      verifiers.push(verifier)
      const challenge = createHash("sha256").update(verifier).digest("base64url")
      if (code === undefined || code.challenge !== challenge) {
        return json(res, 400, { error: "invalid_grant", error_description: "Wrong code." })
      }
      return json(res, 200, granted(tokens()))
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? ""
      if (!refreshTokens.delete(presented)) {
        const lead = "The refresh token is revoked, expired or was never issued to this client. "
        const padding = ".".repeat(200 - lead.length - Math.ceil(presented.length * 0.75))
        return json(res, 400, {
          error: "invalid_grant",
          error_description: `${lead}${padding}${presented} (sign in again)`
        })
      }
      return json(res, 200, granted(tokens()))
    }
    return json(res, 400, { error: "unsupported_grant_type" })
  }

  const authorize = (url: URL, res: ServerResponse) => {
    const code = issue("code")
    const redirectUri = url.searchParams.get("redirect_uri") ?? ""
    codes.set(code, { challenge: url.searchParams.get("code_challenge") ?? "", redirectUri })
    const back = new URL(redirectUri)
    back.searchParams.set("code", code)
    back.searchParams.set("state", url.searchParams.get("state") ?? "")
    res.writeHead(302, { location: back.href }).end()
  }

  const resource = (url: URL, req: IncomingMessage, res: ServerResponse) => {
    const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? ""
    if (url.searchParams.get("reject") === "1" || !accessTokens.has(presented)) {
      return json(
        res,
        401,
        { error: "invalid_token", message: `The access token ${presented} is not valid.` },
        { "www-authenticate": 'Bearer error="invalid_token"', "x-echo-token": presented }
      )
    }
    json(res, 200, { token: presented, ok: true }, { "x-echo-token": presented })
  }

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"))
      if (req.method === "POST" && url.pathname === "/token") return token(form, req, res)
      if (url.pathname === "/authorize") return authorize(url, res)
      if (url.pathname === "/resource") return resource(url, req, res)
      json(res, 404, { error: "not_found" })
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    resourceUrl: `${origin}/resource`,
    clientId,
    clientSecret,
    connect: tokens,
    secrets: () => secrets,
    verifiers,
    tokenRequests: (grant) => counts.get(grant) ?? 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

const granted = (tokens: { readonly accessToken: string; readonly refreshToken: string }) => ({
  access_token: tokens.accessToken,
  refresh_token: tokens.refreshToken,
  token_type: "Bearer",
  expires_in: 3600
})

/** The client secret of a token request: HTTP Basic (form-encoded parts) or the body. */
const clientSecretOf = (req: IncomingMessage, form: URLSearchParams): string | undefined => {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1]
  if (basic === undefined) return form.get("client_secret") ?? undefined
  const decoded = Buffer.from(basic, "base64").toString("utf8")
  const secret = decoded.slice(decoded.indexOf(":") + 1)
  return decodeURIComponent(secret.replace(/\+/g, " "))
}

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) => {
  res
    .writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers
    })
    .end(JSON.stringify(body))
}
