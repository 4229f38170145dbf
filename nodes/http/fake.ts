/**
 * The sandbox fake of the `http` integration: an httpbin-style server on 127.0.0.1.
 *
 * It echoes what it receives (`/anything`), answers any status (`/status/:code`), waits
 * (`/delay/:ms`), redirects in every way a client must handle, streams deterministic
 * bytes of any size (`/bytes/:n`), throttles (`/retry-after`), fails a set number of times
 * per key (`/flaky`), checks bearer and basic credentials, and serves paginated lists in
 * the four styles the `http.request` node follows. The same fake serves `--sandbox` runs,
 * where the kernel sends it requests for `https://httpbin.sandbox` and
 * `https://other.sandbox` with the logical `Host`.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { Scope } from "effect"
import { Effect } from "effect"

/** The origin the sandbox routes to this fake first. */
export const sandboxOrigin = "https://httpbin.sandbox"

/** A second sandbox origin, for cross-origin redirects. */
export const otherSandboxOrigin = "https://other.sandbox"

/** A running fake: its base URL, and how to stop it. */
export interface HttpbinFake {
  /** Base URL, for example `http://127.0.0.1:43567`. */
  readonly url: string
  /** Stops the server and closes every open connection. */
  readonly close: () => Promise<void>
}

/**
 * Starts the fake on 127.0.0.1 with a free port. Each fake keeps its own `/flaky`
 * counters, so tests do not see each other's attempts.
 */
export const startHttpbin = async (): Promise<HttpbinFake> => {
  const state: FakeState = { attempts: new Map(), timers: new Set() }
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      send(res, 500, { error: error instanceof Error ? error.message : String(error) })
    })
  })
  await listen(server)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => close(server, state)
  }
}

/** Starts the fake for the scope of a sandbox run or a test; stopped when the scope closes. */
export const startHttpbinFake: Effect.Effect<{ readonly url: string }, never, Scope.Scope> =
  Effect.acquireRelease(Effect.promise(startHttpbin), (fake) => Effect.promise(fake.close)).pipe(
    Effect.map((fake) => ({ url: fake.url }))
  )

/** One item of the fake's paginated lists; the same id always has the same fields. */
export const fakeItem = (id: number): { id: number; name: string; amount: number } => ({
  id,
  name: `Item ${id}`,
  amount: ((id * 7919) % 10_000) / 100
})

/** The byte at `offset` of every `/bytes/:n` response. */
export const fakeByteAt = (offset: number): number => offset % 251

/** Longest wait `/delay/:ms` accepts; longer asks are cut to this. */
export const maxDelayMs = 10_000

interface FakeState {
  /** Attempts seen per `/flaky` key. */
  readonly attempts: Map<string, number>
  /** Pending `/delay` timers, cleared when the fake stops. */
  readonly timers: Set<NodeJS.Timeout>
}

type Route = (state: FakeState, req: Request, res: ServerResponse) => Promise<void> | void

/** A request as the routes see it: the raw message plus its parsed URL and origin. */
interface Request {
  readonly raw: IncomingMessage
  readonly url: URL
  /** The origin the client addressed (`https://httpbin.sandbox` or `http://127.0.0.1:p`). */
  readonly origin: string
  readonly segments: ReadonlyArray<string>
}

const handle = async (state: FakeState, raw: IncomingMessage, res: ServerResponse) => {
  const host = raw.headers.host ?? "127.0.0.1"
  const origin = `${isLoopback(host) ? "http" : "https"}://${host}`
  const url = new URL(raw.url ?? "/", origin)
  const segments = url.pathname.split("/").filter((s) => s.length > 0)
  const req: Request = { raw, url, origin, segments }
  const route = routes[segments[0] ?? ""]
  if (route === undefined) {
    raw.resume()
    return send(res, 404, { error: `No route for ${url.pathname}` })
  }
  await route(state, req, res)
}

const routes: Record<string, Route> = {
  anything: (_, req, res) => echo(req, res),
  get: (_, req, res) => echo(req, res),
  post: (_, req, res) => echo(req, res),
  status: (_, req, res) => status(req, res),
  delay: (state, req, res) => delay(state, req, res),
  "redirect-to": (_, req, res) => redirectTo(req, res),
  redirect: (_, req, res) => redirect(req, res, false),
  "relative-redirect": (_, req, res) => redirect(req, res, false),
  "absolute-redirect": (_, req, res) => redirect(req, res, true),
  "cross-origin-redirect": (_, req, res) => crossOriginRedirect(req, res),
  bytes: (_, req, res) => bytes(req, res),
  json: (_, __, res) => send(res, 200, sampleDocument),
  xml: (_, __, res) => sendText(res, 200, "application/xml", sampleXml),
  text: (_, __, res) => sendText(res, 200, "text/plain; charset=utf-8", sampleText),
  "retry-after": (_, req, res) => retryAfter(req, res),
  flaky: (state, req, res) => flaky(state, req, res),
  bearer: (_, req, res) => bearer(req, res),
  "basic-auth": (_, req, res) => basicAuth(req, res),
  pages: (_, req, res) => pages(req, res)
}

