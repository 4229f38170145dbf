import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import {
  Context,
  Effect,
  Fiber,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schema,
  TestClock,
  Tracer
} from "effect"
import { StepAttempts } from "../../src/http/attempts.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { ServerError } from "../../src/http/errors.js"
import type { ClientConfig, KernelOptions } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { HttpResponse } from "../../src/http/request.js"
import { Workspace } from "../../src/http/workspace.js"
import type { FaultServer } from "../support/faultServer.js"
import { eventually, faultServer } from "../support/faultServer.js"

const fast = { maxAttempts: 3, baseDelayMs: 1, jitter: "none" } as const

/** A client of a fresh kernel against a fresh fault server, for one test. */
const setup = (config: Partial<ClientConfig> = {}, options?: KernelOptions) =>
  Effect.gen(function* () {
    const server = yield* faultServer
    const kernel = Context.get(yield* Layer.build(HttpKernel.layer(options)), HttpKernel)
    const client = kernel.client({
      integration: "test",
      baseUrl: server.origin,
      retry: fast,
      ...config
    })
    return { server, client, kernel }
  })

/** The JSON body of a response. */
const body = (response: HttpResponse) =>
  JSON.parse(Buffer.from(response.body).toString("utf8")) as {
    method: string
    path: string
    url: string
    headers: Record<string, string | undefined>
    bodyBytes: number
    bodyText: string
  }

const bearerOf = (token: () => string): Authenticator => ({
  credentialId: "cred-1",
  credentialType: "http.bearer",
  secretNames: [],
  authorize: Effect.sync(() => ({ headers: { authorization: Redacted.make(`Bearer ${token()}`) } }))
})

const tempDirectory: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "client-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

