/**
 * Retry policy: how often, how long, and when a failed attempt is sent again.
 *
 * A request's attempts are driven by a `Schedule` whose input is the error of the attempt
 * that just failed. It stops when the policy's attempts are spent, when the error cannot
 * be helped by trying again (or the request is not safe to send twice), when the client's
 * retry budget refuses, or when the next wait would pass the policy's total time budget.
 * Otherwise it waits exactly as long as the provider asked (`Retry-After`), or an
 * exponential backoff with full jitter. Waiting and jitter run on Effect's `Clock` and
 * `Random`, so `TestClock` and a seeded `Random` make every delay exact in tests.
 *
 * Retries spend the client's retry budget (see `retryBudget.ts`) and successful requests
 * refund it; {@link withRetry} does both, so callers need not.
 *
 * @module
 */
import { Effect, Random, Schedule, ScheduleDecision, ScheduleInterval } from "effect"
import type { KernelError } from "./errors.js"
import { RateLimitError } from "./errors.js"
import type { HttpMethod } from "./request.js"
import type { RetryBudget } from "./retryBudget.js"

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

/** What {@link withRetry} and {@link retrySchedule} need besides the policy. */
export interface RetryOptions {
  /** Whether an attempt that failed with this error may be sent again. */
  readonly isRetryable: (error: KernelError) => boolean
  /** The client's retry budget; without one, retries are limited by the policy only. */
  readonly budget?: RetryBudget | undefined
  /**
   * Runs before each wait, for example to log "retrying in 400 ms". `retry` counts the
   * retries from 1, so it is also the number of the attempt that failed.
   */
  readonly onRetry?:
    | ((error: KernelError, delayMs: number, retry: number) => Effect.Effect<void>)
    | undefined
}

/** Why a request's attempts ended with a failure. */
export type RetryStopReason =
  /** The policy's `maxAttempts` were all made. */
  | "AttemptsExhausted"
  /** The error cannot be helped by trying again, or the request is not safe to resend. */
  | "NotRetryable"
  /** The client's retry budget is empty: too many recent calls failed. */
  | "BudgetRefused"
  /** The next wait would pass the policy's total time budget. */
  | "TimeBudgetExceeded"

/** What the retry schedule decided after a failed attempt. */
export type RetryDecision =
  | {
      readonly _tag: "Retry"
      /** Number of this retry, from 1; also the number of the attempt that failed. */
      readonly retry: number
      readonly delayMs: number
    }
  | {
      readonly _tag: "Stop"
      readonly reason: RetryStopReason
      /** Number of the attempt that failed last. */
      readonly attempt: number
      /** The wait the next retry would have needed; set for `TimeBudgetExceeded`. */
      readonly delayMs?: number | undefined
      /** Total time already spent waiting between attempts. */
      readonly waitedMs: number
    }

/**
 * Applies a request's or integration's overrides to a client's policy. `false` means
 * "send exactly once". Fields left `undefined` keep the base value; counts and waits are
 * kept in range (at least one attempt, no negative waits).
 */
export const resolveRetryPolicy = (
  base: RetryPolicy,
  override?: Partial<RetryPolicy> | false
): RetryPolicy => {
  if (override === false) return { ...base, maxAttempts: 1 }
  if (override === undefined) return base

  return {
    maxAttempts: Math.max(1, Math.floor(override.maxAttempts ?? base.maxAttempts) || 1),
    baseDelayMs: Math.max(0, override.baseDelayMs ?? base.baseDelayMs),
    maxDelayMs: Math.max(0, override.maxDelayMs ?? base.maxDelayMs),
    budgetMs: Math.max(0, override.budgetMs ?? base.budgetMs),
    jitter: override.jitter ?? base.jitter
  }
}

/** Methods that do the same thing when sent twice (RFC 9110, section 9.2.2). */
const idempotentMethods: ReadonlySet<HttpMethod> = new Set([
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS"
])

/**
 * Whether a request that failed with `error` may be sent again.
 *
 * Only retryable errors are. GET, HEAD, PUT, DELETE and OPTIONS may always be resent.
 * POST and PATCH may act twice, so they are resent only when the server cannot have
 * acted: the connection failed or timed out before the request was sent, the provider
 * throttled it (429), or it answered 503 with a `Retry-After`. A request that carries an
 * idempotency key is safe to resend after any retryable error.
 */
export const isRetryableFor = (
  error: KernelError,
  request: { readonly method: HttpMethod; readonly idempotencyKey?: string | undefined }
): boolean => {
  if (!error.retryable) return false
  if (idempotentMethods.has(request.method)) return true
  if (request.idempotencyKey !== undefined && request.idempotencyKey !== "") return true

  switch (error._tag) {
    case "TransportError":
    case "TimeoutError":
      return !error.requestSent
    case "RateLimitError":
      return true
    case "ServerError":
      return error.status === 503 && error.retryAfterMs !== undefined
    default:
      return false
  }
}