// ---------------------------------------------------------------------------------------
// Echo

/** What `/anything` answers: the request as the fake received it. */
interface Echo {
  method: string
  path: string
  url: string
  host: string | undefined
  query: Record<string, string | Array<string>>
  headers: Record<string, string>
  /** Size and SHA-256 of the raw request body. */
  body: { size: number; sha256: string }
  json?: unknown
  form?: Record<string, string | Array<string>>
  text?: string
  parts?: Array<EchoPart>
}

/** One multipart part: a text field, or a file with its size and digest. */
type EchoPart =
  | { name: string; value: string }
  | { name: string; filename: string; contentType: string; size: number; sha256: string }

/**
 * Bodies at most this large are kept in memory to be parsed (JSON, form, multipart parts);
 * larger ones are only hashed.
 */
const maxParsedBody = 16 * 1024 * 1024

const echo = async (req: Request, res: ServerResponse) => {
  const { raw, url } = req
  const contentType = (raw.headers["content-type"] ?? "").toLowerCase()
  const out: Echo = {
    method: raw.method ?? "GET",
    path: url.pathname,
    url: url.href,
    host: raw.headers.host,
    query: multiMap(url.searchParams),
    headers: flatHeaders(raw),
    body: { size: 0, sha256: "" }
  }

  const { size, sha256, kept } = await hashBody(raw)
  out.body = { size, sha256 }
  if (contentType.startsWith("multipart/form-data")) {
    // A larger multipart body is only hashed, so an upload of any size keeps memory flat.
    if (kept !== undefined) {
      out.parts = await multipartParts(kept, contentType)
      out.form = Object.fromEntries(
        out.parts.flatMap((p) => ("value" in p ? [[p.name, p.value]] : []))
      )
    }
    return send(res, 200, out)
  }
  if (kept !== undefined && size > 0) {
    const text = kept.toString("utf8")
    if (contentType.includes("json")) out.json = parseJson(text)
    else if (contentType.startsWith("application/x-www-form-urlencoded")) {
      out.form = multiMap(new URLSearchParams(text))
    } else if (isTextual(contentType)) out.text = text
  }
  send(res, 200, out)
}

const multipartParts = async (body: Buffer, contentType: string): Promise<Array<EchoPart>> => {
  const form = await new globalThis.Request("http://fake.invalid/", {
    method: "POST",
    headers: { "content-type": contentType },
    body
  }).formData()
  const parts: Array<EchoPart> = []
  for (const [name, value] of form) {
    if (typeof value === "string") {
      parts.push({ name, value })
      continue
    }
    const bytes = Buffer.from(await value.arrayBuffer())
    parts.push({
      name,
      filename: value.name,
      contentType: value.type,
      size: bytes.length,
      sha256: digest(bytes).sha256
    })
  }
  return parts
}

// ---------------------------------------------------------------------------------------
// Status, delay, throttling and failures

const status = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const code = Number(req.segments[1])
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    return send(res, 400, { error: "Use a status between 200 and 599, for example /status/404." })
  }
  res.writeHead(code).end()
}

const delay = async (state: FakeState, req: Request, res: ServerResponse) => {
  const ms = Math.min(Math.max(Number(req.segments[1]) || 0, 0), maxDelayMs)
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      state.timers.delete(timer)
      resolve()
    }, ms)
    state.timers.add(timer)
  })
  await echo(req, res)
}

const retryAfter = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const seconds = intParam(req.url, "seconds", 1)
  res.setHeader("retry-after", String(seconds))
  send(res, 429, { error: `Too many requests; retry after ${seconds} seconds.` })
}

const flaky = (state: FakeState, req: Request, res: ServerResponse) => {
  req.raw.resume()
  const key = req.url.searchParams.get("key") ?? "default"
  const failures = intParam(req.url, "failures", 1)
  const code = intParam(req.url, "status", 503)
  const attempt = (state.attempts.get(key) ?? 0) + 1
  state.attempts.set(key, attempt)
  if (attempt <= failures) {
    const seconds = req.url.searchParams.get("retry_after")
    if (seconds !== null) res.setHeader("retry-after", seconds)
    return send(res, code, { key, attempt, failures, error: "Failing on purpose; try again." })
  }
  send(res, 200, { key, attempt, failures, ok: true })
}

// ---------------------------------------------------------------------------------------
// Redirects

