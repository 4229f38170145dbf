/**
 * The server under the Google fakes (Sheets, Drive, Gmail): routing by path template,
 * bearer tokens and scopes, Google's error bodies, injected faults, and a record of every
 * exchange for contract checks.
 *
 * Each API's fake gives its routes; this module runs them on 127.0.0.1 with a free port.
 * A request must carry `Authorization: Bearer <token>`; any token is valid unless a test
 * revoked it (401, as Google answers an expired token) or limited its scopes (403
 * `insufficientPermissions` with a `WWW-Authenticate` header naming the scopes needed).
 * Tests queue faults (429 `RESOURCE_EXHAUSTED`, 403 `userRateLimitExceeded`, 5xx, a
 * dropped connection, an answer lost after the request was carried out) for the next
 * matching requests. In a sandbox run the kernel sends
 * requests for the real origin (`https://sheets.googleapis.com`) here with that `Host`,
 * so URLs the fake hands out (a resumable session URI) point back to the real origin.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"

/** What a route sees of a request. */
export interface FakeRequest {
  readonly method: string
  /** The URL with the origin the client addressed (the real Google origin in a sandbox). */
  readonly url: URL
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  /** Request headers, names lower-cased, repeated ones joined. */
  readonly headers: Readonly<Record<string, string>>
  /** The bearer token the request carried. */
  readonly token: string
  /** Reads the whole body (kept in the exchange record when small). */
  readonly body: () => Promise<Buffer>
  /** Reads the body as JSON; a body that is not JSON answers 400 as Google does. */
  readonly json: () => Promise<unknown>
  /** The body as a stream of chunks, for media the fake must not hold whole. */
  readonly stream: () => AsyncIterable<Buffer>
  /** Ends the connection without an answer, as a dropped network would. */
  readonly drop: () => void
}

/** What a route answers. */
export type FakeReply =
  | {
      readonly status: number
      readonly json?: unknown
      readonly headers?: Readonly<Record<string, string>> | undefined
    }
  | {
      readonly status: number
      readonly media: Readable
      readonly headers: Readonly<Record<string, string>>
    }
  /** The route ended the exchange itself (it dropped the connection). */
  | { readonly dropped: true }

/** One route of a fake: a method, a path template with `{name}` segments, and a handler. */
export interface FakeRoute {
  readonly method: string
  /** Path template, for example `/v4/spreadsheets/{spreadsheetId}/values/{range}:append`. */
  readonly path: string
  /** OAuth scopes of which the token needs one (Google's list for the method). */
  readonly scopes: ReadonlyArray<string>
  readonly handle: (request: FakeRequest) => Promise<FakeReply> | FakeReply
}

/** A Google error a handler throws; the server answers it as Google's JSON error body. */
export class GoogleFault {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly message: string,
    readonly extra: {
      readonly domain?: string | undefined
      readonly location?: string | undefined
      readonly locationType?: string | undefined
      readonly headers?: Readonly<Record<string, string>> | undefined
      /** Leave out `errors[]`, as the newer APIs (Sheets) do for some errors. */
      readonly bare?: boolean | undefined
    } = {}
  ) {}
}

/** Google's canonical status name for an HTTP status. */
export const canonicalStatus = (status: number): string =>
  ({
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    416: "OUT_OF_RANGE",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED"
  })[status] ?? "UNKNOWN"

/** The reply for a Google error: the JSON body Google sends, with its headers. */
export const googleErrorReply = (fault: GoogleFault): FakeReply => {
  const { domain = "global", location, locationType, bare, headers } = fault.extra
  const item = {
    message: fault.message,
    domain,
    reason: fault.reason,
    ...(location === undefined ? {} : { location, locationType: locationType ?? "parameter" })
  }
  return {
    status: fault.status,
    headers,
    json: {
      error: {
        code: fault.status,
        message: fault.message,
        ...(bare === true ? {} : { errors: [item] }),
        status: canonicalStatus(fault.status)
      }
    }
  }
}

