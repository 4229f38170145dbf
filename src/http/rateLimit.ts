/**
 * Client-side rate limits: at most `limit` requests in any window of `intervalMs`.
 *
 * Each key (an integration and credential, or a narrower scope such as one method) keeps
 * a sliding-window log: the times of its last `limit` acquisitions. A request may go when
 * the oldest of them is at least `intervalMs` old, which holds the limit in every window,
 * wherever it starts. A token bucket of capacity `limit` would not: a full bucket spent
 * at the end of one second and refilled during the next lets nearly twice the limit
 * through in the second that straddles them, and providers count in exactly such
 * windows. The log costs `limit` numbers per key.
 *
 * Providers also say when to stop altogether (`x-ratelimit-remaining: 0`, `Retry-After`):
 * {@link pauseFromHeaders} reads that, and {@link RateLimiterRegistry.pauseUntil} holds
 * every request on the key until then.
 *
 * @module
 */
import { Clock, Effect } from "effect"
import { parseRetryAfter } from "./retry.js"

/** One limit, shared by every request that names the same key within a run. */
export interface RateLimit {
  /** What the limit counts, for example `slack:cred-1` or `slack:cred-1:chat.postMessage`. */
  readonly key: string
  /** Requests allowed in any window of `intervalMs`. */
  readonly limit: number
  readonly intervalMs: number
}

/**
 * The rate limiters of a run, one per key, created when a key is first named and shared by
 * every node and client of the run that names it.
 */
export interface RateLimiterRegistry {
  /**
   * Waits until every named limit allows one more request, then counts the request in all
   * of them at the same instant: no key holds a slot while the request waits for another.
   * Waiting requests are served about first come, first served; a key named twice counts
   * once, with its first limit. Limits below 1 are taken as 1; a limit with no positive
   * interval does not limit.
   */
  readonly acquire: (limits: ReadonlyArray<RateLimit>) => Effect.Effect<void>
  /**
   * Lets no request on `key` go before `untilEpochMs`, for example after the provider
   * said the quota is spent until a reset time. Of two pauses the later one wins.
   */
  readonly pauseUntil: (key: string, untilEpochMs: number) => Effect.Effect<void>
}

/** Makes an empty registry; a run makes one and shares it with all its clients. */
export const makeRateLimiters: Effect.Effect<RateLimiterRegistry> = Effect.sync(() => {
  const windows = new Map<string, KeyWindow>()
  const windowFor = (key: string) => {
    let window = windows.get(key)
    if (window === undefined) {
      window = new KeyWindow()
      windows.set(key, window)
    }
    return window
  }

  return {
    acquire: (limits) =>
      limits.length === 0
        ? Effect.void
        : Effect.suspend(() => admit(entriesFor(limits, windowFor))),
    pauseUntil: (key, untilEpochMs) =>
      Effect.sync(() => {
        if (Number.isFinite(untilEpochMs)) windowFor(key).pause(untilEpochMs)
      })
  }
})

/**
 * When a response says to stop sending for a while, the epoch milliseconds to pause the
 * credential's rate limit until; otherwise `undefined`.
 *
 * Reads `x-ratelimit-remaining: 0` (or `ratelimit-remaining: 0`) with the matching
 * `x-ratelimit-reset` / `ratelimit-reset` (a value above 10^9 is epoch seconds, as GitHub
 * sends; a smaller one is seconds from now), and a `Retry-After` on a 429 or 503. When
 * both are present, the later time wins. Header names must be lower case.
 */
export const pauseFromHeaders = (
  status: number,
  headers: Readonly<Record<string, string>>,
  nowMs: number
): number | undefined => {
  const untilReset = resetTime(headers, nowMs)
  const retryAfter =
    status === 429 || status === 503 ? parseRetryAfter(headers["retry-after"], nowMs) : undefined
  const untilRetry = retryAfter === undefined ? undefined : nowMs + retryAfter

  const until = Math.max(
    untilReset ?? Number.NEGATIVE_INFINITY,
    untilRetry ?? Number.NEGATIVE_INFINITY
  )
  return until > nowMs ? until : undefined
}

/** Reset headers above this are epoch seconds (year 2001 on); below, seconds from now. */
const epochSecondsThreshold = 1e9

const resetTime = (
  headers: Readonly<Record<string, string>>,
  nowMs: number
): number | undefined => {
  for (const prefix of ["x-ratelimit-", "ratelimit-"]) {
    if (numberIn(headers[`${prefix}remaining`]) !== 0) continue

    const reset = numberIn(headers[`${prefix}reset`])
    if (!(reset >= 0)) continue
    return reset > epochSecondsThreshold ? reset * 1000 : nowMs + reset * 1000
  }
  return undefined
}

/** The number a header holds, or `NaN` when it is missing or holds something else. */
const numberIn = (value: string | undefined): number =>
  value === undefined || value.trim() === "" ? Number.NaN : Number(value)

