import { mkdtemp, readdir, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Logger, LogLevel, Redacted, Schema } from "effect"
import { StepAttempts } from "../../src/http/attempts.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { errorToJson } from "../../src/http/errors.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { HttpRequest } from "../../src/http/request.js"
import { Workspace } from "../../src/http/workspace.js"
import type { FaultServer } from "../support/faultServer.js"
import {
  closedPort,
  eventually,
  faultServer,
  silentServer,
  startFaultServer
} from "../support/faultServer.js"

/**
 * What each fault does to a GET, a POST, and a POST with an idempotency key, with at most
 * two attempts: the error's tag (or `ok`), whether the request was sent, how many
 * requests the fault server received, and how many retries the kernel counted.
 */
interface Outcome {
  readonly tag: string
  readonly requestSent?: boolean
  /** Requests the server received on the fault's path; omitted when nothing listens. */
  readonly hits?: number
  readonly retries: number
}

interface FaultCase {
  readonly fault: string
  /** Path on the fault server, or a function of the test's ports for other targets. */
  readonly url: (ports: Ports) => string
  readonly path?: string
  readonly request?: Partial<HttpRequest>
  /** `json` decodes the body; `request` only reads it. */
  readonly call?: "json"
  readonly get: Outcome
  readonly post: Outcome
  readonly postWithKey: Outcome
}

interface Ports {
  readonly origin: string
  readonly closed: number
  readonly silent: number
}

const fast = { maxAttempts: 2, baseDelayMs: 1, jitter: "none" } as const

const onServer = (path: string) => (ports: Ports) => `${ports.origin}${path}`

const sentTwice = (tag: string): Outcome => ({ tag, requestSent: true, hits: 2, retries: 1 })
const sentOnce = (tag: string): Outcome => ({ tag, requestSent: true, hits: 1, retries: 0 })