describe("request URL and body", () => {
  it.scopedLive("joins the base URL and path, repeats array keys and drops undefined", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup()
      const base = (yield* setup({ baseUrl: `${server.origin}/echo/v1/` })).client
      const response = yield* base.request({
        method: "GET",
        url: "users",
        query: { tag: ["a b", "c"], n: 1, on: true, skip: undefined }
      })
      expect(body(response).url).toBe("/echo/v1/users?tag=a%20b&tag=c&n=1&on=true")
      const absolute = yield* client.request({
        method: "GET",
        url: `${server.origin}/echo?x=1`,
        query: { y: 2 }
      })
      expect(body(absolute).url).toBe("/echo?x=1&y=2")
    })
  )

  it.scopedLive("encodes JSON, form, text and bytes bodies with their content type", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const json = body(
        yield* client.request({
          method: "POST",
          url: "/echo",
          body: { _tag: "Json", value: { a: [1] } }
        })
      )
      expect(json.headers["content-type"]).toBe("application/json")
      expect(json.bodyText).toBe('{"a":[1]}')

      const form = body(
        yield* client.request({
          method: "POST",
          url: "/echo",
          body: { _tag: "Form", fields: { a: ["1", "2"], b: "x y", c: undefined } }
        })
      )
      expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(form.bodyText).toBe("a=1&a=2&b=x%20y")

      const text = body(
        yield* client.request({
          method: "PUT",
          url: "/echo",
          body: { _tag: "Text", text: "héllo" }
        })
      )
      expect(text.headers["content-type"]).toBe("text/plain; charset=utf-8")
      expect(text.bodyBytes).toBe(6)

      const bytes = body(
        yield* client.request({
          method: "POST",
          url: "/echo",
          headers: { "Content-Type": "application/x-custom" },
          body: {
            _tag: "Bytes",
            bytes: new Uint8Array([1, 2, 3]),
            contentType: "application/octet-stream"
          }
        })
      )
      expect(bytes.headers["content-type"]).toBe("application/x-custom")
      expect(bytes.bodyBytes).toBe(3)
    })
  )

  it.scopedLive("streams a file and multipart parts from disk", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const directory = yield* tempDirectory
      const path = join(directory, "report.csv")
      yield* Effect.promise(() => writeFile(path, "a,b\n1,2\n"))
      const file = { path, name: "report.csv", mimeType: "text/csv", size: 8 }

      const upload = body(
        yield* client.request({ method: "PUT", url: "/echo", body: { _tag: "File", file } })
      )
      expect(upload.headers["content-length"]).toBe("8")
      expect(upload.headers["content-type"]).toBe("text/csv")
      expect(upload.bodyText).toBe("a,b\n1,2\n")

      const multipart = body(
        yield* client.request({
          method: "POST",
          url: "/echo",
          body: {
            _tag: "Multipart",
            parts: [
              { _tag: "Field", name: "title", value: "Q3" },
              { _tag: "File", name: "attachment", file, filename: "q3.csv" }
            ]
          }
        })
      )
      expect(multipart.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(multipart.bodyText).toContain('name="title"')
      expect(multipart.bodyText).toContain('filename="q3.csv"')
      expect(multipart.bodyText).toContain("a,b\n1,2\n")
    })
  )

  it.scopedLive("fails before sending when a file to upload is missing", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup()
      const file = { path: "/nonexistent/x.bin", name: "x.bin", mimeType: "text/plain", size: 1 }
      const error = yield* Effect.flip(
        client.request({ method: "POST", url: "/echo", body: { _tag: "File", file } })
      )
      expect(error).toMatchObject({
        _tag: "TransportError",
        reason: "RequestBody",
        requestSent: false
      })
      expect(error.message).toContain("x.bin")
      expect(server.hits("/echo")).toBe(0)
    })
  )

  it.scopedLive("fails before sending when a JSON body cannot be encoded", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup()
      const error = yield* Effect.flip(
        client.request({ method: "POST", url: "/echo", body: { _tag: "Json", value: { n: 1n } } })
      )
      expect(error).toMatchObject({
        _tag: "TransportError",
        reason: "RequestBody",
        requestSent: false
      })
      expect(server.hits("/echo")).toBe(0)
    })
  )

  it.scopedLive("does not hold a HEAD response's announced length against the size limit", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ maxResponseBytes: 100 })
      const head = yield* client.request({ method: "HEAD", url: "/big", query: { bytes: 5000 } })
      expect(head).toMatchObject({ status: 200, body: new Uint8Array(0) })
      expect(head.headers["content-length"]).toBe("5000")
    })
  )

  it.scopedLive("sends a user agent, the idempotency key, and the kernel's defaults", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const sent = body(
        yield* client.request({ method: "POST", url: "/echo", idempotencyKey: "op-1" })
      )
      expect(sent.headers["user-agent"]).toBe("rpa-integrations")
      expect(sent.headers["idempotency-key"]).toBe("op-1")

      const custom = yield* setup(
        { idempotencyHeader: "X-Request-Token" },
        { defaults: { userAgent: "robot/1" } }
      )
      const other = body(
        yield* custom.client.request({ method: "POST", url: "/echo", idempotencyKey: "op-2" })
      )
      expect(other.headers["x-request-token"]).toBe("op-2")
      expect(other.headers["user-agent"]).toBe("robot/1")
    })
  )

  it.scopedLive("fails with a ValidationError for a URL that cannot be built", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ baseUrl: undefined })
      const error = yield* Effect.flip(client.request({ method: "GET", url: "/relative" }))
      expect(error._tag).toBe("ValidationError")
    })
  )
})

describe("json", () => {
  const Items = Schema.Struct({ items: Schema.Array(Schema.Number) })

  it.scopedLive("decodes the body with the schema, and names the failing fields", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const good = JSON.stringify({ items: [1, 2] })
      const decoded = yield* client.json(
        { method: "GET", url: "/status/200", query: { body: good } },
        Items
      )
      expect(decoded).toEqual({ items: [1, 2] })

      const bad = JSON.stringify({ items: [1, "two"] })
      const error = yield* Effect.flip(
        client.json({ method: "GET", url: "/status/200", query: { body: bad } }, Items)
      )
      expect(error._tag).toBe("DecodeError")
      expect(error._tag === "DecodeError" && error.issues?.[0]?.path).toBe("items[1]")
    })
  )

  it.scopedLive("asks for JSON", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const echoed = yield* client.json(
        { method: "GET", url: "/echo" },
        Schema.Struct({ headers: Schema.Record({ key: Schema.String, value: Schema.String }) })
      )
      expect(echoed.headers.accept).toBe("application/json")
    })
  )
})