/**
 * Reads a `Retry-After` header: a number of seconds, or an HTTP date (RFC 9110, section
 * 10.2.3). Returns how many milliseconds to wait from `nowMs`, never negative (a date in
 * the past means "now"), or `undefined` when the header is missing or not readable.
 */
export const parseRetryAfter = (value: string | undefined, nowMs: number): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()

  if (delaySeconds.test(text)) return Math.ceil(Number(text) * 1000)

  const date = parseHttpDate(text, nowMs)
  return date === undefined ? undefined : Math.max(0, date - nowMs)
}

/**
 * The schedule {@link withRetry} drives a request's attempts with. Its input is the error
 * of the attempt that just failed; its output is the decision taken, so a caller can tell
 * why the attempts ended. It runs `onRetry` and takes from the retry budget only when it
 * decides to retry, and it never waits past the policy's total time budget.
 */
export const retrySchedule = (
  policy: RetryPolicy,
  options: RetryOptions
): Schedule.Schedule<RetryDecision, KernelError> =>
  Schedule.makeWithState<RetryState, KernelError, RetryDecision>(
    { retries: 0, waitedMs: 0 },
    (now, error, state) =>
      Effect.map(nextStep(policy, options, error, state), ([next, decision]) => [
        next,
        decision,
        decision._tag === "Retry"
          ? ScheduleDecision.continueWith(ScheduleInterval.after(now + decision.delayMs))
          : ScheduleDecision.done
      ])
  )

/**
 * Runs `attempt(1)`, and after each failure asks the retry schedule whether and when to
 * run the next attempt, passing its number. A successful request refunds the retry
 * budget.
 *
 * When the attempts end, the failure is the last attempt's error, unchanged. One case
 * differs: when the provider throttled the request and the wait it needs would pass the
 * total time budget, the request fails at once, without waiting, with a `RateLimitError`
 * that carries the wait in `retryAfterMs`, so the step can be run again later.
 */
export const withRetry = <A, R>(
  attempt: (n: number) => Effect.Effect<A, KernelError, R>,
  policy: RetryPolicy,
  options: RetryOptions
): Effect.Effect<A, KernelError, R> => {
  const refund = options.budget?.onSuccess
  const succeeded = <E>(effect: Effect.Effect<A, E, R>) =>
    refund === undefined ? effect : Effect.tap(effect, () => refund)

  if (policy.maxAttempts <= 1) return succeeded(Effect.suspend(() => attempt(1)))

  const schedule = retrySchedule(policy, options)
  return Effect.suspend(() => {
    let attempts = 0
    const next = Effect.suspend(() => attempt(++attempts))
    return succeeded(
      Effect.retryOrElse(next, schedule, (error, decision) =>
        Effect.fail(finalError(error, decision, policy))
      )
    )
  })
}

interface RetryState {
  /** Retries decided so far; the attempt that just failed has number `retries + 1`. */
  readonly retries: number
  /** Total of the waits decided so far. */
  readonly waitedMs: number
}

/** Decides what follows the failure of attempt `state.retries + 1`. */
const nextStep = (
  policy: RetryPolicy,
  options: RetryOptions,
  error: KernelError,
  state: RetryState
): Effect.Effect<readonly [RetryState, RetryDecision]> => {
  const attempt = state.retries + 1
  const stop = (
    reason: RetryStopReason,
    delayMs?: number
  ): Effect.Effect<readonly [RetryState, RetryDecision]> =>
    Effect.succeed([state, { _tag: "Stop", reason, attempt, delayMs, waitedMs: state.waitedMs }])

  if (attempt >= policy.maxAttempts) return stop("AttemptsExhausted")
  if (!options.isRetryable(error)) return stop("NotRetryable")

  return Effect.flatMap(delayFor(policy, error, attempt), (delayMs) => {
    if (state.waitedMs + delayMs > policy.budgetMs) return stop("TimeBudgetExceeded", delayMs)

    const acquired =
      options.budget === undefined ? Effect.succeed(true) : options.budget.tryAcquire(error)
    return Effect.flatMap(acquired, (ok) => {
      if (!ok) return stop("BudgetRefused")

      const decision: RetryDecision = { _tag: "Retry", retry: attempt, delayMs }
      const next: RetryState = { retries: attempt, waitedMs: state.waitedMs + delayMs }
      return Effect.as(announce(options, error, decision), [next, decision] as const)
    })
  })
}

