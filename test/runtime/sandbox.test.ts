import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { HttpKernel } from "../../src/http/kernel.js"
import { isLoopback, sandboxedKernel } from "../../src/runtime/sandbox.js"

const sent: Array<string> = []

const recording: HttpKernel["Type"] = {
  client: (config) => ({
    integration: config.integration,
    request: (request) =>
      Effect.sync(() => {
        sent.push(request.url)
        return { status: 200, headers: {}, url: request.url, body: new Uint8Array(), attempts: 1 }
      }),
    json: () => Effect.die("not used"),
    download: () => Effect.die("not used")
  })
}

describe("sandboxedKernel", () => {
  const kernel = sandboxedKernel(
    recording,
    new Map([["https://httpbin.sandbox", "http://127.0.0.1:1234"]])
  )

  it.effect("sends to routed origins and loopback addresses", () =>
    Effect.gen(function* () {
      sent.length = 0
      const client = kernel.client({ integration: "http", baseUrl: "https://httpbin.sandbox/v1/" })
      yield* client.request({ method: "GET", url: "items" })
      yield* client.request({ method: "GET", url: "http://127.0.0.1:9/x" })
      yield* client.request({ method: "GET", url: "http://localhost:9/x" })
      expect(sent).toEqual(["items", "http://127.0.0.1:9/x", "http://localhost:9/x"])
    })
  )

  it.effect("fails a request to any other origin before it is sent", () =>
    Effect.gen(function* () {
      sent.length = 0
      const client = kernel.client({ integration: "http" })
      const error = yield* Effect.flip(
        client.request({ method: "POST", url: "https://api.example.com/hook?token=x" })
      )
      expect(error).toMatchObject({
        _tag: "TransportError",
        requestSent: false,
        url: "https://api.example.com"
      })
      expect(error.message).toContain("https://httpbin.sandbox")
      expect(sent).toEqual([])
    })
  )
})

describe("isLoopback", () => {
  it("knows the machine's own addresses", () => {
    expect(["localhost", "127.0.0.1", "127.1.2.3", "[::1]"].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true
    ])
    expect(["10.0.0.1", "example.com", "127.0.0.1.example.com"].map(isLoopback)).toEqual([
      false,
      false,
      false
    ])
  })
})

describe("a sandbox run", () => {
  it("refuses a redirect from a fake to an origin outside the sandbox, before connecting", async () => {
    const { runFlow } = await import("../../src/runtime/runFlow.js")
    const target = encodeURIComponent("https://outside.example/steal")
    const result = await runFlow(
      {
        version: 1,
        name: "redirect out of the sandbox",
        steps: [
          {
            id: "escape",
            node: "http.request",
            input: { url: `https://httpbin.sandbox/redirect-to?url=${target}`, retry: false }
          }
        ]
      },
      { sandbox: true, env: {} }
    )
    expect(result.status).toBe("failed")
    const step = (result as { steps: Record<string, { error?: Record<string, unknown> }> }).steps
      .escape
    expect(step?.error).toMatchObject({
      _tag: "TransportError",
      reason: "NotAllowed",
      requestSent: false,
      retryable: false
    })
  })
})