const faults: ReadonlyArray<FaultCase> = [
  {
    fault: "connection refused",
    url: (ports) => `http://127.0.0.1:${ports.closed}/x`,
    get: { tag: "TransportError", requestSent: false, retries: 1 },
    post: { tag: "TransportError", requestSent: false, retries: 1 },
    postWithKey: { tag: "TransportError", requestSent: false, retries: 1 }
  },
  {
    fault: "connect timeout (TLS handshake never answered)",
    url: (ports) => `https://127.0.0.1:${ports.silent}/x`,
    request: { timeouts: { connectMs: 100 } },
    get: { tag: "TimeoutError", requestSent: false, retries: 1 },
    post: { tag: "TimeoutError", requestSent: false, retries: 1 },
    postWithKey: { tag: "TimeoutError", requestSent: false, retries: 1 }
  },
  {
    fault: "TLS failure (https to a plain http server)",
    url: (ports) => `https://${ports.origin.slice("http://".length)}/ok`,
    path: "/ok",
    get: { tag: "TransportError", requestSent: false, hits: 0, retries: 1 },
    post: { tag: "TransportError", requestSent: false, hits: 0, retries: 1 },
    postWithKey: { tag: "TransportError", requestSent: false, hits: 0, retries: 1 }
  },
  {
    fault: "connection dropped after the body was read",
    url: onServer("/drop-after-body"),
    get: sentTwice("TransportError"),
    post: sentOnce("TransportError"),
    postWithKey: sentTwice("TransportError")
  },
  {
    fault: "connection dropped as soon as the request head arrived",
    url: onServer("/drop-on-headers"),
    get: sentTwice("TransportError"),
    post: sentOnce("TransportError"),
    postWithKey: sentTwice("TransportError")
  },
  {
    fault: "reset in the middle of the response body",
    url: onServer("/reset-mid-body"),
    get: sentTwice("TransportError"),
    post: sentOnce("TransportError"),
    postWithKey: sentTwice("TransportError")
  },
  {
    fault: "headers never sent",
    url: onServer("/no-headers"),
    request: { timeouts: { headersMs: 100 } },
    get: sentTwice("TimeoutError"),
    post: sentOnce("TimeoutError"),
    postWithKey: sentTwice("TimeoutError")
  },
  {
    fault: "body trickles slower than the idle timeout",
    url: onServer("/trickle?bytes=5&intervalMs=2000"),
    path: "/trickle",
    request: { timeouts: { bodyIdleMs: 100 } },
    get: sentTwice("TimeoutError"),
    post: sentOnce("TimeoutError"),
    postWithKey: sentTwice("TimeoutError")
  },
  {
    fault: "body outlasts the total deadline",
    url: onServer("/trickle?bytes=100&intervalMs=20"),
    path: "/trickle",
    request: { timeouts: { totalMs: 150 } },
    get: sentTwice("TimeoutError"),
    post: sentOnce("TimeoutError"),
    postWithKey: sentTwice("TimeoutError")
  },
  {
    fault: "one 503 without Retry-After",
    url: onServer("/burst/a?failures=1"),
    path: "/burst/a",
    get: { tag: "ok", hits: 2, retries: 1 },
    post: { tag: "ServerError", hits: 1, retries: 0 },
    postWithKey: { tag: "ok", hits: 2, retries: 1 }
  },
  {
    fault: "one 503 with Retry-After",
    url: onServer("/burst/b?failures=1&retryAfter=0"),
    path: "/burst/b",
    get: { tag: "ok", hits: 2, retries: 1 },
    post: { tag: "ok", hits: 2, retries: 1 },
    postWithKey: { tag: "ok", hits: 2, retries: 1 }
  },
  {
    fault: "5xx on every attempt",
    url: onServer("/burst/c?failures=9&status=502"),
    path: "/burst/c",
    get: { tag: "ServerError", hits: 2, retries: 1 },
    post: { tag: "ServerError", hits: 1, retries: 0 },
    postWithKey: { tag: "ServerError", hits: 2, retries: 1 }
  },
  {
    fault: "one 429 with Retry-After",
    url: onServer("/burst/d?failures=1&status=429&retryAfter=0"),
    path: "/burst/d",
    get: { tag: "ok", hits: 2, retries: 1 },
    post: { tag: "ok", hits: 2, retries: 1 },
    postWithKey: { tag: "ok", hits: 2, retries: 1 }
  },
  {
    fault: "malformed JSON",
    url: onServer("/bad-json"),
    call: "json",
    get: { tag: "DecodeError", hits: 1, retries: 0 },
    post: { tag: "DecodeError", hits: 1, retries: 0 },
    postWithKey: { tag: "DecodeError", hits: 1, retries: 0 }
  },
  {
    fault: "body larger than the limit (content-length)",
    url: onServer("/big?bytes=4096"),
    path: "/big",
    request: { maxResponseBytes: 1024 },
    get: { tag: "ResponseTooLargeError", hits: 1, retries: 0 },
    post: { tag: "ResponseTooLargeError", hits: 1, retries: 0 },
    postWithKey: { tag: "ResponseTooLargeError", hits: 1, retries: 0 }
  },
  {
    fault: "body larger than the limit (chunked)",
    url: onServer("/big?bytes=1000000&chunked=1"),
    path: "/big",
    request: { maxResponseBytes: 1024 },
    get: { tag: "ResponseTooLargeError", hits: 1, retries: 0 },
    post: { tag: "ResponseTooLargeError", hits: 1, retries: 0 },
    postWithKey: { tag: "ResponseTooLargeError", hits: 1, retries: 0 }
  },
  {
    // A POST is redirected as a GET, so the loop shows one hop later.
    fault: "redirect loop",
    url: onServer("/loop"),
    get: { tag: "RedirectError", hits: 1, retries: 0 },
    post: { tag: "RedirectError", hits: 2, retries: 0 },
    postWithKey: { tag: "RedirectError", hits: 2, retries: 0 }
  },
  {
    fault: "404",
    url: onServer("/status/404"),
    get: { tag: "NotFoundError", hits: 1, retries: 0 },
    post: { tag: "NotFoundError", hits: 1, retries: 0 },
    postWithKey: { tag: "NotFoundError", hits: 1, retries: 0 }
  }
]

const methods = [
  { name: "GET", outcome: (row: FaultCase) => row.get, request: { method: "GET" } },
  {
    name: "POST",
    outcome: (row: FaultCase) => row.post,
    request: { method: "POST", body: { _tag: "Json", value: { n: 1 } } }
  },
  {
    name: "POST with idempotency key",
    outcome: (row: FaultCase) => row.postWithKey,
    request: { method: "POST", body: { _tag: "Json", value: { n: 1 } }, idempotencyKey: "k-1" }
  }
] as const

/** Sends `request` once through a fresh kernel, counting retries as a step would. */
const sendCounted = (request: HttpRequest, json: boolean) =>
  Effect.gen(function* () {
    const kernel = yield* HttpKernel
    const client = kernel.client({ integration: "faulty", retry: fast })
    const counter = { retries: 0 }
    const sent = json ? client.json(request, Schema.Unknown) : client.request(request)
    const result = yield* Effect.either(Effect.locally(sent, StepAttempts, counter))
    return { result, retries: counter.retries }
  }).pipe(Effect.provide(HttpKernel.layer()))

