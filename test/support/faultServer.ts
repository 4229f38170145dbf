/**
 * A local HTTP server that misbehaves on purpose, for the kernel's fault tests.
 *
 * Each path is one fault: resets, stalls, trickles, 429 and 5xx bursts, bad JSON, huge
 * bodies, redirect loops, cross-origin redirects, a connection dropped after the body was
 * read. The server counts the requests it received per path and the connections that are
 * open, so a test can tell how often the kernel sent a request and whether it left a
 * socket behind.
 *
 * Paths (query parameters in brackets):
 * - `/ok`: 200 with a small JSON body.
 * - `/echo`, `/echo/...`: 200 with the request's method, path, raw URL, headers, body
 *   length and (its first 64 KiB as) text, as JSON.
 * - `/status/<code>` [`body`, `retryAfter`, `headers`]: that status with a JSON body (or
 *   `body` as is, or the request's `x-fault-body` header), `headers` a JSON object of
 *   extra response headers.
 * - `/auth` [`token`]: 200 when `authorization` is `Bearer <token>`, else 401.
 * - `/hops/<n>`: redirects to `/hops/<n - 1>`; `/hops/0` answers 200.
 * - `/burst/<key>` [`failures`, `status`, `retryAfter`]: the first `failures` requests per
 *   key answer `status` (default 503), the rest 200.
 * - `/reset-mid-body`: headers announce 1000 bytes, 100 arrive, then the socket is destroyed.
 * - `/no-headers`: reads the request and never answers.
 * - `/trickle` [`bytes`, `intervalMs`]: one byte every `intervalMs` (default 1000).
 * - `/bad-json`: 200 `application/json` with a truncated document.
 * - `/big` [`bytes`, `chunked`]: a body of `bytes` bytes, with `content-length` unless
 *   `chunked=1`.
 * - `/download` [`bytes`, `filename`]: a streamed body with `content-disposition`.
 * - `/redirect` [`to`, `status`]: redirects to `to` (default status 302).
 * - `/loop`: redirects to itself.
 * - `/drop-after-body`: reads the whole request body, then destroys the socket.
 * - `/drop-on-headers`: destroys the socket as soon as the request head arrived.
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { Socket } from "node:net"
import { createServer as createNetServer } from "node:net"
import type { Scope } from "effect"
import { Effect } from "effect"

/** One request the server received. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly bodyBytes: number
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly port: number
  /** How many requests arrived for a path (without query). */
  readonly hits: (path: string) => number
  /** Requests received for a path, oldest first (the head and the body size). */
  readonly received: (path: string) => ReadonlyArray<ReceivedRequest>
  /** TCP connections currently open. */
  readonly openConnections: () => number
  /** TCP connections accepted since the start. */
  readonly totalConnections: () => number
  readonly close: () => Promise<void>
}