/** A limit of one acquire call, with the window of its key. */
interface Entry {
  readonly key: string
  readonly window: KeyWindow
  readonly limit: number
  readonly intervalMs: number
}

/** The distinct keys of `limits`, sorted so that locks are always taken in one order. */
const entriesFor = (
  limits: ReadonlyArray<RateLimit>,
  windowFor: (key: string) => KeyWindow
): ReadonlyArray<Entry> => {
  if (limits.length === 1) return [entryFor(limits[0]!, windowFor)]

  const entries = new Map<string, Entry>()
  for (const limit of limits) {
    if (!entries.has(limit.key)) entries.set(limit.key, entryFor(limit, windowFor))
  }
  return [...entries.values()].sort((a, b) => (a.key < b.key ? -1 : 1))
}

/** A limit with its key's window; a limit with no positive interval does not limit. */
const entryFor = (
  { key, limit, intervalMs }: RateLimit,
  windowFor: (key: string) => KeyWindow
): Entry => {
  const bounded = Number.isFinite(intervalMs) && intervalMs > 0 && Number.isFinite(limit)
  return {
    key,
    window: windowFor(key),
    limit: bounded ? Math.max(1, Math.floor(limit)) : Number.POSITIVE_INFINITY,
    intervalMs: bounded ? intervalMs : 0
  }
}

/**
 * Waits out the keys' pauses, then, holding every key's lock (in key order, so two
 * requests never wait on each other), waits until every window has room and records
 * the request in all of them. Pauses are waited out before the locks are taken, so a
 * long pause on one key does not hold up requests that share only another key with it.
 */
const admit = (entries: ReadonlyArray<Entry>): Effect.Effect<void> => {
  const admitted = entries.reduceRight(
    (inner, entry) => entry.window.lock.withPermits(1)(inner),
    untilRoom(entries)
  )
  return Effect.zipRight(untilUnpaused(entries), admitted)
}

/** Sleeps until no key is paused. Ends: each turn sleeps until the latest known pause. */
const untilUnpaused = (entries: ReadonlyArray<Entry>): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    let waitMs = 0
    for (const entry of entries) waitMs = Math.max(waitMs, entry.window.pausedUntil - now)
    return waitMs > 0 ? Effect.zipRight(Effect.sleep(waitMs), untilUnpaused(entries)) : Effect.void
  })

/**
 * Sleeps until every window has room, then records the request in all of them. Ends:
 * the caller holds the keys' locks, so nobody else fills the windows, and each turn
 * sleeps until the latest of the times the windows named.
 */
const untilRoom = (entries: ReadonlyArray<Entry>): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    let waitMs = 0
    for (const entry of entries) {
      waitMs = Math.max(waitMs, entry.window.waitMs(now, entry.limit, entry.intervalMs))
    }
    if (waitMs > 0) return Effect.zipRight(Effect.sleep(waitMs), untilRoom(entries))

    for (const entry of entries) entry.window.record(now, entry.limit)
    return Effect.void
  })

/**
 * One key's sliding-window log: a ring of its last `limit` acquisition times, grown on
 * demand so that a generous limit costs memory only as it is used.
 */
class KeyWindow {
  /** Held while a request waits for room in this window, so waiters queue in order. */
  readonly lock = Effect.unsafeMakeSemaphore(1)
  /** No acquisition before this epoch millisecond. */
  pausedUntil = 0
  private times = new Float64Array(0)
  /** Index of the oldest time in the ring. */
  private oldest = 0
  private count = 0

  pause(untilEpochMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilEpochMs)
  }

  /** Milliseconds from `now` until one more acquisition fits; 0 when it fits now. */
  waitMs(now: number, limit: number, intervalMs: number): number {
    const pausedMs = this.pausedUntil - now
    if (limit === Number.POSITIVE_INFINITY) return Math.max(0, pausedMs)

    this.forget(this.count - limit)
    const fullMs = this.count < limit ? 0 : this.times[this.oldest]! + intervalMs - now
    return Math.max(0, pausedMs, fullMs)
  }

  record(now: number, limit: number): void {
    if (limit === Number.POSITIVE_INFINITY) return

    this.forget(this.count - limit + 1)
    if (this.count === this.times.length) this.grow(limit)
    this.times[(this.oldest + this.count) % this.times.length] = now
    this.count++
  }

  /** Drops the `n` oldest times, if there are that many. */
  private forget(n: number): void {
    if (n <= 0) return
    this.oldest = (this.oldest + n) % this.times.length
    this.count -= n
  }

  /** Doubles the ring, up to `limit` times, keeping the times in order. */
  private grow(limit: number): void {
    const times = new Float64Array(Math.min(limit, Math.max(8, this.times.length * 2)))
    for (let i = 0; i < this.count; i++) {
      times[i] = this.times[(this.oldest + i) % this.times.length]!
    }
    this.times = times
    this.oldest = 0
  }
}
