/**
 * Client-side rate limits: at most `limit` requests in any window of `intervalMs`, as the
 * provider counts them.
 *
 * A provider counts requests when they *arrive*, and a request arrives some time after the
 * client lets it go: after a connection is opened, a TLS handshake, a busy event loop. If
 * the client counted each request at the moment it let it go, the first burst of a run
 * (slow: it opens the connections) and the next one (fast: it reuses them) could arrive in
 * the same second and the provider would see up to twice the limit. So each key counts a
 * request as *in flight* from the moment it is let go until its response arrives, and from
 * then on at the time of its response, for one interval. A request may go when fewer than
 * `limit` requests are in flight or answered within the last interval. Every request
 * arrives between being let go and being answered, so no window of the provider's clock,
 * wherever it starts, holds more than the limit. A token bucket of capacity `limit` would
 * not: a full bucket spent at the end of one second and refilled during the next lets
 * nearly twice the limit through in the second that straddles them. The log costs at most
 * `limit` numbers per key.
 *
 * Providers also say when to stop altogether (`x-ratelimit-remaining: 0`, `Retry-After`):
 * {@link pauseFromHeaders} reads that, and {@link RateLimiterRegistry.pauseUntil} holds
 * every request on the key until then.
 *
 * @module
 */
import { Clock, Deferred, Effect, Exit, FiberId } from "effect"
import { identity } from "effect/Function"
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
   * interval does not limit. The request counts from the time it is let go; to count it
   * until its response arrives, use {@link RateLimiterRegistry.limited}.
   */
  readonly acquire: (limits: ReadonlyArray<RateLimit>) => Effect.Effect<void>
  /**
   * Runs `send` once every named limit allows one more request, waiting as `acquire` does,
   * and counts the request as in flight until `send` runs the `responded` it is given (when
   * the response arrives) or ends, whatever its outcome; from then on the request counts
   * at that time, for one more interval. The provider received the request between the two,
   * so no window at the provider holds more than the limit, however long connecting and
   * sending took. `responded` may run more than once; the first counts. Interrupting the
   * wait takes no slot.
   */
  readonly limited: <A, E, R>(
    limits: ReadonlyArray<RateLimit>,
    send: (responded: Effect.Effect<void>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
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
  // A client passes the same list of limits with every request: its entries are worked
  // out once per list.
  const entriesCache = new WeakMap<ReadonlyArray<RateLimit>, ReadonlyArray<Entry>>()
  const entriesOf = (limits: ReadonlyArray<RateLimit>) => {
    let entries = entriesCache.get(limits)
    if (entries === undefined) {
      entries = entriesFor(limits, windowFor)
      entriesCache.set(limits, entries)
    }
    return entries
  }
  return {
    acquire: (limits) => (limits.length === 0 ? Effect.void : admit(entriesOf(limits), identity)),
    limited: (limits, send) =>
      limits.length === 0 ? send(Effect.void) : admit(entriesOf(limits), send),
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

/**
 * The clock's time in milliseconds, to the microsecond: providers count arrivals in finer
 * time than whole milliseconds, and a request answered late in one millisecond and the
 * request let go a whole number of milliseconds later can be less than an interval apart.
 * Effect's clock measures this time with the process's monotonic clock, so a change of
 * the system time does not move it.
 */
const nowMs: Effect.Effect<number> = Effect.map(
  Clock.currentTimeNanos,
  (nanos) => Number(nanos) / 1e6
)

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
 * Lets the request go at once when nobody waits on its keys, none is paused and every
 * window has room: the common case, without a lock. Otherwise waits out the keys' pauses,
 * then, holding every key's lock (in key order, so two requests never wait on each
 * other), waits until every window has room and counts the request in all of them.
 * Pauses are waited out before the locks are taken, so a long pause on one key does not
 * hold up requests that share only another key with it.
 *
 * Only the waits can be interrupted: once the request is counted, `send` runs and the
 * request is released whatever happens, so no slot is ever lost.
 */
const admit = <A, E, R>(
  entries: ReadonlyArray<Entry>,
  send: (responded: Effect.Effect<void>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(nowMs, (now) => {
      let free = true
      for (const entry of entries) {
        const window = entry.window
        if (
          window.waiting > 0 ||
          window.pausedUntil !== 0 ||
          window.waitMs(now, entry.limit, entry.intervalMs) > 0
        ) {
          free = false
          break
        }
      }
      if (free) {
        const responded = letGo(entries)
        return Effect.ensuring(restore(send(responded)), responded)
      }

      const ticket: Ticket = { responded: undefined }
      return Effect.flatMap(
        Effect.onExit(restore(queued(entries, ticket)), (exit) =>
          Exit.isFailure(exit) && ticket.responded !== undefined ? ticket.responded : Effect.void
        ),
        (responded) => Effect.ensuring(restore(send(responded)), responded)
      )
    })
  )

/**
 * Where a waiting request puts its `responded` the moment it is counted, so that the
 * request is released even when it is interrupted before `send` could start.
 */
interface Ticket {
  responded: Effect.Effect<void> | undefined
}

/** The slow path of {@link admit}: in line behind the requests already waiting. */
const queued = (
  entries: ReadonlyArray<Entry>,
  ticket: Ticket
): Effect.Effect<Effect.Effect<void>> => {
  const locked = entries.reduceRight(
    (inner, entry) => entry.window.lock.withPermits(1)(inner),
    untilRoom(entries, ticket)
  )
  return Effect.acquireUseRelease(
    Effect.sync(() => {
      for (const entry of entries) entry.window.waiting++
    }),
    () => Effect.zipRight(untilUnpaused(entries), locked),
    () =>
      Effect.sync(() => {
        for (const entry of entries) entry.window.waiting--
      })
  )
}

/**
 * Sleeps until no key is paused, then forgets the pauses that are over, so that the keys'
 * requests take the fast path again. Pauses are epoch times from the provider's headers:
 * they are compared with the clock's epoch time. Ends: each turn sleeps until the latest
 * known pause.
 */
const untilUnpaused = (entries: ReadonlyArray<Entry>): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (epochMs) => {
    let waitMs = 0
    for (const entry of entries) waitMs = Math.max(waitMs, entry.window.pausedUntil - epochMs)
    if (waitMs > 0) return Effect.zipRight(Effect.sleep(waitMs), untilUnpaused(entries))
    for (const entry of entries) entry.window.pausedUntil = 0
    return Effect.void
  })

/**
 * Sleeps until every window has room, then counts the request in all of them. A window
 * whose every slot is in flight has room only after a response: then this waits for the
 * next release on it. Ends: the caller holds the keys' locks, so nobody else fills the
 * windows, and each turn sleeps until a time the windows named or a release.
 */
const untilRoom = (
  entries: ReadonlyArray<Entry>,
  ticket: Ticket
): Effect.Effect<Effect.Effect<void>> =>
  Effect.flatMap(Effect.zip(nowMs, Clock.currentTimeMillis), ([now, epochMs]) => {
    let waitMs = 0
    let full: KeyWindow | undefined
    for (const entry of entries) {
      // A pause may come while the request waits here.
      waitMs = Math.max(waitMs, entry.window.pausedUntil - epochMs)
      const ms = entry.window.waitMs(now, entry.limit, entry.intervalMs)
      if (ms === Number.POSITIVE_INFINITY) full = entry.window
      else waitMs = Math.max(waitMs, ms)
    }
    const again = Effect.suspend(() => untilRoom(entries, ticket))
    if (full !== undefined) return Effect.zipRight(full.nextRelease(), again)
    if (waitMs > 0) return Effect.zipRight(Effect.sleep(waitMs), again)
    ticket.responded = letGo(entries)
    return Effect.succeed(ticket.responded)
  })

/** Counts the request as in flight in every window; the effect that counts its response. */
const letGo = (entries: ReadonlyArray<Entry>): Effect.Effect<void> => {
  for (const entry of entries) entry.window.send(entry.limit)
  let released = false
  return Effect.flatMap(nowMs, (now) =>
    Effect.sync(() => {
      if (released) return
      released = true
      for (const entry of entries) entry.window.release(now, entry.limit)
    })
  )
}

/**
 * One key's log: how many of its requests are in flight, and a ring of the times of its
 * answered requests, oldest first, of which only those within the last interval count.
 * The ring grows on demand, so a generous limit costs memory only as it is used.
 */
class KeyWindow {
  /** Held while a request waits for room in this window, so waiters queue in order. */
  readonly lock = Effect.unsafeMakeSemaphore(1)
  /** Requests waiting for room, in {@link queued}; while any wait, none may pass them. */
  waiting = 0
  /** No acquisition before this epoch millisecond; 0 when the key is not paused. */
  pausedUntil = 0
  /** Requests let go and not yet answered. */
  private inFlight = 0
  private released: Deferred.Deferred<void> | undefined
  private times = new Float64Array(0)
  /** Index of the oldest time in the ring. */
  private oldest = 0
  private count = 0

  pause(untilEpochMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilEpochMs)
  }

  /**
   * Milliseconds from `now` until one more request fits in the window (pauses aside); 0
   * when it fits now; infinite when so many are in flight that only a response can make
   * room.
   */
  waitMs(now: number, limit: number, intervalMs: number): number {
    if (limit === Number.POSITIVE_INFINITY) return 0

    while (this.count > 0 && this.times[this.oldest]! + intervalMs <= now) this.forget()
    const over = this.inFlight + this.count - limit
    if (over < 0) return 0
    if (over >= this.count) return Number.POSITIVE_INFINITY
    // Room comes when the (over + 1) oldest answered requests leave the window.
    const freedAt = this.times[(this.oldest + over) % this.times.length]! + intervalMs
    return Math.max(0, freedAt - now)
  }

  send(limit: number): void {
    if (limit !== Number.POSITIVE_INFINITY) this.inFlight++
  }

  release(now: number, limit: number): void {
    if (limit === Number.POSITIVE_INFINITY) return

    this.inFlight--
    if (this.count === this.times.length) this.grow()
    this.times[(this.oldest + this.count) % this.times.length] = now
    this.count++
    const released = this.released
    if (released !== undefined) {
      this.released = undefined
      Deferred.unsafeDone(released, Exit.void)
    }
  }

  /** Completes at the next release in this window. */
  nextRelease(): Effect.Effect<void> {
    if (this.released === undefined) this.released = Deferred.unsafeMake<void>(FiberId.none)
    return Deferred.await(this.released)
  }

  /** Drops the oldest time. */
  private forget(): void {
    this.oldest = (this.oldest + 1) % this.times.length
    this.count--
  }

  /** Doubles the ring, keeping the times in order. */
  private grow(): void {
    const times = new Float64Array(Math.max(8, this.times.length * 2))
    for (let i = 0; i < this.count; i++) {
      times[i] = this.times[(this.oldest + i) % this.times.length]!
    }
    this.times = times
    this.oldest = 0
  }
}