/** The wait before retry `retry`: what the provider asked for, else a jittered backoff. */
const delayFor = (
  policy: RetryPolicy,
  error: KernelError,
  retry: number
): Effect.Effect<number> => {
  const asked = retryAfterOf(error)
  if (asked !== undefined) return Effect.succeed(Math.max(0, asked))

  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  return policy.jitter === "full"
    ? Random.nextIntBetween(0, Math.floor(backoff) + 1)
    : Effect.succeed(backoff)
}

/** Runs `onRetry` and logs the retry; the log holds the error's tag and status only. */
const announce = (
  options: RetryOptions,
  error: KernelError,
  decision: Extract<RetryDecision, { _tag: "Retry" }>
): Effect.Effect<void> =>
  Effect.zipRight(
    Effect.logDebug(`retrying in ${decision.delayMs} ms`).pipe(
      Effect.annotateLogs({
        retry: decision.retry,
        delayMs: decision.delayMs,
        error: error._tag,
        status: error.status
      })
    ),
    options.onRetry === undefined
      ? Effect.void
      : options.onRetry(error, decision.delayMs, decision.retry)
  )

/** The error a request ends with when its attempts stop after `error`. */
const finalError = (
  error: KernelError,
  decision: RetryDecision,
  policy: RetryPolicy
): KernelError => {
  if (decision._tag !== "Stop" || decision.reason !== "TimeBudgetExceeded") return error

  const asked = retryAfterOf(error)
  if (error._tag !== "RateLimitError" && asked === undefined) return error

  const waitMs = decision.delayMs ?? asked ?? 0
  const wait =
    asked === undefined
      ? `The provider is throttling requests and the next retry would wait ${formatWait(waitMs)}`
      : `The provider asked to wait ${formatWait(waitMs)}`
  const budget = `the retry budget of ${formatWait(policy.budgetMs)}`
  const left =
    decision.waitedMs === 0
      ? budget
      : `the ${formatWait(policy.budgetMs - decision.waitedMs)} left of ${budget}`

  return new RateLimitError({
    integration: error.integration,
    method: error.method,
    url: error.url,
    status: error.status,
    requestId: error.requestId,
    retryAfterMs: waitMs,
    message: `${wait}, more than ${left} allows; run the step later or raise the retry budget`
  })
}

/** `250 ms`, `1.5 s`, `90 s`. */
const formatWait = (ms: number) =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`

const retryAfterOf = (error: KernelError): number | undefined =>
  "retryAfterMs" in error ? error.retryAfterMs : undefined

/** `delay-seconds`; a fraction is accepted, as some providers send one. */
const delaySeconds = /^\d+(?:\.\d+)?$/

const time = String.raw`(?<hours>\d{2}):(?<minutes>\d{2}):(?<seconds>\d{2})`

/**
 * The three forms of an HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT` (the one senders
 * should use), and the obsolete `Sunday, 06-Nov-94 08:49:37 GMT` and
 * `Sun Nov  6 08:49:37 1994`. The weekday is not checked.
 */
const httpDateForms = [
  String.raw`^[a-z]{3}, (?<day>\d{2}) (?<month>[a-z]{3}) (?<year>\d{4}) ${time} gmt$`,
  String.raw`^[a-z]{6,9}, (?<day>\d{2})-(?<month>[a-z]{3})-(?<shortYear>\d{2}) ${time} gmt$`,
  String.raw`^[a-z]{3} (?<month>[a-z]{3}) (?<day>[ \d]\d) ${time} (?<year>\d{4})$`
].map((form) => new RegExp(form, "i"))

const monthNames = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ")

/** Epoch milliseconds of an HTTP date, or `undefined` when it is not one. */
const parseHttpDate = (text: string, nowMs: number): number | undefined => {
  const parts = httpDateForms.map((form) => form.exec(text)?.groups).find(Boolean)
  if (parts === undefined) return undefined

  const year =
    parts.year === undefined ? fullYear(Number(parts.shortYear), nowMs) : Number(parts.year)
  const month = monthNames.indexOf(parts.month?.toLowerCase() ?? "")
  const [day, hours, minutes, seconds] = [parts.day, parts.hours, parts.minutes, parts.seconds].map(
    Number
  )
  const ms = Date.UTC(year, month, day!, hours!, minutes!, seconds!)

  const date = new Date(ms)
  const exists =
    month >= 0 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month &&
    date.getUTCDate() === day &&
    hours! < 24 &&
    minutes! < 60 &&
    seconds! < 61
  return exists ? ms : undefined
}

/** A two-digit year more than 50 years ahead is taken as the past (RFC 9110). */
const fullYear = (twoDigits: number, nowMs: number) => {
  const thisYear = new Date(nowMs).getUTCFullYear()
  const year = thisYear - (thisYear % 100) + twoDigits
  return year > thisYear + 50 ? year - 100 : year
}
