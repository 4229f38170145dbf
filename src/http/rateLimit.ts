/**
 * Client-side rate limits: at most `limit` requests in any window of `intervalMs`.
 *
 * @module
 */

/** One limit, shared by every request that names the same key within a run. */
export interface RateLimit {
  /** What the limit counts, for example `slack:cred-1` or `slack:cred-1:chat.postMessage`. */
  readonly key: string
  /** Requests allowed in any window of `intervalMs`. */
  readonly limit: number
  readonly intervalMs: number
}
