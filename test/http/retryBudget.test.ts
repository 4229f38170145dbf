import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { ServerError, TimeoutError } from "../../src/http/errors.js"
import type { RetryBudget } from "../../src/http/retryBudget.js"
import { makeRetryBudget } from "../../src/http/retryBudget.js"

const failed = new ServerError({ message: "The provider failed", status: 500 })
const timedOut = new TimeoutError({
  message: "No response in time",
  phase: "headers",
  timeoutMs: 1000,
  requestSent: true
})

/** How many retries the budget grants in a row before it refuses. */
const grantedInARow = (budget: RetryBudget, error: KernelError = failed) =>
  Effect.gen(function* () {
    for (let granted = 0; granted < 10_000; granted++) {
      if (!(yield* budget.tryAcquire(error))) return granted
    }
    return Number.POSITIVE_INFINITY
  })

describe("makeRetryBudget", () => {
  it.effect("grants 100 retries from a full bucket, then refuses", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget()
      expect(yield* grantedInARow(budget)).toBe(100)
      expect(yield* budget.tryAcquire(failed)).toBe(false)
    })
  )

  it.effect("charges a retry after a timeout twice as much", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget()
      expect(yield* grantedInARow(budget, timedOut)).toBe(50)
    })
  )

  it.effect("drains under a concurrent storm and grants exactly what it holds", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget()
      const answers = yield* Effect.all(
        Array.from({ length: 1000 }, () => budget.tryAcquire(failed)),
        { concurrency: "unbounded" }
      )
      expect(answers.filter(Boolean)).toHaveLength(100)
    })
  )

  it.effect("refills one token per success, up to its capacity", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget()
      yield* grantedInARow(budget)

      yield* Effect.repeatN(budget.onSuccess, 4)
      expect(yield* budget.tryAcquire(failed)).toBe(true)
      expect(yield* budget.tryAcquire(failed)).toBe(false)

      yield* Effect.repeatN(budget.onSuccess, 9999)
      expect(yield* grantedInARow(budget)).toBe(100)
    })
  )

  it.effect("follows the sizes it is given", () =>
    Effect.gen(function* () {
      const budget = yield* makeRetryBudget({ capacity: 20, retryCost: 2, successRefund: 2 })
      expect(yield* grantedInARow(budget)).toBe(10)
      yield* budget.onSuccess
      expect(yield* grantedInARow(budget)).toBe(1)
    })
  )
})
