/**
 * GitHub's documented limits that response headers do not announce, as client-side
 * limits: content creation (at most 80 requests that create content a minute and 500 an
 * hour) and search (30 requests a minute). The primary hourly limit needs no client
 * limit: GitHub reports it in `x-ratelimit-*` headers, and the kernel pauses the
 * credential when they say it is spent.
 *
 * @module
 */
import type { RateLimit } from "../../src/http/rateLimit.js"
import type { HttpRequest } from "../../src/http/request.js"

/** Requests that create content, per minute and per hour. */
export const contentCreationLimits = { perMinute: 80, perHour: 500 } as const

/** Search requests per minute. */
export const searchLimitPerMinute = 30

const writes = new Set(["POST", "PATCH", "PUT", "DELETE"])

/** Builds the limits function of one GitHub client; the limit lists are made once. */
export const githubRateLimits = (
  credentialKey: string
): ((request: HttpRequest) => ReadonlyArray<RateLimit>) => {
  const content: ReadonlyArray<RateLimit> = [
    {
      key: `github:${credentialKey}:content:minute`,
      limit: contentCreationLimits.perMinute,
      intervalMs: 60_000
    },
    {
      key: `github:${credentialKey}:content:hour`,
      limit: contentCreationLimits.perHour,
      intervalMs: 3_600_000
    }
  ]
  const search: ReadonlyArray<RateLimit> = [
    { key: `github:${credentialKey}:search`, limit: searchLimitPerMinute, intervalMs: 60_000 }
  ]
  const none: ReadonlyArray<RateLimit> = []
  return (request) =>
    writes.has(request.method) ? content : request.url.includes("/search/") ? search : none
}
