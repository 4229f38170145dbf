import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { slackHarness } from "./harness.js"

/** Waits (in real time, a bounded number of turns) until the fake has seen `count` posts. */
const untilPosts = (posts: ReadonlyArray<unknown>, count: number) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 2_000 && posts.length < count; turn++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  })

describe("slack channel posting limit", () => {
  it.scoped("paces 10 posts to one channel to one a second, with no 429", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2025, 0, 6, 9, 0, 0))
      const { fake, run } = yield* slackHarness({ fake: { channelPostToleranceMs: 0 } })
      const posting = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 10 }, (_, i) => i),
          (i) => run(postMessage, { channel: "C0DEPLOYS", text: `Deploy ${i + 1}` }),
          { concurrency: "unbounded" }
        )
      )

      for (let sent = 1; sent <= 10; sent++) {
        yield* untilPosts(fake.state.posts, sent)
        expect(fake.state.posts).toHaveLength(sent)
        yield* TestClock.adjust("1 second")
      }
      yield* Fiber.join(posting)

      expect(fake.state.throttled).toEqual([])
      const times = fake.state.posts.map((p) => p.at)
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000)
    })
  )

  it.scoped("does not hold back posts to different channels", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2025, 0, 6, 9, 0, 0))
      const { fake, run } = yield* slackHarness({ fake: { channelPostToleranceMs: 0 } })
      yield* Effect.forEach(
        ["C0GENERAL", "C0RANDOM1", "C0DEPLOYS", "C0TEAM001"],
        (channel) => run(postMessage, { channel, text: "Release v2 is out" }),
        { concurrency: "unbounded" }
      )
      expect(fake.state.posts).toHaveLength(4)
      expect(new Set(fake.state.posts.map((p) => p.at)).size).toBe(1)
      expect(fake.state.throttled).toEqual([])
    })
  )

  it.scoped("paces posts that name one channel as #general and general together", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2025, 0, 6, 9, 0, 0))
      const { fake, run } = yield* slackHarness({ fake: { channelPostToleranceMs: 0 } })
      const posting = yield* Effect.fork(
        Effect.forEach(
          ["#general", "general"],
          (channel) => run(postMessage, { channel, text: `To ${channel}` }),
          { concurrency: "unbounded" }
        )
      )
      yield* untilPosts(fake.state.posts, 1)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      expect(fake.state.posts).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(posting)

      expect(fake.state.throttled).toEqual([])
      expect(fake.state.posts.map((p) => p.channel)).toEqual(["C0GENERAL", "C0GENERAL"])
      expect(fake.state.posts[1]!.at - fake.state.posts[0]!.at).toBe(1_000)
    })
  )

  it.scopedLive("the fake answers a post that comes too early with 429 and Retry-After", () =>
    Effect.gen(function* () {
      const { fake } = yield* slackHarness()
      const post = () =>
        fetch(`${fake.url}/api/chat.postMessage`, {
          method: "POST",
          headers: {
            authorization: "Bearer xoxb-1000-2000-sandbox",
            "content-type": "application/json"
          },
          body: JSON.stringify({ channel: "C0GENERAL", text: "hi" })
        })
      const first = yield* Effect.promise(post)
      const second = yield* Effect.promise(post)
      expect(first.status).toBe(200)
      expect(second.status).toBe(429)
      expect(second.headers.get("retry-after")).toBe("1")
      expect(yield* Effect.promise(() => second.json())).toEqual({
        ok: false,
        error: "ratelimited"
      })
    })
  )
})