/** Starts a fault server on 127.0.0.1 on a free port. */
export const startFaultServer = async (): Promise<FaultServer> => {
  const requests = new Map<string, Array<ReceivedRequest>>()
  const bursts = new Map<string, number>()
  const sockets = new Set<Socket>()
  let total = 0
  let origin = ""

  const record = (req: IncomingMessage, path: string, bodyBytes: number) => {
    const list = requests.get(path) ?? []
    list.push({
      method: req.method ?? "",
      path,
      url: req.url ?? "",
      headers: req.headers,
      bodyBytes
    })
    requests.set(path, list)
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", origin)
    const path = url.pathname
    if (path === "/drop-on-headers") {
      record(req, path, 0)
      req.socket.destroy()
      return
    }
    let bodyBytes = 0
    const start: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => {
      if (bodyBytes < 64 * 1024) start.push(chunk)
      bodyBytes += chunk.length
    })
    req.on("end", () => {
      record(req, path, bodyBytes)
      handle(
        req,
        res,
        url,
        bodyBytes,
        Buffer.concat(start)
          .subarray(0, 64 * 1024)
          .toString()
      )
    })
  })

  const handle = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    bodyBytes: number,
    bodyText: string
  ) => {
    const path = url.pathname
    const q = url.searchParams
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body)
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
        ...headers
      })
      res.end(text)
    }

    if (path === "/ok") return json(200, { ok: true })
    if (path === "/echo" || path.startsWith("/echo/")) {
      return json(200, {
        method: req.method,
        path,
        url: req.url,
        headers: req.headers,
        bodyBytes,
        bodyText
      })
    }
    if (path.startsWith("/status/")) {
      const status = Number(path.slice("/status/".length))
      const headers: Record<string, string> = JSON.parse(q.get("headers") ?? "{}")
      const retryAfter = q.get("retryAfter")
      if (retryAfter !== null) headers["retry-after"] = retryAfter
      const body = q.get("body") ?? (req.headers["x-fault-body"] as string | undefined) ?? null
      if (body !== null) {
        res.writeHead(status, { "content-type": "application/json", ...headers })
        return res.end(body)
      }
      return json(status, { error: { message: `status ${status}` } }, headers)
    }
    if (path.startsWith("/burst/")) {
      const seen = bursts.get(path) ?? 0
      bursts.set(path, seen + 1)
      if (seen < Number(q.get("failures") ?? "1")) {
        const headers: Record<string, string> = {}
        const retryAfter = q.get("retryAfter")
        if (retryAfter !== null) headers["retry-after"] = retryAfter
        return json(Number(q.get("status") ?? "503"), { error: "try again" }, headers)
      }
      return json(200, { ok: true, attempt: seen + 1 })
    }
    if (path === "/auth") {
      return req.headers.authorization === `Bearer ${q.get("token")}`
        ? json(200, { ok: true })
        : json(401, { message: "Bad credentials" })
    }
    if (path.startsWith("/hops/")) {
      const left = Number(path.slice("/hops/".length))
      if (left <= 0) return json(200, { ok: true })
      res.writeHead(302, { location: `/hops/${left - 1}` })
      return res.end()
    }
    if (path === "/reset-mid-body") {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 1000 })
      res.write(Buffer.alloc(100, 1))
      setTimeout(() => res.socket?.destroy(), 20)
      return
    }
    if (path === "/no-headers") return
    if (path === "/trickle") {
      const bytes = Number(q.get("bytes") ?? "10")
      const interval = Number(q.get("intervalMs") ?? "1000")
      res.writeHead(200, { "content-type": "text/plain", "content-length": bytes })
      res.flushHeaders()
      let sent = 0
      const timer = setInterval(() => {
        if (res.destroyed || sent >= bytes) {
          clearInterval(timer)
          if (!res.destroyed) res.end()
          return
        }
        res.write("x")
        sent++
      }, interval)
      res.on("close", () => clearInterval(timer))
      return
    }
    if (path === "/bad-json") {
      res.writeHead(200, { "content-type": "application/json" })
      return res.end('{"items": [1, 2,')
    }
    if (path === "/big" || path === "/download") {
      return streamBytes(res, Number(q.get("bytes") ?? "1024"), {
        chunked: q.get("chunked") === "1",
        filename: q.get("filename") ?? undefined
      })
    }
    if (path === "/redirect") {
      res.writeHead(Number(q.get("status") ?? "302"), { location: q.get("to") ?? "/ok" })
      return res.end()
    }
    if (path === "/loop") {
      res.writeHead(302, { location: "/loop" })
      return res.end()
    }
    if (path === "/drop-after-body") {
      req.socket.destroy()
      return
    }
    json(404, { error: { message: "no such fault" } })
  }

  server.on("connection", (socket: Socket) => {
    total++
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  origin = `http://127.0.0.1:${port}`

  return {
    origin,
    port,
    hits: (path) => requests.get(path)?.length ?? 0,
    received: (path) => requests.get(path) ?? [],
    openConnections: () => sockets.size,
    totalConnections: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** A fault server for the length of a scope. */
export const faultServer: Effect.Effect<FaultServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(startFaultServer),
  (server) => Effect.promise(server.close)
)

/**
 * A TCP server on 127.0.0.1 that accepts connections and never says a word. An `https`
 * URL pointed at it never finishes its TLS handshake: the client's connect timeout runs
 * out before anything was sent.
 */
export const silentServer: Effect.Effect<{ readonly port: number }, never, Scope.Scope> =
  Effect.acquireRelease(
    Effect.promise(async () => {
      const sockets = new Set<Socket>()
      const server = createNetServer((socket) => {
        sockets.add(socket)
        socket.on("data", () => {})
        socket.on("error", () => {})
        socket.on("close", () => sockets.delete(socket))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      return { port, server, sockets }
    }),
    ({ server, sockets }) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => resolve())
          })
      )
  )

/** A port on 127.0.0.1 where nothing listens: connections to it are refused. */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Waits until a condition holds, checking every few milliseconds, for at most `ms`. */
export const eventually = async (condition: () => boolean, ms = 2000): Promise<boolean> => {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return true
}

const streamBytes = (
  res: ServerResponse,
  bytes: number,
  options: { readonly chunked: boolean; readonly filename?: string | undefined }
) => {
  const headers: Record<string, string | number> = { "content-type": "application/octet-stream" }
  if (!options.chunked) headers["content-length"] = bytes
  if (options.filename !== undefined) {
    headers["content-disposition"] = `attachment; filename="${options.filename}"`
  }
  res.writeHead(200, headers)
  const chunk = Buffer.alloc(64 * 1024, 97)
  let left = bytes
  const pump = () => {
    while (left > 0) {
      const size = Math.min(left, chunk.length)
      left -= size
      if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        res.once("drain", pump)
        return
      }
    }
    res.end()
  }
  res.on("error", () => {})
  pump()
}