/** Faults tests queue, named as Google names them. */
export const googleFaults = {
  /** 429 `rateLimitExceeded`: the project's rate is spent (Drive, Gmail). */
  rateLimitExceeded: new GoogleFault(429, "rateLimitExceeded", "Rate Limit Exceeded", {
    domain: "usageLimits"
  }),
  /** 403 `userRateLimitExceeded`: the per-user rate is spent (Drive, Gmail). */
  userRateLimitExceeded: new GoogleFault(403, "userRateLimitExceeded", "User Rate Limit Exceeded", {
    domain: "usageLimits"
  }),
  /** 429 `RESOURCE_EXHAUSTED` without `errors[]`, as Sheets answers a spent per-minute quota. */
  resourceExhausted: new GoogleFault(
    429,
    "RATE_LIMIT_EXCEEDED",
    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user'.",
    { bare: true }
  ),
  /** 403 `dailyLimitExceeded`: the day's quota is spent. */
  dailyLimitExceeded: new GoogleFault(403, "dailyLimitExceeded", "Daily Limit Exceeded", {
    domain: "usageLimits"
  }),
  /** 403 `quotaExceeded`: a quota other than the rate is spent. */
  quotaExceeded: new GoogleFault(403, "quotaExceeded", "Quota exceeded for this request.", {
    domain: "usageLimits"
  }),
  /** 500 `backendError`. */
  backendError: new GoogleFault(500, "backendError", "Backend Error"),
  /** 503 `backendError` with status `UNAVAILABLE`. */
  unavailable: new GoogleFault(503, "backendError", "The service is currently unavailable.")
} as const

/** A fault queued for the next requests that match. */
export interface FakeFault {
  readonly method?: string | undefined
  /** Matched against the request's path (decoded). */
  readonly path?: RegExp | undefined
  /** How many matching requests get it; default 1. */
  readonly times?: number | undefined
  /** Matching requests to let through before it applies; default 0. */
  readonly after?: number | undefined
  /**
   * A Google error to answer; `drop` to end the connection without an answer; or
   * `loseAnswer` to carry the request out and then end the connection before answering,
   * as when the answer is lost on the way back.
   */
  readonly reply: GoogleFault | "drop" | "loseAnswer"
}

/** One request and its answer, as recorded for contract checks. */
export interface FakeExchange {
  readonly method: string
  /** Path and query as sent. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The request body, when it was read and at most 1 MiB. */
  readonly body?: Uint8Array | undefined
  /** True when the request had a body that is not kept. */
  readonly bodyOmitted?: boolean | undefined
  readonly status: number
  readonly responseHeaders: Readonly<Record<string, string>>
  /** The JSON answer; absent for media and empty answers. */
  readonly responseBody?: unknown
}

/** Options every Google fake takes. */
export interface GoogleFakeOptions {
  /** Called with every exchange once it is answered (or dropped, with status 0). */
  readonly observe?: ((exchange: FakeExchange) => void) | undefined
}

/** A running fake. */
export interface GoogleFakeServer {
  /** Base URL, for example `http://127.0.0.1:43567`. */
  readonly url: string
  /** Queues a fault for the next matching requests. */
  readonly inject: (fault: FakeFault) => void
  /** Drops every queued fault not yet used. */
  readonly clearFaults: () => void
  /** Makes the fake refuse a token with 401, as Google refuses an expired one. */
  readonly revokeToken: (token: string) => void
  /** Limits a token to these scopes; other routes answer 403 `insufficientPermissions`. */
  readonly grantScopes: (token: string, scopes: ReadonlyArray<string>) => void
  /** Stops the server and closes every open connection. */
  readonly close: () => Promise<void>
}

