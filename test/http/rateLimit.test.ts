import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Option, Random, Ref, TestClock } from "effect"
import type { RateLimit, RateLimiterRegistry } from "../../src/http/rateLimit.js"
import { makeRateLimiters, pauseFromHeaders } from "../../src/http/rateLimit.js"

const perSecond = (key: string, limit: number): RateLimit => ({ key, limit, intervalMs: 1000 })

/** Acquires and then notes the test clock's time, so the test can see when each went. */
const acquireAndNote = (
  limiters: RateLimiterRegistry,
  limits: ReadonlyArray<RateLimit>,
  times: Ref.Ref<ReadonlyArray<number>>
) =>
  Effect.zipRight(
    limiters.acquire(limits),
    Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(times, (all) => [...all, now]))
  )

/** Most times that fall in one window of `windowMs`, wherever it starts. */
const busiestWindow = (times: ReadonlyArray<number>, windowMs: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++
    most = Math.max(most, last - first + 1)
  }
  return most
}

const isDone = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.map(Fiber.poll(fiber), Option.isSome)

describe("makeRateLimiters", () => {
  it.effect("lets a burst of 500 callers through at 50 per second", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const times = yield* Ref.make<ReadonlyArray<number>>([])
      yield* Effect.forEach(
        Array.from({ length: 1000 }),
        () => acquireAndNote(limiters, [perSecond("slack:bot", 50)], times),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.fork)

      yield* TestClock.adjust(9_999)
      const through = yield* Ref.get(times)
      expect(through.length).toBeGreaterThanOrEqual(495)
      expect(through.length).toBeLessThanOrEqual(500)
      expect(busiestWindow(through, 1000)).toBe(50)
    })
  )

  it.effect("holds 50 per second for callers that arrive at random times", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const times = yield* Ref.make<ReadonlyArray<number>>([])
      const caller = Effect.gen(function* () {
        for (let i = 0; i < 30; i++) {
          yield* Effect.sleep(yield* Random.nextIntBetween(0, 400))
          yield* acquireAndNote(limiters, [perSecond("github:gh", 50)], times)
        }
      })
      yield* Effect.forEach(Array.from({ length: 25 }), () => caller, {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.withRandom(Random.make("arrivals")), Effect.fork)

      yield* TestClock.adjust(9_999)
      const through = yield* Ref.get(times)
      expect(through.length).toBeGreaterThanOrEqual(495)
      expect(through.length).toBeLessThanOrEqual(500)
      expect(busiestWindow(through, 1000)).toBeLessThanOrEqual(50)
    })
  )

  it.effect("keeps separate keys apart", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.acquire([perSecond("a", 1)])
      const other = yield* Effect.fork(limiters.acquire([perSecond("b", 1)]))
      yield* TestClock.adjust(0)
      expect(yield* isDone(other)).toBe(true)
    })
  )

  it.effect("records a request in every key at once, never holding one key's slot", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.acquire([perSecond("method", 1)])

      const both = yield* Effect.fork(
        limiters.acquire([perSecond("method", 1), perSecond("credential", 1)])
      )
      yield* TestClock.adjust(999)
      expect(yield* isDone(both)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(both)).toBe(true)

      // The credential's slot was taken at 1000 ms, when the method allowed, not at 0 ms.
      const next = yield* Effect.fork(limiters.acquire([perSecond("credential", 1)]))
      yield* TestClock.adjust(999)
      expect(yield* isDone(next)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(next)).toBe(true)
    })
  )

  it.effect("serves waiting callers in the order they came", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const order = yield* Ref.make<ReadonlyArray<number>>([])
      const limits = [perSecond("k", 1)]
      yield* limiters.acquire(limits)
      for (let caller = 1; caller <= 5; caller++) {
        yield* Effect.fork(
          Effect.zipRight(
            limiters.acquire(limits),
            Ref.update(order, (all) => [...all, caller])
          )
        )
        yield* TestClock.adjust(10)
      }
      yield* TestClock.adjust(10_000)
      expect(yield* Ref.get(order)).toEqual([1, 2, 3, 4, 5])
    })
  )

  it.effect("lets nobody through a paused key before the pause ends", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.pauseUntil("github:gh", 5000)
      const waiting = yield* Effect.fork(limiters.acquire([perSecond("github:gh", 100)]))

      yield* TestClock.adjust(4999)
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(waiting)).toBe(true)
      expect(yield* Clock.currentTimeMillis).toBe(5000)
    })
  )

  it.effect("keeps the later of two pauses", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.pauseUntil("k", 8000)
      yield* limiters.pauseUntil("k", 3000)
      const waiting = yield* Effect.fork(limiters.acquire([perSecond("k", 10)]))

      yield* TestClock.adjust(7999)
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(waiting)).toBe(true)
    })
  )

  it.effect("extends the wait of a caller already waiting when a later pause comes", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.pauseUntil("k", 1000)
      const waiting = yield* Effect.fork(limiters.acquire([perSecond("k", 10)]))
      yield* TestClock.adjust(500)
      yield* limiters.pauseUntil("k", 4000)

      yield* TestClock.adjust(3499)
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(waiting)).toBe(true)
    })
  )

  it.effect("does not hold up another key's callers during a pause", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.pauseUntil("slack:bot:chat.postMessage", 30_000)
      const paused = yield* Effect.fork(
        limiters.acquire([perSecond("slack:bot", 50), perSecond("slack:bot:chat.postMessage", 1)])
      )
      yield* TestClock.adjust(0)

      const other = yield* Effect.fork(limiters.acquire([perSecond("slack:bot", 50)]))
      yield* TestClock.adjust(0)
      expect(yield* isDone(other)).toBe(true)
      expect(yield* isDone(paused)).toBe(false)
    })
  )

  it.effect("frees the key when a waiting caller is interrupted", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      yield* limiters.acquire(limits)
      const first = yield* Effect.fork(limiters.acquire(limits))
      yield* TestClock.adjust(10)
      const second = yield* Effect.fork(limiters.acquire(limits))
      yield* TestClock.adjust(10)
      yield* Fiber.interrupt(first)

      yield* TestClock.adjust(979)
      expect(yield* isDone(second)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(second)).toBe(true)
    })
  )

  it.effect("does not wait with no limits, or a limit without a positive interval", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      yield* limiters.acquire([])
      for (let i = 0; i < 100; i++) {
        yield* limiters.acquire([{ key: "free", limit: 1, intervalMs: 0 }])
      }
      expect(yield* Clock.currentTimeMillis).toBe(0)
    })
  )

  it.effect("follows a key's limit when it changes", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const times = yield* Ref.make<ReadonlyArray<number>>([])
      for (let i = 0; i < 5; i++) yield* acquireAndNote(limiters, [perSecond("k", 5)], times)
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 4 }),
          () => acquireAndNote(limiters, [perSecond("k", 2)], times),
          { discard: true }
        )
      )
      yield* TestClock.adjust(10_000)
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(times)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 2000, 2000])
    })
  )
})

