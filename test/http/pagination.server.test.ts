import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { TransportError } from "../../src/http/errors.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { items } from "../../src/http/pagination.js"
import type { HttpRequest } from "../../src/http/request.js"

const all = Array.from({ length: 1000 }, (_, id) => ({ id }))

/**
 * A list API on 127.0.0.1: GET /issues pages with relative Link headers (GitHub style),
 * POST /query takes a cursor in the JSON body (Notion style). Closed with the scope.
 */
const listServer = Effect.acquireRelease(
  Effect.async<{ readonly baseUrl: string; readonly close: () => Promise<void> }>((resume) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        res.setHeader("content-type", "application/json")
        if (url.pathname === "/issues") {
          const perPage = Number(url.searchParams.get("per_page") ?? "30")
          const page = Number(url.searchParams.get("page") ?? "1")
          const from = (page - 1) * perPage
          if (from + perPage < all.length) {
            res.setHeader(
              "link",
              `</issues?per_page=${perPage}&page=${page + 1}>; rel="next", ` +
                `</issues?per_page=${perPage}&page=1>; rel="first"`
            )
          }
          res.end(JSON.stringify(all.slice(from, from + perPage)))
          return
        }
        const body = JSON.parse(Buffer.concat(chunks).toString() || "{}")
        const from = Number(body.start_cursor ?? "0")
        const to = from + body.page_size
        res.end(
          JSON.stringify({
            results: all.slice(from, to),
            next_cursor: to < all.length ? String(to) : null
          })
        )
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(
        Effect.succeed({
          baseUrl: `http://127.0.0.1:${port}/`,
          close: () => new Promise<void>((done) => server.close(() => done()))
        })
      )
    })
  }),
  (server) => Effect.promise(server.close)
)

/** A stand-in for the kernel's client that sends each request with `fetch`. */
const fetchClient = (baseUrl: string, sent: Array<string>): HttpClient => ({
  integration: "loopback",
  request: (request) =>
    Effect.tryPromise({
      try: async () => {
        const url = new URL(request.url, baseUrl)
        for (const [key, value] of Object.entries(request.query ?? {})) {
          if (value !== undefined) url.searchParams.set(key, String(value))
        }
        sent.push(`${request.method} ${url.pathname}${url.search}`)
        const body = request.body?._tag === "Json" ? JSON.stringify(request.body.value) : undefined
        const response = await fetch(url, { method: request.method, body })
        const headers: Record<string, string> = {}
        response.headers.forEach((value, name) => {
          headers[name] = value
        })
        const bytes = new Uint8Array(await response.arrayBuffer())
        return { status: response.status, headers, url: response.url, body: bytes, attempts: 1 }
      },
      catch: () =>
        new TransportError({
          message: "The loopback server failed.",
          reason: "SocketError",
          requestSent: true
        })
    }),
  json: () => Effect.die("not used by pagination"),
  download: () => Effect.die("not used by pagination")
})

describe("pagination over a real HTTP server", () => {
  it.scoped("follows relative Link headers to the end of the list", () =>
    Effect.gen(function* () {
      const server = yield* listServer
      const sent: Array<string> = []
      const client = fetchClient(server.baseUrl, sent)
      const request: HttpRequest = { method: "GET", url: "issues", query: { per_page: 100 } }
      const list = yield* Stream.runCollect(items(client, request, { _tag: "LinkHeader" }))
      expect(Chunk.toReadonlyArray(list)).toEqual(all)
      expect(sent).toHaveLength(10)
      expect(sent[9]).toBe("GET /issues?per_page=100&page=10")
    })
  )

  it.scoped("sends the cursor in the JSON body of each POST", () =>
    Effect.gen(function* () {
      const server = yield* listServer
      const sent: Array<string> = []
      const client = fetchClient(server.baseUrl, sent)
      const request: HttpRequest = {
        method: "POST",
        url: "query",
        body: { _tag: "Json", value: { page_size: 300 } }
      }
      const list = yield* items(
        client,
        request,
        { _tag: "Cursor", cursorPath: "next_cursor", param: "start_cursor", in: "body" },
        { itemsPath: "results", limit: 700 }
      ).pipe(Stream.runCollect)
      expect(Chunk.toReadonlyArray(list)).toEqual(all.slice(0, 700))
      expect(sent).toEqual(["POST /query", "POST /query", "POST /query"])
    })
  )
})
