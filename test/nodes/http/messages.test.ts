/**
 * What the HTTP Request node tells a flow author when a response cannot be read the way
 * the step asked: each message names the setting that fixes it.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { fastRetries, type HttpHarness, httpHarness } from "./harness.js"

class Harness extends Context.Tag("test/HttpMessagesHarness")<Harness, HttpHarness>() {}

const step = (input: unknown) => Effect.flatMap(Harness, (h) => Effect.flip(h.run(input)))

layer(Layer.scoped(Harness, httpHarness({ ...fastRetries, maxResponseBytes: 1024 })), {
  excludeTestServices: true
})("http.request messages", (it) => {
  describe("a response over the size limit", () => {
    it.effect("says to stream it to a file, as one sentence", () =>
      Effect.gen(function* () {
        const error = yield* step({ url: "https://httpbin.sandbox/bytes/4096", response: "text" })
        expect(error._tag).toBe("ResponseTooLargeError")
        expect(error.message).toMatch(
          /is larger than 1 KiB; set the step's response to "file" to stream it to disk instead\.$/
        )
        expect(error.message).not.toContain("raise the response size limit")
      })
    )
  })

  describe("a body that is not JSON", () => {
    it.effect("with response json, suggests text or auto", () =>
      Effect.gen(function* () {
        const error = yield* step({ url: "https://httpbin.sandbox/xml", response: "json" })
        expect(error._tag).toBe("DecodeError")
        expect(error.message).toBe(
          'The response is not valid JSON; set response to "text" or "auto" to read it as it is.'
        )
      })
    )
  })
})