describe("makeRateLimiters: limited, counting a request until its response", () => {
  /**
   * A provider that notes when each request arrives: a request on a new connection arrives
   * `connectMs` after it was let go (the handshake), later ones 2 ms after; the response
   * comes 5 ms after the arrival.
   */
  const provider = (connectMs: number, connections: number) => {
    const arrivals: Array<number> = []
    let opened = 0
    const send = (responded: Effect.Effect<void>) =>
      Effect.gen(function* () {
        yield* Effect.sleep(opened++ < connections ? connectMs : 2)
        arrivals.push(yield* Clock.currentTimeMillis)
        yield* Effect.sleep(5)
        yield* responded
      })
    return { arrivals, send }
  }

  it.effect("never lets a window of arrivals hold more than the limit", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const { arrivals, send } = provider(300, 64)
      const caller = Effect.forever(limiters.limited([perSecond("k", 50)], send))
      yield* Effect.forEach(Array.from({ length: 64 }), () => caller, {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.fork)

      yield* TestClock.adjust(9_999)
      expect(arrivals.length).toBeGreaterThanOrEqual(495)
      expect(arrivals.length).toBeLessThanOrEqual(500)
      expect(busiestWindow(arrivals, 1000)).toBe(50)
    })
  )

  it.effect("counted at admission, the same arrivals would overflow a window", () =>
    Effect.gen(function* () {
      // The same provider behind `acquire`: the first burst arrives late, the second
      // early, and one second of arrivals holds both. This is what `limited` prevents.
      const limiters = yield* makeRateLimiters
      const { arrivals, send } = provider(300, 64)
      const caller = Effect.forever(
        Effect.zipRight(limiters.acquire([perSecond("k", 50)]), send(Effect.void))
      )
      yield* Effect.forEach(Array.from({ length: 64 }), () => caller, {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.fork)

      yield* TestClock.adjust(2_000)
      expect(busiestWindow(arrivals, 1000)).toBeGreaterThan(50)
    })
  )

  it.effect("lets the next request go one interval after the response, not the start", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      const slow = yield* Effect.fork(
        limiters.limited(limits, (responded) => Effect.zipRight(Effect.sleep(3000), responded))
      )
      const next = yield* Effect.fork(limiters.acquire(limits))

      yield* TestClock.adjust(3999)
      expect(yield* isDone(slow)).toBe(true)
      expect(yield* isDone(next)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(next)).toBe(true)
    })
  )

  it.effect("counts a request that failed or was interrupted at the time it ended", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      const failed = yield* Effect.fork(
        limiters.limited(limits, () => Effect.zipRight(Effect.sleep(200), Effect.fail("reset")))
      )
      yield* TestClock.adjust(200)
      expect(yield* Fiber.await(failed)).toStrictEqual(Exit.fail("reset"))

      const hung = yield* Effect.fork(limiters.limited(limits, () => Effect.never))
      yield* TestClock.adjust(1000)
      expect(yield* isDone(hung)).toBe(false)
      yield* TestClock.adjust(500)
      yield* Fiber.interrupt(hung)

      const next = yield* Effect.fork(limiters.acquire(limits))
      yield* TestClock.adjust(999)
      expect(yield* isDone(next)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(next)).toBe(true)
    })
  )

  it.effect("counts a request once when it reports its response more than once", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      const times = yield* Ref.make<ReadonlyArray<number>>([])
      yield* Effect.fork(
        limiters.limited(limits, (responded) =>
          Effect.zipRight(responded, Effect.zipRight(Effect.sleep(10), responded))
        )
      )
      yield* Effect.fork(
        Effect.forEach(Array.from({ length: 2 }), () => acquireAndNote(limiters, limits, times), {
          discard: true
        })
      )
      yield* TestClock.adjust(5000)
      expect(yield* Ref.get(times)).toEqual([1000, 2000])
    })
  )

  it.effect("lets a request that was answered send again on the same key", () =>
    Effect.gen(function* () {
      // A refused request is sent again, after a token refresh, from inside the first one.
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      const times: Array<number> = []
      const note = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => times.push(now))
      )
      const fiber = yield* Effect.fork(
        limiters.limited(limits, (responded) =>
          Effect.zipRight(
            Effect.zipRight(note, responded),
            limiters.limited(limits, (again) => Effect.zipRight(note, again))
          )
        )
      )
      yield* TestClock.adjust(1000)
      yield* Fiber.join(fiber)
      expect(times).toEqual([0, 1000])
    })
  )

  it.effect("gives the slot back when a caller waiting for a response is interrupted", () =>
    Effect.gen(function* () {
      const limiters = yield* makeRateLimiters
      const limits = [perSecond("k", 1)]
      const first = yield* Effect.fork(
        limiters.limited(limits, (responded) => Effect.zipRight(Effect.sleep(100), responded))
      )
      const waiting = yield* Effect.fork(limiters.acquire(limits))
      yield* TestClock.adjust(50)
      yield* Fiber.interrupt(waiting)
      const later = yield* Effect.fork(limiters.acquire(limits))

      // The first is answered at 100: the next may go at 1100.
      yield* TestClock.adjust(1049)
      expect(yield* isDone(first)).toBe(true)
      expect(yield* isDone(later)).toBe(false)
      yield* TestClock.adjust(1)
      expect(yield* isDone(later)).toBe(true)
    })
  )
})