const redirectTo = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const target = req.url.searchParams.get("url")
  if (target === null) return send(res, 400, { error: "Add ?url= with the redirect target." })
  const code = intParam(req.url, "status", 302)
  res.writeHead(code >= 300 && code < 400 ? code : 302, { location: target }).end()
}

const redirect = (req: Request, res: ServerResponse, absolute: boolean) => {
  req.raw.resume()
  const n = Number(req.segments[1])
  if (!Number.isInteger(n) || n < 1) {
    return send(res, 400, { error: "Use a positive hop count, for example /redirect/3." })
  }
  const kind = req.segments[0]
  const path = n === 1 ? "/anything" : `/${kind}/${n - 1}`
  res.writeHead(302, { location: absolute ? `${req.origin}${path}` : path }).end()
}

/** Redirects to the other sandbox origin; addressed as 127.0.0.1, to `localhost`. */
const crossOriginRedirect = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const { origin, url } = req
  const target =
    origin === sandboxOrigin
      ? otherSandboxOrigin
      : origin === otherSandboxOrigin
        ? sandboxOrigin
        : `http://localhost:${url.port}`
  res.writeHead(302, { location: `${target}/anything` }).end()
}

// ---------------------------------------------------------------------------------------
// Bytes

/** One chunk of the byte pattern; its length is a multiple of the pattern's period. */
const byteChunk = Buffer.from(Array.from({ length: 251 * 256 }, (_, i) => fakeByteAt(i)))

/** Largest `/bytes/:n` the fake streams (4 GiB). */
const maxBytes = 4 * 1024 * 1024 * 1024

const bytes = async (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const n = Number(req.segments[1])
  if (!Number.isInteger(n) || n < 0 || n > maxBytes) {
    return send(res, 400, { error: "Use a byte count up to 4 GiB, for example /bytes/1024." })
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(n) })
  await pipeline(Readable.from(byteChunks(n)), res)
}

function* byteChunks(n: number): Generator<Buffer> {
  for (let sent = 0; sent < n; sent += byteChunk.length) {
    yield n - sent >= byteChunk.length ? byteChunk : byteChunk.subarray(0, n - sent)
  }
}

// ---------------------------------------------------------------------------------------
// Credentials

const bearer = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const header = req.raw.headers.authorization ?? ""
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (match === null) {
    res.setHeader("www-authenticate", 'Bearer realm="httpbin.sandbox"')
    return send(res, 401, { error: "Send Authorization: Bearer <token>." })
  }
  send(res, 200, { authenticated: true })
}

const basicAuth = (req: Request, res: ServerResponse) => {
  req.raw.resume()
  const [, user, password] = req.segments
  const header = req.raw.headers.authorization ?? ""
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
  if (user === undefined || password === undefined || header !== expected) {
    res.setHeader("www-authenticate", 'Basic realm="httpbin.sandbox"')
    return send(res, 401, {
      error: "Send Basic credentials matching the path's user and password."
    })
  }
  send(res, 200, { authenticated: true, user })
}

// ---------------------------------------------------------------------------------------
// Pagination

const pages = async (req: Request, res: ServerResponse) => {
  const style = req.segments[1]
  const bodyParams = await pageBodyParams(req)
  const param = (name: string, fallback: number) =>
    bodyParams[name] !== undefined
      ? Math.max(Number(bodyParams[name]) || 0, 0)
      : intParam(req.url, name, fallback)
  const total = Math.min(param("total", 95), 1_000_000)
  switch (style) {
    case "link":
      return linkPage(req, res, total, clampPage(param("per_page", 10)), param("page", 1))
    case "cursor":
      return cursorPage(req, res, total, clampPage(param("limit", 10)), bodyParams.cursor)
    case "next-url":
      return nextUrlPage(req, res, total, clampPage(param("top", 10)), param("skip", 0))
    case "offset":
      return send(res, 200, {
        items: itemRange(param("offset", 0), clampPage(param("limit", 10)), total),
        total
      })
    default:
      return send(res, 404, {
        error: "Use /pages/link, /pages/cursor, /pages/next-url or /pages/offset."
      })
  }
}

/** Items `offset + 1` to `offset + count`, stopping at `total`. */
const itemRange = (offset: number, count: number, total: number) =>
  Array.from({ length: Math.max(Math.min(count, total - offset), 0) }, (_, i) =>
    fakeItem(offset + i + 1)
  )

const clampPage = (size: number) => Math.min(Math.max(size, 1), 1000)

const linkPage = (
  req: Request,
  res: ServerResponse,
  total: number,
  perPage: number,
  page: number
) => {
  const current = Math.max(page, 1)
  const last = Math.max(Math.ceil(total / perPage), 1)
  const link = (rel: string, n: number) => {
    const target = new URL(req.url.pathname, req.origin)
    target.search = req.url.search
    target.searchParams.set("page", String(n))
    target.searchParams.set("per_page", String(perPage))
    return `<${target.href}>; rel="${rel}"`
  }
  const links = [link("first", 1), link("last", last)]
  if (current < last) links.push(link("next", current + 1))
  if (current > 1) links.push(link("prev", current - 1))
  res.setHeader("link", links.join(", "))
  send(res, 200, itemRange((current - 1) * perPage, perPage, total))
}

