import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, FastCheck, Fiber, Option, Random, Ref, TestClock } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import {
  AuthenticationError,
  RateLimitError,
  ServerError,
  TransportError
} from "../../src/http/errors.js"
import type { RetryOptions, RetryPolicy } from "../../src/http/retry.js"
import {
  defaultRetryPolicy,
  isRetryableFor,
  parseRetryAfter,
  resolveRetryPolicy,
  withRetry
} from "../../src/http/retry.js"
import { makeRetryBudget } from "../../src/http/retryBudget.js"

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 300,
  budgetMs: 60_000,
  jitter: "none",
  ...overrides
})

const always = (): RetryOptions => ({ isRetryable: () => true })

const serverError = (message = "The provider failed; try again later") =>
  new ServerError({ message, status: 500 })

const throttled = (retryAfterMs?: number) =>
  new RateLimitError({
    message: "Too many requests",
    status: 429,
    retryAfterMs,
    integration: "demo"
  })

/** Records when each attempt ran (by the test clock) and the waits announced before them. */
const recorder = Effect.gen(function* () {
  const startedAt = yield* Ref.make<ReadonlyArray<number>>([])
  const waits = yield* Ref.make<ReadonlyArray<number>>([])
  const start = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Ref.update(startedAt, (times) => [...times, now])
  )
  const onRetry = (_: KernelError, delayMs: number) => Ref.update(waits, (all) => [...all, delayMs])
  return { startedAt, waits, start, onRetry }
})

/** Advances the test clock by `ms` and returns how the request ended; dies if it has not. */
const endsWithin = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, ms: number) =>
  Effect.gen(function* () {
    yield* TestClock.adjust(ms)
    const exit = yield* Fiber.poll(fiber)
    if (Option.isNone(exit)) return yield* Effect.dieMessage(`still waiting after ${ms} ms`)
    return yield* exit.value
  })

describe("resolveRetryPolicy", () => {
  it("sends exactly once when the request says `retry: false`", () => {
    expect(resolveRetryPolicy(defaultRetryPolicy, false)).toEqual({
      ...defaultRetryPolicy,
      maxAttempts: 1
    })
  })

  it("keeps the base policy when there is nothing to override", () => {
    expect(resolveRetryPolicy(defaultRetryPolicy)).toBe(defaultRetryPolicy)
  })

  it("overrides only the fields that are set", () => {
    const resolved = resolveRetryPolicy(defaultRetryPolicy, {
      maxAttempts: 2,
      jitter: "none",
      budgetMs: undefined
    })
    expect(resolved).toEqual({ ...defaultRetryPolicy, maxAttempts: 2, jitter: "none" })
  })

  it("keeps at least one attempt and no negative waits", () => {
    const resolved = resolveRetryPolicy(defaultRetryPolicy, { maxAttempts: 0, baseDelayMs: -5 })
    expect(resolved.maxAttempts).toBe(1)
    expect(resolved.baseDelayMs).toBe(0)
  })
})

describe("parseRetryAfter", () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 30)

  it.each([
    ["0", 0],
    ["2", 2000],
    [" 120 ", 120_000],
    ["1.5", 1500],
    ["Sun, 06 Nov 1994 08:49:37 GMT", 7000],
    ["Sunday, 06-Nov-94 08:49:37 GMT", 7000],
    ["Sun Nov  6 08:49:37 1994", 7000],
    ["Sun, 06 Nov 1994 08:49:00 GMT", 0]
  ])("reads %j as %d ms", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected)
  })

  it.each([
    undefined,
    "",
    "soon",
    "-5",
    "1e3",
    "0x10",
    "Sun, 31 Feb 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 25:49:37 GMT",
    "06 Nov 1994 08:49:37"
  ])("reads %j as nothing", (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined()
  })
})

