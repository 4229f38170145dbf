import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { createIssue } from "../../../nodes/github/createIssue.js"
import { getRepository } from "../../../nodes/github/getRepository.js"
import { until, wakeAt } from "./clock.js"
import { githubHarness } from "./harness.js"

const start = Date.UTC(2025, 0, 6, 9, 0, 0)

const spent = (resetSeconds: number) => ({
  status: 403,
  headers: {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": String(resetSeconds)
  },
  body: {
    message: "API rate limit exceeded for user ID 9000.",
    documentation_url: "https://docs.github.com/rest"
  }
})

describe("GitHub rate limits", () => {
  it.scoped("a spent primary limit waits until the reset when the retry budget allows it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness()
      fake.state.inject({ path: "/repos/acme/web", ...spent(start / 1000 + 30) })
      const running = yield* Effect.fork(run(getRepository, { repository: "acme/web" }))
      yield* until(fake.state.exchanges, 1)
      yield* wakeAt(start + 30_000)
      const out = yield* Fiber.join(running)
      expect(out).toMatchObject({ fullName: "acme/web" })
      const [refused, served] = fake.state.exchanges
      expect([refused!.status, served!.status]).toEqual([403, 200])
      expect(served!.at - refused!.at).toBe(30_000)
    })
  )

  it.scoped("fails at once with the wait when the reset is past the retry budget", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness()
      fake.state.inject({ path: "/repos/acme/web", ...spent(start / 1000 + 1_800) })
      const error = yield* Effect.flip(run(getRepository, { repository: "acme/web" }))
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 1_800_000 })
      expect(fake.state.exchanges).toHaveLength(1)
    })
  )

  it.scoped(
    "after a response says the limit is spent until past the retry budget, the next request fails at once with the wait",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const { fake, run } = yield* githubHarness({ fake: { rateLimit: 2 } })
        yield* run(getRepository, { repository: "acme/web" })
        yield* run(getRepository, { repository: "acme/web" })
        expect(fake.state.exchanges.map((e) => e.headers["x-ratelimit-remaining"])).toEqual([
          "1",
          "0"
        ])
        const error = yield* Effect.flip(run(getRepository, { repository: "acme/web" }))
        expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 3_600_000 })
        expect(error.message).toContain("retry budget")
        expect(fake.state.exchanges).toHaveLength(2)
      })
  )

  it.scoped("a secondary limit with Retry-After is waited out, then the write goes through", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({
        fake: { secondaryLimitPerMinute: 1, secondaryRetryAfter: 60 }
      })
      yield* run(createIssue, { repository: "acme/web", title: "First" })
      const second = yield* Effect.fork(
        run(createIssue, { repository: "acme/web", title: "Second" })
      )
      yield* until(fake.state.exchanges, 2)
      expect(fake.state.exchanges[1]).toMatchObject({
        status: 403,
        headers: { "retry-after": "60" }
      })
      yield* wakeAt(start + 60_000)
      const out = yield* Fiber.join(second)
      expect(out).toMatchObject({ title: "Second" })
      expect(fake.state.exchanges.map((e) => e.status)).toEqual([201, 403, 201])
    })
  )

  it.scoped("a secondary limit longer than the retry budget fails with the wait", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({
        fake: { secondaryLimitPerMinute: 1, secondaryRetryAfter: 300 }
      })
      yield* run(createIssue, { repository: "acme/web", title: "First" })
      const error = yield* Effect.flip(
        run(createIssue, { repository: "acme/web", title: "Second" })
      )
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 300_000, status: 403 })
      expect(fake.state.exchanges.map((e) => e.status)).toEqual([201, 403])
    })
  )

  it.scoped("a secondary limit without Retry-After waits the default minute", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({
        fake: { secondaryLimitPerMinute: 1, secondaryRetryAfter: null }
      })
      yield* run(createIssue, { repository: "acme/web", title: "First" })
      const second = yield* Effect.fork(
        run(createIssue, { repository: "acme/web", title: "Second" })
      )
      yield* until(fake.state.exchanges, 2)
      yield* wakeAt(start + 60_000)
      yield* Fiber.join(second)
      const [, refused, served] = fake.state.exchanges
      expect(served!.at - refused!.at).toBe(60_000)
    })
  )
})
