/**
 * Driving `TestClock` while real requests go to a fake: wait in real time (a bounded
 * number of short turns) for what the test expects, then move the test clock.
 */
import { Chunk, Effect, TestClock } from "effect"

const turns = 2_000

const pause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))

/** Waits until `seen` has at least `count` entries (what a fake or a callback recorded). */
export const until = (seen: ReadonlyArray<unknown>, count: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let turn = 0; turn < turns && seen.length < count; turn++) yield* pause
  })

/**
 * Waits until some fiber sleeps until exactly `wakeAt` on the test clock, then sets the
 * clock there, so the sleeper wakes at the time it asked for and no later.
 */
export const wakeAt = (time: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let turn = 0; turn < turns; turn++) {
      if (Chunk.some(yield* TestClock.sleeps(), (t) => t === time)) break
      yield* pause
    }
    yield* TestClock.setTime(time)
  })