const path = (row: FaultCase, server: FaultServer) =>
  row.path ?? new URL(row.url({ origin: server.origin, closed: 0, silent: 0 })).pathname

describe.concurrent("kernel faults", () => {
  for (const row of faults) {
    for (const method of methods) {
      it.scopedLive(`${row.fault}: ${method.name}`, () =>
        Effect.gen(function* () {
          const server = yield* faultServer
          const silent = yield* silentServer
          const closed = yield* Effect.promise(closedPort)
          const url = row.url({ origin: server.origin, closed, silent: silent.port })
          const request = { ...method.request, url, ...row.request } as HttpRequest
          const expected = method.outcome(row)

          const { result, retries } = yield* sendCounted(request, row.call === "json")

          if (expected.tag === "ok") {
            expect(Either.isRight(result)).toBe(true)
          } else {
            const error = Either.getOrThrowWith(Either.flip(result), () => "succeeded")
            expect(error._tag).toBe(expected.tag)
            if (expected.requestSent !== undefined) {
              expect("requestSent" in error && error.requestSent).toBe(expected.requestSent)
            }
          }
          expect(retries).toBe(expected.retries)
          if (expected.hits !== undefined)
            expect(server.hits(path(row, server))).toBe(expected.hits)
        })
      )
    }
  }
})

const bearer = "s3cr3t-bearer-token-4711"

/** A credential that signs with a fixed bearer token. */
const bearerAuthenticator: Authenticator = {
  credentialId: "fault-cred",
  credentialType: "http.bearer",
  secretNames: [],
  authorize: Effect.succeed({ headers: { authorization: Redacted.make(`Bearer ${bearer}`) } })
}