const cursorPage = (
  req: Request,
  res: ServerResponse,
  total: number,
  limit: number,
  bodyCursor: unknown
) => {
  const cursor = typeof bodyCursor === "string" ? bodyCursor : req.url.searchParams.get("cursor")
  const offset = cursor === null || cursor === "" ? 0 : decodeCursor(cursor)
  if (offset === undefined)
    return send(res, 400, { error: "The cursor is not one this list gave." })
  const items = itemRange(offset, limit, total)
  const next = offset + items.length < total ? encodeCursor(offset + items.length) : null
  send(res, 200, { items, next_cursor: next })
}

const nextUrlPage = (
  req: Request,
  res: ServerResponse,
  total: number,
  top: number,
  skip: number
) => {
  const value = itemRange(skip, top, total)
  const out: Record<string, unknown> = { value }
  if (skip + value.length < total) {
    const next = new URL(req.url.pathname, req.origin)
    next.search = req.url.search
    next.searchParams.set("skip", String(skip + value.length))
    next.searchParams.set("top", String(top))
    out["@odata.nextLink"] = next.href
  }
  send(res, 200, out)
}

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url")

const decodeCursor = (cursor: string): number | undefined => {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** Page parameters sent in a JSON body (cursor pagination with `cursorIn: "body"`). */
const pageBodyParams = async (req: Request): Promise<Record<string, unknown>> => {
  const body = await readAll(req.raw, maxParsedBody)
  if (body.length === 0) return {}
  const parsed = parseJson(body.toString("utf8"))
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {}
}

// ---------------------------------------------------------------------------------------
// Sample documents

const sampleDocument = {
  invoice: {
    number: "INV-1001",
    customer: { name: "Northwind Traders", country: "NO" },
    currency: "EUR",
    lines: [
      { sku: "PAPER-A4", quantity: 10, unitPrice: 4.5 },
      { sku: "TONER-K", quantity: 2, unitPrice: 61.0 }
    ],
    paid: false
  }
}

const sampleXml = `<?xml version="1.0" encoding="UTF-8"?>
<invoice number="INV-1001">
  <customer country="NO">Northwind Traders</customer>
  <line sku="PAPER-A4" quantity="10" unitPrice="4.50"/>
  <line sku="TONER-K" quantity="2" unitPrice="61.00"/>
</invoice>
`

const sampleText = "Robots read this line, then the next one.\nThat was the next one.\n"

// ---------------------------------------------------------------------------------------
// Helpers

const send = (res: ServerResponse, code: number, body: unknown) => {
  sendText(res, code, "application/json", JSON.stringify(body))
}

const sendText = (res: ServerResponse, code: number, contentType: string, text: string) => {
  res.writeHead(code, {
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(text))
  })
  res.end(text)
}

const isLoopback = (host: string) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)

const isTextual = (contentType: string) =>
  contentType === "" ||
  contentType.startsWith("text/") ||
  contentType.includes("xml") ||
  contentType.includes("javascript")

const intParam = (url: URL, name: string, fallback: number) => {
  const value = Number(url.searchParams.get(name) ?? Number.NaN)
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback
}

const multiMap = (params: URLSearchParams): Record<string, string | Array<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    out[key] = values.length === 1 ? (values[0] as string) : values
  }
  return out
}

const flatHeaders = (raw: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const digest = (bytes: Buffer) => ({
  size: bytes.length,
  sha256: createHash("sha256").update(bytes).digest("hex")
})

/** Reads a whole body; past `limit` bytes the rest is drained and dropped. */
const readAll = async (raw: IncomingMessage, limit = Number.POSITIVE_INFINITY) => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** Hashes a body as it streams in; keeps it in memory only while it is small. */
const hashBody = async (raw: IncomingMessage) => {
  const hash = createHash("sha256")
  let chunks: Array<Buffer> | undefined = []
  let size = 0
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
    if (chunks !== undefined && size <= maxParsedBody) chunks.push(chunk)
    else chunks = undefined
  }
  return {
    size,
    sha256: hash.digest("hex"),
    kept: chunks === undefined ? undefined : Buffer.concat(chunks)
  }
}

const listen = (server: Server) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })

const close = (server: Server, state: FakeState) =>
  new Promise<void>((resolve) => {
    for (const timer of state.timers) clearTimeout(timer)
    state.timers.clear()
    server.close(() => resolve())
    server.closeAllConnections()
  })
