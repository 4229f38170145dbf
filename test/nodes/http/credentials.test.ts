import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, Logger, LogLevel } from "effect"
import type { NodeError } from "../../../src/http/errors.js"
import { errorToJson } from "../../../src/http/errors.js"
import { type HttpHarness, httpHarness, type TestCredential } from "./harness.js"

class Harness extends Context.Tag("test/HttpHarness")<Harness, HttpHarness>() {}

const base = "https://httpbin.sandbox"

const token = "tok-3f9a1c"
const bearer: TestCredential = { type: "http.bearer", fields: { token } }
const password = "pw-7d2e"
const basic: TestCredential = { type: "http.basic", fields: { username: "robot", password } }
const key = "key-91b0"
const headerKey: TestCredential = {
  type: "http.apiKey",
  fields: { name: "X-Api-Key", value: key, in: "header" }
}
const queryKey: TestCredential = {
  type: "http.apiKey",
  fields: { name: "access", value: key, in: "query" }
}

/** Every secret above, and the encodings they travel in. */
const secrets = [token, password, key, Buffer.from(`robot:${password}`).toString("base64")]

/** Log lines of everything run inside, at every level, as text. */
const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  const lines: Array<string> = []
  const logger = Logger.make(({ message, annotations, cause, spans }) => {
    lines.push(
      JSON.stringify({
        message,
        annotations: Object.fromEntries(annotations),
        cause: String(cause),
        spans: [...spans].map((span) => span.label)
      })
    )
  })
  return effect.pipe(
    Effect.provide(
      Layer.merge(
        Logger.replace(Logger.defaultLogger, logger),
        Logger.minimumLogLevel(LogLevel.All)
      )
    ),
    Effect.map((result) => ({ result, logs: lines.join("\n") }))
  )
}

const step = (input: unknown, credential?: TestCredential) =>
  Effect.flatMap(Harness, (h) => h.run(input, credential))

// biome-ignore lint/suspicious/noExplicitAny: the echo is loosely shaped JSON
const echoOf = (output: unknown): any => (output as { body: unknown }).body

const expectNoSecret = (text: string) => {
  for (const secret of secrets) expect(text).not.toContain(secret)
}

layer(Layer.scoped(Harness, httpHarness()), { excludeTestServices: true })(
  "http credentials",
  (it) => {
    it.effect("a bearer token opens /bearer and is never logged", () =>
      Effect.gen(function* () {
        const refused = yield* Effect.flip(step({ url: `${base}/bearer` }))
        expect(refused._tag).toBe("AuthenticationError")

        const { result, logs } = yield* captureLogs(step({ url: `${base}/bearer` }, bearer))
        expect(result).toMatchObject({ status: 200, body: { authenticated: true } })
        expect(logs).toContain("http attempt")
        expectNoSecret(logs)

        const echo = echoOf(yield* step({ url: `${base}/anything` }, bearer))
        expect(echo.headers.authorization).toBe(`Bearer ${token}`)
      })
    )

    it.effect("a user name and password sign in with HTTP Basic", () =>
      Effect.gen(function* () {
        const { result, logs } = yield* captureLogs(
          step({ url: `${base}/basic-auth/robot/${encodeURIComponent(password)}` }, basic)
        )
        expect(result).toMatchObject({ status: 200, body: { authenticated: true, user: "robot" } })
        expectNoSecret(logs.replaceAll(`/basic-auth/robot/${password}`, ""))
        const wrong = yield* Effect.flip(step({ url: `${base}/basic-auth/robot/other` }, basic))
        expect(wrong._tag).toBe("AuthenticationError")
        expectNoSecret(JSON.stringify(errorToJson(wrong)))
      })
    )

    it.effect("an API key goes in the named header or query parameter", () =>
      Effect.gen(function* () {
        const inHeader = yield* captureLogs(step({ url: `${base}/anything` }, headerKey))
        expect(echoOf(inHeader.result).headers["x-api-key"]).toBe(key)
        expectNoSecret(inHeader.logs)

        const inQuery = yield* captureLogs(
          step({ url: `${base}/anything`, query: { q: 1 } }, queryKey)
        )
        expect(echoOf(inQuery.result).query).toEqual({ q: "1", access: key })
        expectNoSecret(inQuery.logs)
      })
    )

    it.effect("a refused credential's error carries no secret", () =>
      Effect.gen(function* () {
        const errors: Array<NodeError> = []
        for (const credential of [bearer, basic, headerKey, queryKey]) {
          errors.push(yield* Effect.flip(step({ url: `${base}/status/401` }, credential)))
        }
        expect(errors.map((e) => e._tag)).toEqual(Array(4).fill("AuthenticationError"))
        expectNoSecret(JSON.stringify(errors.map(errorToJson)))
      })
    )

    describe("redirects", () => {
      it.effect("keep the credential on the same origin and drop it on another", () =>
        Effect.gen(function* () {
          const same = echoOf(yield* step({ url: `${base}/redirect/2` }, bearer))
          expect(same.headers.authorization).toBe(`Bearer ${token}`)

          const cross = echoOf(yield* step({ url: `${base}/cross-origin-redirect` }, bearer))
          expect(cross.host).toBe("other.sandbox")
          expect(cross.headers.authorization).toBeUndefined()

          const crossQuery = echoOf(yield* step({ url: `${base}/cross-origin-redirect` }, queryKey))
          expect(crossQuery.host).toBe("other.sandbox")
          expect(crossQuery.query).toEqual({})
        })
      )
    })
  }
)