describe("redirects", () => {
  it.scopedLive("303 turns a POST into a GET without body, 307 keeps method and body", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const post = { method: "POST", body: { _tag: "Text", text: "payload" } } as const
      const seeOther = body(
        yield* client.request({ ...post, url: "/redirect", query: { status: 303, to: "/echo" } })
      )
      expect(seeOther).toMatchObject({ method: "GET", bodyBytes: 0 })
      expect(seeOther.headers["content-type"]).toBeUndefined()

      const found = body(
        yield* client.request({ ...post, url: "/redirect", query: { status: 302, to: "/echo" } })
      )
      expect(found).toMatchObject({ method: "GET", bodyBytes: 0 })

      const temporary = yield* client.request({
        ...post,
        url: "/redirect",
        query: { status: 307, to: "/echo/again" }
      })
      expect(body(temporary)).toMatchObject({ method: "POST", bodyText: "payload" })
      expect(temporary.url.endsWith("/echo/again")).toBe(true)
    })
  )

  it.scopedLive("stops past the limit, at an invalid location, or when asked not to follow", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ maxRedirects: 2 })
      expect((yield* client.request({ method: "GET", url: "/hops/2" })).status).toBe(200)
      const tooMany = yield* Effect.flip(client.request({ method: "GET", url: "/hops/5" }))
      expect(tooMany).toMatchObject({ _tag: "RedirectError", reason: "TooMany", redirects: 2 })

      const invalid = yield* Effect.flip(
        client.request({ method: "GET", url: "/redirect", query: { to: "ftp://files.test/x" } })
      )
      expect(invalid).toMatchObject({ _tag: "RedirectError", reason: "InvalidLocation" })

      const manual = yield* client.request({
        method: "GET",
        url: "/hops/1",
        followRedirects: false
      })
      expect(manual.status).toBe(302)
      expect(manual.headers.location).toBe("/hops/0")
    })
  )

  it.scopedLive("routes logical origins, sending their Host, and drops the credential across", () =>
    Effect.gen(function* () {
      const api = yield* faultServer
      const files = yield* faultServer
      const routes = new Map([
        ["https://api.example.test", api.origin],
        ["https://files.example.test", files.origin]
      ])
      const { client } = yield* setup(
        { baseUrl: "https://api.example.test", authenticator: bearerOf(() => "tok-123") },
        { routes }
      )
      const direct = body(yield* client.request({ method: "GET", url: "/echo" }))
      expect(direct.headers.host).toBe("api.example.test")
      expect(direct.headers.authorization).toBe("Bearer tok-123")

      const moved = yield* client.request({
        method: "GET",
        url: "/redirect",
        query: { to: "https://files.example.test/echo" }
      })
      expect(moved.url).toBe("https://files.example.test/echo")
      expect(body(moved).headers.host).toBe("files.example.test")
      expect(body(moved).headers.authorization).toBeUndefined()
    })
  )
})

describe("classification", () => {
  it.scopedLive("maps statuses to typed errors with the provider's details", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ authenticator: bearerOf(() => "t") })
      const status = (code: number, query: Record<string, string> = {}) =>
        Effect.flip(client.request({ method: "POST", url: `/status/${code}`, query, retry: false }))

      const invalid = yield* status(422, {
        body: JSON.stringify({
          message: "Validation Failed",
          errors: [{ field: "title", code: "missing" }]
        }),
        headers: JSON.stringify({ "x-github-request-id": "GH-1" })
      })
      expect(invalid).toMatchObject({
        _tag: "ValidationError",
        status: 422,
        requestId: "GH-1",
        issues: [{ path: "title", message: "missing" }]
      })
      expect(invalid.message).toContain("Validation Failed")

      const forbidden = yield* status(403, {
        headers: JSON.stringify({
          "www-authenticate": 'Bearer error="insufficient_scope", scope="repo"'
        })
      })
      expect(forbidden).toMatchObject({ _tag: "PermissionError", missingScope: "repo" })
      expect((yield* status(409))._tag).toBe("ConflictError")
      expect((yield* status(404))._tag).toBe("NotFoundError")
      expect(yield* status(401)).toMatchObject({
        _tag: "AuthenticationError",
        credential: "cred-1"
      })
      // A 429 or 503 with Retry-After pauses the credential's requests: one client each.
      const throttled = yield* setup()
      expect(
        yield* Effect.flip(
          throttled.client.request({ method: "GET", url: "/status/429?retryAfter=7", retry: false })
        )
      ).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 7000 })
      const unavailable = yield* setup()
      expect(
        yield* Effect.flip(
          unavailable.client.request({
            method: "GET",
            url: "/status/503?retryAfter=2",
            retry: false
          })
        )
      ).toMatchObject({ _tag: "ServerError", retryAfterMs: 2000 })
    })
  )

  it.scoped("reads a Retry-After date exactly against the clock", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const error = yield* Effect.flip(
        client.request({
          method: "GET",
          url: "/status/429",
          query: { retryAfter: "Thu, 01 Jan 1970 00:00:09 GMT" },
          retry: false
        })
      )
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 9000 })
    })
  )

  it.scopedLive("lets the integration's rule and the accepted statuses come first", () =>
    Effect.gen(function* () {
      const slackLike = (response: HttpResponse) =>
        body(response).method === "GET"
          ? new ServerError({ integration: "test", message: "ok:false" })
          : undefined
      const { client } = yield* setup({ classify: slackLike, retry: { maxAttempts: 1 } })
      expect((yield* Effect.flip(client.request({ method: "GET", url: "/echo" })))._tag).toBe(
        "ServerError"
      )
      const accepted = yield* client.request({
        method: "GET",
        url: "/status/404",
        acceptStatus: [404]
      })
      expect(accepted.status).toBe(404)
    })
  )
})