/** Starts a fake with these routes on 127.0.0.1 and a free port. */
export const startGoogleFakeServer = async (
  service: string,
  routes: ReadonlyArray<FakeRoute>,
  options: GoogleFakeOptions = {}
): Promise<GoogleFakeServer> => {
  const state: ServerState = {
    service,
    routes: routes.map(compileRoute),
    faults: [],
    revoked: new Set(),
    grants: new Map(),
    observe: options.observe
  }
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      writeReply(res, {
        status: 500,
        json: {
          error: {
            code: 500,
            message: error instanceof Error ? error.message : String(error),
            status: "INTERNAL"
          }
        }
      })
    })
  })
  await listen(server)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (fault) =>
      state.faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 }),
    clearFaults: () => state.faults.splice(0),
    revokeToken: (token) => state.revoked.add(token),
    grantScopes: (token, scopes) => state.grants.set(token, new Set(scopes)),
    close: () => close(server)
  }
}

// ---------------------------------------------------------------------------------------

interface CompiledRoute extends FakeRoute {
  readonly pattern: RegExp
  readonly names: ReadonlyArray<string>
}

interface ServerState {
  readonly service: string
  readonly routes: ReadonlyArray<CompiledRoute>
  readonly faults: Array<FakeFault & { left: number; skip: number }>
  readonly revoked: Set<string>
  readonly grants: Map<string, ReadonlySet<string>>
  readonly observe: ((exchange: FakeExchange) => void) | undefined
}

/** Largest request body kept in the exchange record. */
const keptBodyBytes = 1024 * 1024

const compileRoute = (route: FakeRoute): CompiledRoute => {
  const names: Array<string> = []
  const source = route.path
    .split(/(\{[^}]+\})/)
    .map((piece) => {
      const name = /^\{([^}]+)\}$/.exec(piece)?.[1]
      if (name === undefined) return piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      names.push(name)
      return "([^/]+)"
    })
    .join("")
  return { ...route, pattern: new RegExp(`^${source}$`), names }
}

const handle = async (state: ServerState, raw: IncomingMessage, res: ServerResponse) => {
  const host = raw.headers.host ?? "127.0.0.1"
  const origin = `${/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host) ? "http" : "https"}://${host}`
  const url = new URL(raw.url ?? "/", origin)
  const headers = flatHeaders(raw)
  const record = new BodyRecord()
  let dropped = false
  const drop = () => {
    dropped = true
    raw.socket.destroy()
  }

  const reply = await answer(state, raw, url, headers, record, drop).catch((error: unknown) => {
    if (error instanceof GoogleFault) return googleErrorReply(error)
    throw error
  })
  if (!("dropped" in reply) && !dropped) {
    await record.drain(raw)
    await writeReply(res, reply)
  }
  state.observe?.({
    method: raw.method ?? "GET",
    url: `${url.pathname}${url.search}`,
    headers,
    body: record.kept(),
    bodyOmitted: record.omitted(),
    status: "dropped" in reply || dropped ? 0 : reply.status,
    responseHeaders: "dropped" in reply ? {} : lowerCase(reply.headers ?? {}),
    responseBody: "json" in reply ? reply.json : undefined
  })
}

const answer = async (
  state: ServerState,
  raw: IncomingMessage,
  url: URL,
  headers: Readonly<Record<string, string>>,
  record: BodyRecord,
  drop: () => void
): Promise<FakeReply> => {
  const method = raw.method ?? "GET"
  const pathname = url.pathname

  const fault = state.faults.find(
    (f) =>
      f.left > 0 &&
      (f.method === undefined || f.method === method) &&
      (f.path === undefined || f.path.test(decodeURIComponent(pathname)))
  )
  let loseAnswer = false
  if (fault !== undefined && fault.skip > 0) fault.skip--
  else if (fault !== undefined) {
    fault.left--
    if (fault.reply === "drop") {
      drop()
      return { dropped: true }
    }
    if (fault.reply === "loseAnswer") loseAnswer = true
    else return googleErrorReply(fault.reply)
  }

  const token = bearerToken(headers.authorization)
  if (token === undefined || state.revoked.has(token)) return unauthenticated(token !== undefined)

  const found = findRoute(state.routes, method, pathname)
  if (found === undefined) {
    return googleErrorReply(
      new GoogleFault(
        404,
        "notFound",
        `The requested URL ${pathname} was not found on this server.`
      )
    )
  }
  const granted = state.grants.get(token)
  if (granted !== undefined && !found.route.scopes.some((scope) => granted.has(scope))) {
    return insufficientScopes(state.service, found.route.scopes)
  }

  const request: FakeRequest = {
    method,
    url,
    params: found.params,
    query: url.searchParams,
    headers,
    token,
    body: () => record.readAll(raw),
    json: async () => {
      const body = await record.readAll(raw)
      try {
        return JSON.parse(body.toString("utf8")) as unknown
      } catch {
        throw new GoogleFault(400, "parseError", "Invalid JSON payload received.")
      }
    },
    stream: () => record.stream(raw),
    drop
  }
  const reply = await found.route.handle(request)
  if (!loseAnswer) return reply
  if ("media" in reply) reply.media.destroy()
  await record.drain(raw)
  drop()
  return { dropped: true }
}

