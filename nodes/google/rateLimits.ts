/**
 * Google's published per-user quotas, as the kernel's client-side rate limits.
 *
 * Sheets allows 60 read and 60 write requests per minute per user; Drive 12,000 queries
 * per minute per user and about 3 sustained writes a second; Gmail 15,000 quota units per
 * minute per user, where sending costs 100 units and reading or changing a message 5.
 * Limits are keyed by credential, so every step of a run with the same Google account
 * shares them. Each can be changed with an environment variable (a project with a raised
 * quota, or a shared account that must stay well below it).
 *
 * @module
 */
import { Config, Effect } from "effect"
import type { RateLimit } from "../../src/http/rateLimit.js"
import type { HttpRequest } from "../../src/http/request.js"

/** The per-user quotas the Google clients pace themselves to. */
export interface GoogleQuotas {
  /** Sheets read requests per minute per user (`RPA_GOOGLE_SHEETS_READS_PER_MINUTE`). */
  readonly sheetsReadsPerMinute: number
  /** Sheets write requests per minute per user (`RPA_GOOGLE_SHEETS_WRITES_PER_MINUTE`). */
  readonly sheetsWritesPerMinute: number
  /** Drive queries per minute per user (`RPA_GOOGLE_DRIVE_QUERIES_PER_MINUTE`). */
  readonly driveQueriesPerMinute: number
  /** Drive writes per second per user (`RPA_GOOGLE_DRIVE_WRITES_PER_SECOND`). */
  readonly driveWritesPerSecond: number
  /** Gmail quota units per minute per user (`RPA_GOOGLE_GMAIL_UNITS_PER_MINUTE`). */
  readonly gmailUnitsPerMinute: number
}

/** Google's published defaults. */
export const defaultGoogleQuotas: GoogleQuotas = {
  sheetsReadsPerMinute: 60,
  sheetsWritesPerMinute: 60,
  driveQueriesPerMinute: 12_000,
  driveWritesPerSecond: 3,
  gmailUnitsPerMinute: 15_000
}

/** Gmail's cost in quota units of the calls the nodes make. */
export const gmailUnits = { send: 100, other: 5 } as const

/**
 * The quotas from the environment, each falling back to Google's default. A value that is
 * not a positive whole number is reported in the log and the default is used.
 */
export const googleQuotas: Effect.Effect<GoogleQuotas> = Effect.gen(function* () {
  const read = (name: string, fallback: number) =>
    Config.integer(name).pipe(
      Config.withDefault(fallback),
      Config.validate({ message: "a positive whole number", validation: (n) => n > 0 })
    )
  return yield* Config.all({
    sheetsReadsPerMinute: read("RPA_GOOGLE_SHEETS_READS_PER_MINUTE", 60),
    sheetsWritesPerMinute: read("RPA_GOOGLE_SHEETS_WRITES_PER_MINUTE", 60),
    driveQueriesPerMinute: read("RPA_GOOGLE_DRIVE_QUERIES_PER_MINUTE", 12_000),
    driveWritesPerSecond: read("RPA_GOOGLE_DRIVE_WRITES_PER_SECOND", 3),
    gmailUnitsPerMinute: read("RPA_GOOGLE_GMAIL_UNITS_PER_MINUTE", 15_000)
  }).pipe(
    Effect.catchAll((error) =>
      Effect.as(
        Effect.logWarning("A Google quota setting is not valid; using Google's defaults").pipe(
          Effect.annotateLogs({ integration: "google", problem: String(error) })
        ),
        defaultGoogleQuotas
      )
    )
  )
})

const minute = 60_000

/** Sheets: reads (GET) and writes (everything else) per minute, per credential. */
export const sheetsRateLimits = (
  credentialKey: string,
  quotas: GoogleQuotas
): ((request: HttpRequest) => ReadonlyArray<RateLimit>) => {
  const reads = [
    {
      key: `googleSheets:${credentialKey}:read`,
      limit: quotas.sheetsReadsPerMinute,
      intervalMs: minute
    }
  ]
  const writes = [
    {
      key: `googleSheets:${credentialKey}:write`,
      limit: quotas.sheetsWritesPerMinute,
      intervalMs: minute
    }
  ]
  return (request) => (request.method === "GET" ? reads : writes)
}

/**
 * Drive: every request counts as a query; a write (a change that is not a chunk of a
 * resumable upload already under way) also counts against the sustained write rate.
 */
export const driveRateLimits = (
  credentialKey: string,
  quotas: GoogleQuotas
): ((request: HttpRequest) => ReadonlyArray<RateLimit>) => {
  const query = {
    key: `googleDrive:${credentialKey}:queries`,
    limit: quotas.driveQueriesPerMinute,
    intervalMs: minute
  }
  const write = {
    key: `googleDrive:${credentialKey}:writes`,
    limit: quotas.driveWritesPerSecond,
    intervalMs: 1_000
  }
  const reads = [query]
  const writes = [query, write]
  return (request) =>
    request.method === "GET" || request.url.includes("upload_id=") ? reads : writes
}

/**
 * Gmail: the units per minute shared out between sending (100 units each) and everything
 * else (5 units each), since a limiter counts requests, not units.
 */
export const gmailRateLimits = (
  credentialKey: string,
  quotas: GoogleQuotas
): ((request: HttpRequest) => ReadonlyArray<RateLimit>) => {
  const per = (units: number) => Math.max(1, Math.floor(quotas.gmailUnitsPerMinute / units))
  const send = [
    { key: `gmail:${credentialKey}:send`, limit: per(gmailUnits.send), intervalMs: minute }
  ]
  const other = [
    { key: `gmail:${credentialKey}:units`, limit: per(gmailUnits.other), intervalMs: minute }
  ]
  return (request) => (/\/messages\/send(?:\?|$)/.test(request.url) ? send : other)
}