describe("credentials", () => {
  it.scopedLive("refreshes a refused credential once and sends again, without a retry", () =>
    Effect.gen(function* () {
      let token = "old"
      let refreshes = 0
      const authenticator: Authenticator = {
        ...bearerOf(() => token),
        refresh: () =>
          Effect.sync(() => {
            refreshes++
            token = "new"
            return true
          })
      }
      const { server, client } = yield* setup({ authenticator })
      const counter = { retries: 0 }
      const response = yield* client
        .request({ method: "GET", url: "/auth", query: { token: "new" } })
        .pipe(Effect.locally(StepAttempts, counter))
      expect(response).toMatchObject({ status: 200, attempts: 1 })
      expect(refreshes).toBe(1)
      expect(counter.retries).toBe(0)
      expect(server.hits("/auth")).toBe(2)
    })
  )

  it.scopedLive("asks to reconnect when refreshing cannot help", () =>
    Effect.gen(function* () {
      const authenticator: Authenticator = {
        ...bearerOf(() => "revoked"),
        refresh: () => Effect.succeed(false)
      }
      const { server, client } = yield* setup({ authenticator })
      const error = yield* Effect.flip(
        client.request({ method: "GET", url: "/auth", query: { token: "valid" } })
      )
      expect(error).toMatchObject({
        _tag: "AuthenticationError",
        credential: "cred-1",
        reconnect: true
      })
      expect(error.message).toContain("reconnect it or check its token")
      expect(server.hits("/auth")).toBe(1)
    })
  )

  it.scopedLive("signs with query parameters, and not at all for an anonymous request", () =>
    Effect.gen(function* () {
      const authenticator: Authenticator = {
        credentialId: "key-1",
        credentialType: "test.apiKey",
        secretNames: ["api_key"],
        authorize: Effect.succeed({ query: { api_key: Redacted.make("k-999") } })
      }
      const { client } = yield* setup({ authenticator })
      const signed = body(yield* client.request({ method: "GET", url: "/echo", query: { q: "1" } }))
      expect(signed.url).toBe("/echo?q=1&api_key=k-999")

      const anonymous = body(
        yield* client.request({ method: "GET", url: "/echo", anonymous: true })
      )
      expect(anonymous.url).toBe("/echo")
    })
  )
})

