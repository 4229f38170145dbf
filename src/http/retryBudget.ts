/**
 * Retry budget: a token bucket over retries, shared by the requests of one client.
 *
 * Each retry spends tokens (a timeout more, since it held a connection for the whole
 * deadline) and each successful request gives one back. When most calls fail the bucket
 * runs dry and further failures end at once instead of retrying, so a failing API is not
 * hammered by a retry storm; as calls start succeeding again, retries come back.
 *
 * @module
 */
import { Effect, Ref } from "effect"
import type { KernelError } from "./errors.js"

/** The tokens that allow retries; one per client, shared by its concurrent requests. */
export interface RetryBudget {
  /**
   * Takes the cost of one retry after `error`. Returns false, and takes nothing, when the
   * bucket lacks the cost: the attempt that failed with `error` is then the last one.
   */
  readonly tryAcquire: (error: KernelError) => Effect.Effect<boolean>
  /** Gives back the refund for a successful request, up to the capacity. */
  readonly onSuccess: Effect.Effect<void>
}

/** Sizes of a {@link RetryBudget}; the defaults are those of the AWS SDKs' standard mode. */
export interface RetryBudgetOptions {
  /** Tokens in a full bucket. Default 500. */
  readonly capacity?: number | undefined
  /** Tokens a retry costs. Default 5. */
  readonly retryCost?: number | undefined
  /** Tokens a retry after a `TimeoutError` costs. Default 10. */
  readonly timeoutCost?: number | undefined
  /** Tokens a successful request gives back. Default 1. */
  readonly successRefund?: number | undefined
}

/**
 * Makes a full retry budget. With the defaults, 100 retries in a row with no success in
 * between empty it (50 after timeouts); 5 successes pay for one more retry.
 */
export const makeRetryBudget = (options: RetryBudgetOptions = {}): Effect.Effect<RetryBudget> => {
  const capacity = options.capacity ?? 500
  const retryCost = options.retryCost ?? 5
  const timeoutCost = options.timeoutCost ?? 10
  const successRefund = options.successRefund ?? 1

  return Effect.map(Ref.make(capacity), (tokens) => ({
    tryAcquire: (error) => {
      const cost = error._tag === "TimeoutError" ? timeoutCost : retryCost
      return Ref.modify(tokens, (left) => (left >= cost ? [true, left - cost] : [false, left]))
    },
    onSuccess: Ref.update(tokens, (left) => Math.min(capacity, left + successRefund))
  }))
}