describe("pauseFromHeaders", () => {
  const now = 1_700_000_000_000

  it("pauses until GitHub's reset, given in epoch seconds, when none remain", () => {
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000042" }
    expect(pauseFromHeaders(403, headers, now)).toBe(1_700_000_042_000)
  })

  it("pauses for a reset given in seconds from now", () => {
    const headers = { "ratelimit-remaining": "0", "ratelimit-reset": "30" }
    expect(pauseFromHeaders(200, headers, now)).toBe(now + 30_000)
  })

  it("does not pause while requests remain", () => {
    const headers = { "x-ratelimit-remaining": "12", "x-ratelimit-reset": "1700000042" }
    expect(pauseFromHeaders(200, headers, now)).toBeUndefined()
  })

  it("does not pause when none remain but the reset is missing, unreadable or past", () => {
    expect(pauseFromHeaders(200, { "x-ratelimit-remaining": "0" }, now)).toBeUndefined()
    const unreadable = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "soon" }
    expect(pauseFromHeaders(200, unreadable, now)).toBeUndefined()
    const past = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1699999999" }
    expect(pauseFromHeaders(200, past, now)).toBeUndefined()
  })

  it("pauses for the Retry-After of a 429 or 503, in seconds or as a date", () => {
    expect(pauseFromHeaders(429, { "retry-after": "2" }, now)).toBe(now + 2000)
    const date = new Date(now + 90_000).toUTCString()
    expect(pauseFromHeaders(503, { "retry-after": date }, now)).toBe(now + 90_000)
  })

  it("ignores Retry-After on other statuses, and unreadable values", () => {
    expect(pauseFromHeaders(500, { "retry-after": "2" }, now)).toBeUndefined()
    expect(pauseFromHeaders(301, { "retry-after": "2" }, now)).toBeUndefined()
    expect(pauseFromHeaders(429, { "retry-after": "later" }, now)).toBeUndefined()
    expect(pauseFromHeaders(429, {}, now)).toBeUndefined()
  })

  it("takes the later time when a reset and a Retry-After both say to wait", () => {
    const headers = {
      "retry-after": "60",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1700000010"
    }
    expect(pauseFromHeaders(429, headers, now)).toBe(now + 60_000)
  })

  it("does not pause for an ordinary response", () => {
    expect(pauseFromHeaders(200, { "content-type": "application/json" }, now)).toBeUndefined()
  })
})
