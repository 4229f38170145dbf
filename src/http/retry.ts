/**
 * Retry policy: how often, how long, and when a failed attempt is sent again.
 *
 * @module
 */

/** How a client retries failed attempts. */
export interface RetryPolicy {
  /** Attempts in total, the first included. 1 means never retry. */
  readonly maxAttempts: number
  /** First backoff wait, doubled on each retry before jitter. */
  readonly baseDelayMs: number
  /** Longest single backoff wait (a provider's `Retry-After` may ask for longer). */
  readonly maxDelayMs: number
  /** Longest total time spent waiting between attempts of one request. */
  readonly budgetMs: number
  /** `full`: wait a random time up to the backoff; `none`: wait exactly the backoff. */
  readonly jitter: "full" | "none"
}

/** The policy a client uses unless its integration or a request says otherwise. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  budgetMs: 60_000,
  jitter: "full"
}