describe("kernel guarantees", () => {
  it.scopedLive("a POST dropped after the server read its body is sent once, outcome unknown", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const client = (yield* HttpKernel).client({ integration: "faulty", retry: fast })
      const error = yield* Effect.flip(
        client.request({
          method: "POST",
          url: `${server.origin}/drop-after-body`,
          body: { _tag: "Json", value: { order: 1 } }
        })
      )
      expect(error).toMatchObject({ _tag: "TransportError", requestSent: true })
      expect(error.message).toContain("outcome is unknown")
      expect(error.message).toContain("not retried")
      expect(server.hits("/drop-after-body")).toBe(1)
    }).pipe(Effect.provide(HttpKernel.layer()))
  )

  it.scopedLive("the same POST with an idempotency key is retried, and so is a GET", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const client = (yield* HttpKernel).client({
        integration: "faulty",
        retry: { ...fast, maxAttempts: 3 }
      })
      const keyed = yield* Effect.flip(
        client.request({
          method: "POST",
          url: `${server.origin}/drop-after-body`,
          idempotencyKey: "order-1",
          body: { _tag: "Json", value: { order: 1 } }
        })
      )
      expect(keyed._tag).toBe("TransportError")
      expect(keyed.message).not.toContain("outcome is unknown")
      expect(server.hits("/drop-after-body")).toBe(3)
      const keys = server.received("/drop-after-body").map((r) => r.headers["idempotency-key"])
      expect(keys).toEqual(["order-1", "order-1", "order-1"])

      yield* Effect.flip(client.request({ method: "GET", url: `${server.origin}/drop-on-headers` }))
      expect(server.hits("/drop-on-headers")).toBe(3)
    }).pipe(Effect.provide(HttpKernel.layer()))
  )

  it.scopedLive("a cross-origin redirect drops Authorization, a same-origin one keeps it", () =>
    Effect.gen(function* () {
      const first = yield* faultServer
      const other = yield* faultServer
      const client = (yield* HttpKernel).client({
        integration: "faulty",
        baseUrl: first.origin,
        authenticator: bearerAuthenticator,
        retry: fast
      })
      yield* client.request({
        method: "GET",
        url: "/redirect",
        query: { to: `${other.origin}/echo` },
        headers: { cookie: "session=1", "x-api-key": Redacted.make("key-material-9") }
      })
      const crossed = other.received("/echo")[0]!.headers
      expect(crossed.authorization).toBeUndefined()
      expect(crossed.cookie).toBeUndefined()
      expect(crossed["x-api-key"]).toBeUndefined()

      yield* client.request({ method: "GET", url: "/redirect", query: { to: "/echo" } })
      expect(first.received("/echo")[0]!.headers.authorization).toBe(`Bearer ${bearer}`)
    }).pipe(Effect.provide(HttpKernel.layer()))
  )

  it.live("no connection stays open once the kernel's scope closes", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(startFaultServer)
      const used = Effect.gen(function* () {
        const client = (yield* HttpKernel).client({ integration: "faulty", baseUrl: server.origin })
        yield* Effect.all(
          Array.from({ length: 4 }, () => client.request({ method: "GET", url: "/ok" })),
          { concurrency: "unbounded" }
        )
        yield* client.request({ method: "GET", url: "/trickle?bytes=50&intervalMs=10" })
      })
      yield* Effect.scoped(
        Effect.gen(function* () {
          const kernel = yield* Layer.build(HttpKernel.layer())
          yield* Effect.provide(used, kernel)
          // Keep-alive: the pool still holds the connections here.
          expect(server.openConnections()).toBeGreaterThan(0)
        })
      )
      const closed = yield* Effect.promise(() => eventually(() => server.openConnections() === 0))
      yield* Effect.promise(server.close)
      expect(closed).toBe(true)
    })
  )

  it.scopedLive("a request in flight when the scope closes is aborted and its socket closed", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const fiber = yield* Effect.fork(
        Effect.gen(function* () {
          const client = (yield* HttpKernel).client({ integration: "faulty" })
          return yield* client.request({ method: "GET", url: `${server.origin}/no-headers` })
        }).pipe(Effect.provide(HttpKernel.layer()))
      )
      yield* Effect.promise(() => eventually(() => server.hits("/no-headers") === 1))
      yield* Fiber.interrupt(fiber)
      const closed = yield* Effect.promise(() => eventually(() => server.openConnections() === 0))
      expect(closed).toBe(true)
    })
  )

  it.scopedLive("a large streamed download reaches the disk whole", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const directory = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "faults-"))),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
      )
      const client = (yield* HttpKernel).client({ integration: "faulty", baseUrl: server.origin })
      const size = 64 * 1024 * 1024
      const { file } = yield* client
        .download(
          { method: "GET", url: "/download", query: { bytes: size, chunked: 1 } },
          { name: "large.bin" }
        )
        .pipe(Effect.provideService(Workspace, { directory }))
      expect(file).toMatchObject({ name: "large.bin", size })
      expect((yield* Effect.promise(() => stat(file.path))).size).toBe(size)

      const failed = yield* client
        .download({ method: "GET", url: "/reset-mid-body", retry: false })
        .pipe(Effect.provideService(Workspace, { directory }), Effect.flip)
      expect(failed._tag).toBe("TransportError")
      expect(yield* Effect.promise(() => readdir(directory))).toEqual(["large.bin"])
    }).pipe(Effect.provide(HttpKernel.layer()))
  )

  it.scopedLive("a bearer secret never appears in an error message or a log line", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const closed = yield* Effect.promise(closedPort)
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.map(Logger.logfmtLogger, (line) => {
          lines.push(line)
        })
      )
      const echoed = JSON.stringify({ message: `token ${bearer} is invalid`, errors: [bearer] })
      const requests: ReadonlyArray<HttpRequest> = [
        { method: "GET", url: "/status/401", headers: { "x-fault-body": echoed } },
        { method: "POST", url: "/status/422", headers: { "x-fault-body": echoed } },
        { method: "GET", url: "/status/500", headers: { "x-fault-body": echoed } },
        { method: "GET", url: "/status/403", headers: { "x-fault-body": echoed } },
        { method: "GET", url: "/ok", query: { access_token: bearer } },
        { method: "GET", url: `/x/${bearer}/y` },
        { method: "POST", url: "/drop-after-body", body: { _tag: "Text", text: "x" } },
        { method: "GET", url: "/no-headers", timeouts: { headersMs: 50 } },
        { method: "GET", url: "/big?bytes=5000", maxResponseBytes: 10 },
        { method: "GET", url: "/loop" },
        { method: "GET", url: "/bad-json" },
        {
          method: "GET",
          url: `http://127.0.0.1:${closed}/`,
          headers: { "x-token": Redacted.make(bearer) }
        }
      ]
      const client = (yield* HttpKernel).client({
        integration: "faulty",
        baseUrl: server.origin,
        authenticator: bearerAuthenticator,
        retry: fast
      })
      const errors = yield* Effect.forEach(requests, (request) =>
        Effect.flip(client.json({ ...request }, Schema.Struct({ never: Schema.String })))
      ).pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.Debug))

      expect(errors).toHaveLength(requests.length)
      expect(lines.some((line) => line.includes("http attempt"))).toBe(true)
      for (const error of errors) {
        expect(JSON.stringify(errorToJson(error))).not.toContain(bearer)
      }
      for (const line of lines) expect(line).not.toContain(bearer)
    }).pipe(Effect.provide(HttpKernel.layer()))
  )
})
