/**
 * Counting the retries a step's HTTP requests needed.
 *
 * The runner gives each step a fresh counter with `Effect.locally(StepAttempts, { retries:
 * 0 })`; the kernel adds one on every retry of every request the step sends, so a step
 * result can say how many attempts it took without threading a value through each node.
 *
 * @module
 */
import { FiberRef } from "effect"

/** A step's retry counter; the kernel mutates `retries` in place. */
export interface AttemptCounter {
  retries: number
  /**
   * The step's own limit on attempts per request (a flow step's `retry.maxAttempts`).
   * A request's own `retry` setting still wins; the retry rules of each method still apply.
   */
  readonly maxAttempts?: number | undefined
}

/**
 * The current step's retry counter. Outside a step (no `Effect.locally`) the kernel counts
 * into a counter nobody reads.
 */
export const StepAttempts: FiberRef.FiberRef<AttemptCounter> = FiberRef.unsafeMake<AttemptCounter>(
  { retries: 0 },
  { fork: (counter) => counter, join: (parent) => parent }
)
