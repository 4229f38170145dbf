import { describe, expect, it } from "vitest"
import { runFlow } from "../../src/runtime/runFlow.js"

type Steps = Record<string, { status: string; attempts: number; error?: { _tag: string } }>

const flakyStep = (id: string, failures: number, retry?: { maxAttempts: number }) => ({
  id,
  node: "http.request",
  onError: "continue" as const,
  ...(retry === undefined ? {} : { retry }),
  input: { url: `https://httpbin.sandbox/flaky?key=${id}&failures=${failures}&retry_after=0` }
})

describe("a step's retry.maxAttempts", () => {
  it("sets the attempts per request instead of the integration's default", async () => {
    const result = await runFlow(
      {
        version: 1,
        name: "step retry",
        steps: [
          flakyStep("defaults", 4),
          flakyStep("more", 4, { maxAttempts: 6 }),
          flakyStep("fewer", 1, { maxAttempts: 1 })
        ]
      },
      { sandbox: true, env: {} }
    )
    const steps = (result as unknown as { steps: Steps }).steps
    // The default policy makes 4 attempts: all four fail.
    expect(steps.defaults).toMatchObject({ status: "failed", attempts: 4 })
    expect(steps.defaults?.error?._tag).toBe("ServerError")
    // Six attempts allowed: the fifth succeeds.
    expect(steps.more).toMatchObject({ status: "succeeded", attempts: 5 })
    // One attempt: the first failure ends the step.
    expect(steps.fewer).toMatchObject({ status: "failed", attempts: 1 })
  })
})