describe("retries, rate limits and observability", () => {
  it.scopedLive("counts attempts on the response and retries on the step", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const counter = { retries: 0 }
      const response = yield* client
        .request({ method: "GET", url: "/burst/x", query: { failures: 2 } })
        .pipe(Effect.locally(StepAttempts, counter))
      expect(response.attempts).toBe(3)
      expect(counter.retries).toBe(2)
    })
  )

  it.scoped("waits exactly as long as Retry-After asks", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup()
      const fiber = yield* Effect.fork(
        client.request({
          method: "GET",
          url: "/burst/wait",
          query: { failures: 1, status: 429, retryAfter: 5 }
        })
      )
      yield* Effect.promise(() => eventually(() => server.hits("/burst/wait") === 1))
      yield* TestClock.adjust(4999)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
      expect(server.hits("/burst/wait")).toBe(1)
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)

      yield* TestClock.adjust(1)
      const response = yield* Fiber.join(fiber)
      expect(response.attempts).toBe(2)
    })
  )

  it.scoped("holds the credential's next request when the provider says the quota is spent", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup({ authenticator: bearerOf(() => "t") })
      const spent = JSON.stringify({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" })
      yield* client.request({ method: "GET", url: "/status/200", query: { headers: spent } })

      const next = yield* Effect.fork(client.request({ method: "GET", url: "/ok" }))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
      expect(server.hits("/ok")).toBe(0)
      yield* TestClock.adjust(30_000)
      yield* Fiber.join(next)
      expect(server.hits("/ok")).toBe(1)
    })
  )

  it.scoped("keeps to the integration's rate limit", () =>
    Effect.gen(function* () {
      const { server, client } = yield* setup({ rateLimit: { limit: 1, intervalMs: 1000 } })
      yield* client.request({ method: "GET", url: "/ok" })
      const second = yield* Effect.fork(client.request({ method: "GET", url: "/ok" }))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
      expect(server.hits("/ok")).toBe(1)
      yield* TestClock.adjust(1000)
      yield* Fiber.join(second)
      expect(server.hits("/ok")).toBe(2)
    })
  )

  it.scopedLive("logs each attempt at debug level with a span, and nothing at info", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ authenticator: bearerOf(() => "t0k3n-value") })
      const logs: Array<Record<string, unknown>> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ annotations, message }) => {
          logs.push({ message, ...Object.fromEntries(HashMap.toEntries(annotations)) })
        })
      )
      const spans: Array<Tracer.Span> = []
      const base = yield* Effect.tracer
      const recording = Tracer.make({
        context: base.context,
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        }
      })

      yield* client
        .request({ method: "GET", url: "/burst/log", query: { failures: 1, token: "q-secret" } })
        .pipe(
          Effect.provide(capture),
          Logger.withMinimumLogLevel(LogLevel.Debug),
          Effect.withTracer(recording)
        )
      const attempts = logs.filter((log) => String(log.message).includes("http attempt"))
      expect(attempts).toHaveLength(2)
      expect(attempts[1]).toMatchObject({
        integration: "test",
        method: "GET",
        status: 200,
        attempt: 2
      })
      expect(attempts[1]!.url).toMatch(/\/burst\/log\?failures=1&token=\*\*\*$/)
      expect(typeof attempts[1]!.durationMs).toBe("number")
      const attemptSpans = spans.filter((span) => span.name === "http.attempt")
      expect(attemptSpans.map((span) => span.attributes.get("attempt"))).toEqual([1, 2])

      logs.length = 0
      yield* client
        .request({ method: "GET", url: "/ok" })
        .pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.Info))
      expect(logs).toEqual([])
    })
  )
})

describe("download", () => {
  const run = (server: FaultServer, directory: string) =>
    Effect.map(Layer.build(HttpKernel.layer()), (context) => ({
      client: Context.get(context, HttpKernel).client({
        integration: "test",
        baseUrl: server.origin,
        retry: fast
      }),
      directory
    }))

  it.scopedLive("names the file from the option, Content-Disposition or the URL, uniquely", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const directory = yield* tempDirectory
      const { client } = yield* run(server, directory)
      const download = (query: Record<string, string | number>, name?: string) =>
        client
          .download({ method: "GET", url: "/download", query }, { name })
          .pipe(Effect.provideService(Workspace, { directory }))

      const named = yield* download({ bytes: 10 }, "chosen.txt")
      expect(named.file).toMatchObject({
        name: "chosen.txt",
        size: 10,
        mimeType: "application/octet-stream"
      })
      const disposed = yield* download({ bytes: 3, filename: "report.csv" })
      expect(disposed.file.name).toBe("report.csv")
      const again = yield* download({ bytes: 4, filename: "report.csv" })
      expect(again.file.name).toBe("report (2).csv")
      const fromUrl = yield* download({ bytes: 1 })
      expect(fromUrl.file.name).toBe("download")
      const files = yield* Effect.promise(() => readdir(directory))
      expect(files.sort()).toEqual(["chosen.txt", "download", "report (2).csv", "report.csv"])
    })
  )

  it.scopedLive("leaves no file behind when the download fails", () =>
    Effect.gen(function* () {
      const server = yield* faultServer
      const directory = yield* tempDirectory
      const { client } = yield* run(server, directory)
      const error = yield* Effect.flip(
        client
          .download({ method: "GET", url: "/status/404" })
          .pipe(Effect.provideService(Workspace, { directory }))
      )
      expect(error._tag).toBe("NotFoundError")
      const stalled = yield* Effect.flip(
        client
          .download({
            method: "GET",
            url: "/trickle?bytes=100&intervalMs=20",
            timeouts: { totalMs: 150 }
          })
          .pipe(Effect.provideService(Workspace, { directory }))
      )
      expect(stalled).toMatchObject({ _tag: "TimeoutError", phase: "total" })
      expect(server.hits("/trickle")).toBe(3)
      expect(yield* Effect.promise(() => readdir(directory))).toEqual([])
    })
  )
})