describe("withRetry", () => {
  it.effect("waits an exponential backoff, capped at maxDelayMs, between attempts", () =>
    Effect.gen(function* () {
      const { startedAt, waits, start, onRetry } = yield* recorder
      const fiber = yield* withRetry(
        () => Effect.zipRight(start, Effect.fail(serverError())),
        policy(),
        {
          ...always(),
          onRetry
        }
      ).pipe(Effect.flip, Effect.fork)

      yield* endsWithin(fiber, 10_000)
      expect(yield* Ref.get(waits)).toEqual([100, 200, 300, 300])
      expect(yield* Ref.get(startedAt)).toEqual([0, 100, 300, 600, 900])
    })
  )

  it.effect("passes each attempt its number and ends with the last attempt's error", () =>
    Effect.gen(function* () {
      const errors: Array<KernelError> = []
      const fiber = yield* withRetry(
        (n) => {
          const error = serverError(`attempt ${n} failed`)
          errors.push(error)
          return Effect.fail(error)
        },
        policy({ maxAttempts: 3 }),
        always()
      ).pipe(Effect.flip, Effect.fork)

      const error = yield* endsWithin(fiber, 10_000)
      expect(errors.map((e) => e.message)).toEqual([
        "attempt 1 failed",
        "attempt 2 failed",
        "attempt 3 failed"
      ])
      expect(error).toBe(errors[2])
    })
  )

  it.effect("returns the first success and stops attempting", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const fiber = yield* withRetry(
        (n) =>
          Effect.zipRight(
            Ref.set(attempts, n),
            n < 3 ? Effect.fail(serverError()) : Effect.succeed(`done on attempt ${n}`)
          ),
        policy(),
        always()
      ).pipe(Effect.fork)

      expect(yield* endsWithin(fiber, 10_000)).toBe("done on attempt 3")
      expect(yield* Ref.get(attempts)).toBe(3)
    })
  )

  it.effect("sends once, without waiting, when maxAttempts is 1", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const exit = yield* withRetry(
        () =>
          Effect.zipRight(
            Ref.update(attempts, (n) => n + 1),
            Effect.fail(serverError())
          ),
        policy({ maxAttempts: 1 }),
        always()
      ).pipe(Effect.exit)

      expect(Exit.isFailure(exit)).toBe(true)
      expect(yield* Ref.get(attempts)).toBe(1)
    })
  )

  it.effect("stops at once on an error that is not retryable", () =>
    Effect.gen(function* () {
      const { waits, onRetry } = yield* recorder
      const attempts = yield* Ref.make(0)
      const refused = new AuthenticationError({ message: "Reconnect the credential 'gh'" })
      const error = yield* withRetry(
        () =>
          Effect.zipRight(
            Ref.update(attempts, (n) => n + 1),
            Effect.fail(refused)
          ),
        policy(),
        { isRetryable: (e) => e.retryable, onRetry }
      ).pipe(Effect.flip)

      expect(error).toBe(refused)
      expect(yield* Ref.get(attempts)).toBe(1)
      expect(yield* Ref.get(waits)).toEqual([])
    })
  )

  it.effect("waits exactly what Retry-After asked, not sooner, capped or jittered", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const retryAfterMs = parseRetryAfter("2", 0)
      const fiber = yield* withRetry(
        (n) =>
          Effect.zipRight(
            Ref.set(attempts, n),
            n === 1 ? Effect.fail(throttled(retryAfterMs)) : Effect.succeed("sent")
          ),
        policy({ maxDelayMs: 500, jitter: "full" }),
        always()
      ).pipe(Effect.fork)

      yield* TestClock.adjust(1999)
      expect(yield* Ref.get(attempts)).toBe(1)
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)

      expect(yield* endsWithin(fiber, 1)).toBe("sent")
      expect(yield* Ref.get(attempts)).toBe(2)
    })
  )

  it.effect("honours a Retry-After given as an HTTP date", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2025, 0, 15, 12, 0, 0))
      const { startedAt, start } = yield* recorder
      const fiber = yield* withRetry(
        (n) =>
          Effect.gen(function* () {
            yield* start
            if (n > 1) return "sent"
            const now = yield* Clock.currentTimeMillis
            return yield* Effect.fail(
              throttled(parseRetryAfter("Wed, 15 Jan 2025 12:00:05 GMT", now))
            )
          }),
        policy(),
        always()
      ).pipe(Effect.fork)

      yield* TestClock.adjust(4999)
      expect((yield* Ref.get(startedAt)).length).toBe(1)
      expect(yield* endsWithin(fiber, 1)).toBe("sent")
      expect(yield* Ref.get(startedAt)).toEqual([
        Date.UTC(2025, 0, 15, 12, 0, 0),
        Date.UTC(2025, 0, 15, 12, 0, 5)
      ])
    })
  )

  it.effect.prop(
    "with full jitter waits a whole number of ms between 0 and the capped backoff",
    { seed: FastCheck.integer(), base: FastCheck.integer({ min: 0, max: 5000 }) },
    ({ seed, base }) =>
      Effect.gen(function* () {
        const maxDelayMs = base * 4
        const { waits, onRetry } = yield* recorder
        const fiber = yield* withRetry(
          () => Effect.fail(serverError()),
          policy({ maxAttempts: 8, baseDelayMs: base, maxDelayMs, budgetMs: 1e9, jitter: "full" }),
          { ...always(), onRetry }
        ).pipe(Effect.withRandom(Random.make(seed)), Effect.flip, Effect.fork)

        yield* endsWithin(fiber, 1e9)
        const all = yield* Ref.get(waits)
        expect(all).toHaveLength(7)
        all.forEach((wait, i) => {
          expect(Number.isInteger(wait)).toBe(true)
          expect(wait).toBeGreaterThanOrEqual(0)
          expect(wait).toBeLessThanOrEqual(Math.min(maxDelayMs, base * 2 ** i))
        })
      }),
    { fastCheck: { numRuns: 50 } }
  )

  it.effect("draws the same jittered waits from the same seed", () =>
    Effect.gen(function* () {
      const waitsFor = (seed: number) =>
        Effect.gen(function* () {
          const { waits, onRetry } = yield* recorder
          const fiber = yield* withRetry(
            () => Effect.fail(serverError()),
            policy({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: "full" }),
            { ...always(), onRetry }
          ).pipe(Effect.withRandom(Random.make(seed)), Effect.flip, Effect.fork)
          yield* endsWithin(fiber, 60_000)
          return yield* Ref.get(waits)
        })

      const first = yield* waitsFor(42)
      expect(yield* waitsFor(42)).toEqual(first)
      expect(new Set(first).size).toBeGreaterThan(1)
    })
  )

  it.effect("fails at once, without waiting, when Retry-After exceeds the time budget", () =>
    Effect.gen(function* () {
      const { waits, onRetry } = yield* recorder
      const attempts = yield* Ref.make(0)
      const fiber = yield* withRetry(
        () =>
          Effect.zipRight(
            Ref.update(attempts, (n) => n + 1),
            Effect.fail(throttled(90_000))
          ),
        policy({ budgetMs: 60_000 }),
        { ...always(), onRetry }
      ).pipe(Effect.flip, Effect.fork)

      const error = yield* endsWithin(fiber, 0)
      expect(error._tag).toBe("RateLimitError")
      expect(error).toMatchObject({ retryAfterMs: 90_000, status: 429, integration: "demo" })
      expect(error.message).toBe(
        "The provider asked to wait 90 s, more than the retry budget of 60 s allows; " +
          "run the step later or raise the retry budget"
      )
      expect(yield* Ref.get(attempts)).toBe(1)
      expect(yield* Ref.get(waits)).toEqual([])
      expect(yield* Clock.currentTimeMillis).toBe(0)
    })
  )

  it.effect("counts the waits already spent against the time budget", () =>
    Effect.gen(function* () {
      const fiber = yield* withRetry(
        (n) => Effect.fail(n === 1 ? serverError() : throttled(59_500)),
        policy({ baseDelayMs: 1000, maxDelayMs: 1000, budgetMs: 60_000 }),
        always()
      ).pipe(Effect.flip, Effect.fork)

      const error = yield* endsWithin(fiber, 1000)
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 59_500 })
      expect(error.message).toContain("more than the 59 s left of the retry budget of 60 s")
    })
  )

  it.effect("ends with a 503's own error when its Retry-After exceeds the budget", () =>
    Effect.gen(function* () {
      const unavailable = new ServerError({ message: "Down", status: 503, retryAfterMs: 120_000 })
      const fiber = yield* withRetry(() => Effect.fail(unavailable), policy(), always()).pipe(
        Effect.flip,
        Effect.fork
      )
      const error = yield* endsWithin(fiber, 0)
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 120_000, status: 503 })
    })
  )

  it.effect("ends with the last error when a backoff would exceed the time budget", () =>
    Effect.gen(function* () {
      const errors: Array<KernelError> = []
      const fiber = yield* withRetry(
        () => {
          const error = serverError()
          errors.push(error)
          return Effect.fail(error)
        },
        policy({ baseDelayMs: 1000, maxDelayMs: 10_000, budgetMs: 1500 }),
        always()
      ).pipe(Effect.flip, Effect.fork)

      expect(yield* endsWithin(fiber, 1000)).toBe(errors[1])
      expect(errors).toHaveLength(2)
    })
  )

  it.effect("stops retrying when the retry budget refuses, and refunds it on success", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget({ capacity: 10, retryCost: 5 })
      const attempts = yield* Ref.make(0)
      const failing = withRetry(
        () =>
          Effect.zipRight(
            Ref.update(attempts, (n) => n + 1),
            Effect.fail(serverError())
          ),
        policy({ maxAttempts: 10, baseDelayMs: 0 }),
        { ...always(), budget }
      )

      yield* Effect.exit(failing)
      expect(yield* Ref.get(attempts)).toBe(3)

      yield* Ref.set(attempts, 0)
      yield* Effect.exit(failing)
      expect(yield* Ref.get(attempts)).toBe(1)

      for (let i = 0; i < 5; i++) {
        yield* withRetry(() => Effect.succeed("ok"), policy(), { ...always(), budget })
      }
      yield* Ref.set(attempts, 0)
      yield* Effect.exit(failing)
      expect(yield* Ref.get(attempts)).toBe(2)
    })
  )

  it.effect("announces each retry with its error, wait and number before waiting", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const fiber = yield* withRetry(
        (n) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            seen.push(`attempt ${n} at ${now}`)
            return Effect.fail(n === 1 ? throttled(250) : serverError())
          }),
        policy({ maxAttempts: 3 }),
        {
          ...always(),
          onRetry: (error, delayMs, retry) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              seen.push(`retry ${retry} after ${error._tag} in ${delayMs} ms, at ${now}`)
            })
        }
      ).pipe(Effect.flip, Effect.fork)

      yield* endsWithin(fiber, 10_000)
      expect(seen).toEqual([
        "attempt 1 at 0",
        "retry 1 after RateLimitError in 250 ms, at 0",
        "attempt 2 at 250",
        "retry 2 after ServerError in 200 ms, at 250",
        "attempt 3 at 450"
      ])
    })
  )

  it.effect("retries a POST only when the server cannot have acted", () =>
    Effect.gen(function* () {
      const attemptsAfter = (error: KernelError) =>
        Effect.gen(function* () {
          const attempts = yield* Ref.make(0)
          yield* withRetry(
            () =>
              Effect.zipRight(
                Ref.update(attempts, (n) => n + 1),
                Effect.fail(error)
              ),
            policy({ maxAttempts: 3, baseDelayMs: 0 }),
            { isRetryable: (e) => isRetryableFor(e, { method: "POST" }) }
          ).pipe(Effect.exit)
          return yield* Ref.get(attempts)
        })

      const reset = new TransportError({
        message: "Connection reset",
        reason: "ConnectionReset",
        requestSent: true
      })
      const refused = new TransportError({
        message: "Connection refused",
        reason: "ConnectionRefused",
        requestSent: false
      })
      expect(yield* attemptsAfter(reset)).toBe(1)
      expect(yield* attemptsAfter(refused)).toBe(3)
    })
  )
})
