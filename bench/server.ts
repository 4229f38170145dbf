/**
 * The benchmarks' loopback API, run in its own process so that its CPU time is never
 * counted as the client's. The parent forks it, and it answers over IPC:
 *
 * - `GET /items`: a list of 10 items as JSON, with the headers a typical API sends;
 * - `GET /pages?page=N&per_page=P&total=T`: page N of a list of T records, linked to the
 *   next page by a `Link` header (GitHub style);
 * - `GET /bytes?size=N`: N bytes streamed with backpressure, for downloads;
 * - `GET /limited`: a small JSON answer whose arrival time is recorded; the IPC message
 *   `{ type: "arrivals" }` returns the recorded times (epoch milliseconds) and clears them.
 *
 * Binds to 127.0.0.1 on port 0 and sends `{ type: "listening", port }` when ready.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import { performance } from "node:perf_hooks"
import { benchItems } from "./payload.js"

const itemsBody = Buffer.from(JSON.stringify(benchItems))

/** Headers of a typical JSON API answer (GitHub-like), sent with every `/items` reply. */
const apiHeaders = {
  "content-type": "application/json; charset=utf-8",
  "content-length": String(itemsBody.length),
  "cache-control": "private, max-age=60",
  "x-request-id": "bench-7f3c2a",
  "x-ratelimit-limit": "5000",
  "x-ratelimit-remaining": "4999",
  "x-ratelimit-reset": "1900000000"
}

/** 1 MiB of filler, written again and again for `/bytes`. */
const filler = Buffer.alloc(1024 * 1024, "rpa-integrations benchmark body\n")

let arrivals: Array<number> = []

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "127.0.0.1"}`)
  switch (url.pathname) {
    case "/items":
      response.writeHead(200, apiHeaders)
      response.end(itemsBody)
      return
    case "/pages":
      return page(url, response)
    case "/bytes":
      return bytes(Number(url.searchParams.get("size") ?? 0), response)
    case "/limited":
      arrivals.push(performance.timeOrigin + performance.now())
      response.writeHead(200, { "content-type": "application/json" })
      response.end('{"ok":true}')
      return
    default:
      notFound(request, response)
  }
})

server.keepAliveTimeout = 60_000
server.headersTimeout = 65_000

/** One page of records; each record is about 100 bytes of JSON. */
const page = (url: URL, response: ServerResponse) => {
  const index = Number(url.searchParams.get("page") ?? 1)
  const perPage = Number(url.searchParams.get("per_page") ?? 100)
  const total = Number(url.searchParams.get("total") ?? 1000)
  const first = (index - 1) * perPage
  const records = []
  for (let id = first; id < Math.min(total, first + perPage); id++) {
    records.push({
      id,
      email: `user${id}@example.test`,
      name: `User ${id}`,
      active: id % 3 !== 0,
      updatedAt: "2026-01-15T10:00:00Z"
    })
  }
  const body = Buffer.from(JSON.stringify(records))
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(body.length)
  }
  if (first + perPage < total) {
    headers.link = `<http://${url.host}/pages?page=${index + 1}&per_page=${perPage}&total=${total}>; rel="next"`
  }
  response.writeHead(200, headers)
  response.end(body)
}

/** Streams `size` bytes, waiting for the socket to drain, so memory stays flat here too. */
const bytes = (size: number, response: ServerResponse) => {
  response.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": String(size),
    "content-disposition": 'attachment; filename="export.bin"'
  })
  let left = size
  const write = () => {
    while (left > 0) {
      const chunk = left >= filler.length ? filler : filler.subarray(0, left)
      left -= chunk.length
      if (!response.write(chunk)) {
        response.once("drain", write)
        return
      }
    }
    response.end()
  }
  write()
}

const notFound = (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(404, { "content-type": "application/json" })
  response.end('{"error":"not found"}')
}

process.on("message", (message: { readonly type: string }) => {
  if (message.type === "arrivals") {
    process.send?.({ type: "arrivals", times: arrivals })
    arrivals = []
  }
})
process.on("disconnect", () => process.exit(0))

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  process.send?.({ type: "listening", port })
})