const findRoute = (routes: ReadonlyArray<CompiledRoute>, method: string, pathname: string) => {
  for (const route of routes) {
    if (route.method !== method) continue
    const match = route.pattern.exec(pathname)
    if (match === null) continue
    const params: Record<string, string> = {}
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "")
    })
    return { route, params }
  }
  return undefined
}

const bearerToken = (authorization: string | undefined) => {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")
  return match?.[1]
}

const unauthenticated = (hadToken: boolean): FakeReply =>
  googleErrorReply(
    hadToken
      ? new GoogleFault(401, "authError", "Request had invalid authentication credentials.", {
          location: "Authorization",
          locationType: "header",
          headers: {
            "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
          }
        })
      : new GoogleFault(401, "required", "Login Required.", {
          location: "Authorization",
          locationType: "header",
          headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' }
        })
  )

const insufficientScopes = (service: string, scopes: ReadonlyArray<string>): FakeReply => {
  const reply = googleErrorReply(
    new GoogleFault(
      403,
      "insufficientPermissions",
      "Request had insufficient authentication scopes.",
      {
        headers: {
          "www-authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${scopes.join(" ")}"`
        }
      }
    )
  )
  if (!("json" in reply)) return reply
  const body = reply.json as { error: Record<string, unknown> }
  const details = [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
      domain: "googleapis.com",
      metadata: { service }
    }
  ]
  return { ...reply, json: { error: { ...body.error, details } } }
}

/** Reads a request body once, keeping up to 1 MiB of it for the exchange record. */
class BodyRecord {
  private chunks: Array<Buffer> = []
  private size = 0
  private consumed = false
  private tooLarge = false

  async readAll(raw: IncomingMessage): Promise<Buffer> {
    const chunks: Array<Buffer> = []
    for await (const chunk of this.stream(raw)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  async *stream(raw: IncomingMessage): AsyncIterable<Buffer> {
    this.consumed = true
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      this.size += chunk.length
      if (this.size <= keptBodyBytes) this.chunks.push(chunk)
      else {
        this.tooLarge = true
        this.chunks = []
      }
      yield chunk
    }
  }

  /** Reads a body the route left unread, so it is checked too. */
  async drain(raw: IncomingMessage): Promise<void> {
    if (!this.consumed) for await (const _ of this.stream(raw)) void _
  }

  kept(): Uint8Array | undefined {
    return this.tooLarge || this.size === 0 ? undefined : Buffer.concat(this.chunks)
  }

  omitted(): boolean {
    return this.tooLarge
  }
}

const writeReply = async (res: ServerResponse, reply: FakeReply): Promise<void> => {
  if ("dropped" in reply) return
  if ("media" in reply) {
    res.writeHead(reply.status, reply.headers)
    await pipeline(reply.media, res)
    return
  }
  if (reply.json === undefined) {
    res.writeHead(reply.status, { "content-length": "0", ...reply.headers })
    res.end()
    return
  }
  const text = JSON.stringify(reply.json)
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": String(Buffer.byteLength(text)),
    ...reply.headers
  })
  res.end(text)
}

const flatHeaders = (raw: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

const lowerCase = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))

const listen = (server: Server) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
