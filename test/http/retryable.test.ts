import { describe, expect, it } from "@effect/vitest"
import type { KernelError } from "../../src/http/errors.js"
import {
  AuthenticationError,
  ConflictError,
  DecodeError,
  NotFoundError,
  PaginationError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  TransportError,
  ValidationError
} from "../../src/http/errors.js"
import type { HttpMethod } from "../../src/http/request.js"
import { isRetryableFor } from "../../src/http/retry.js"

/**
 * Each error with the answer for an idempotent method and for a POST or PATCH without an
 * idempotency key. With a key, a POST or PATCH is answered like an idempotent method.
 */
const table: ReadonlyArray<{
  readonly name: string
  readonly error: KernelError
  readonly idempotent: boolean
  readonly unsafe: boolean
}> = [
  {
    name: "authentication refused",
    error: new AuthenticationError({ message: "Reconnect", status: 401 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "permission missing",
    error: new PermissionError({ message: "Grant the scope", status: 403 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "not found",
    error: new NotFoundError({ message: "Check the id", status: 404 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "conflict",
    error: new ConflictError({ message: "Reload it", status: 409 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "validation",
    error: new ValidationError({ message: "Fix the fields", status: 422, issues: [] }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "quota spent",
    error: new QuotaExceededError({ message: "Wait for tomorrow", status: 403 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "decode",
    error: new DecodeError({ message: "Bad JSON" }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "response too large",
    error: new ResponseTooLargeError({ message: "Raise the limit", limitBytes: 10 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "redirect loop",
    error: new RedirectError({ message: "Loop", reason: "Loop", redirects: 3 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "repeated cursor",
    error: new PaginationError({ message: "Cursor repeated", page: 2 }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "429 without Retry-After",
    error: new RateLimitError({ message: "Slow down", status: 429 }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "429 with Retry-After",
    error: new RateLimitError({ message: "Slow down", status: 429, retryAfterMs: 1000 }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "500",
    error: new ServerError({ message: "Failed", status: 500 }),
    idempotent: true,
    unsafe: false
  },
  {
    name: "502 with Retry-After",
    error: new ServerError({ message: "Bad gateway", status: 502, retryAfterMs: 1000 }),
    idempotent: true,
    unsafe: false
  },
  {
    name: "503 without Retry-After",
    error: new ServerError({ message: "Unavailable", status: 503 }),
    idempotent: true,
    unsafe: false
  },
  {
    name: "503 with Retry-After",
    error: new ServerError({ message: "Unavailable", status: 503, retryAfterMs: 1000 }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "connection refused",
    error: new TransportError({
      message: "Refused",
      reason: "ConnectionRefused",
      requestSent: false
    }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "DNS failure",
    error: new TransportError({
      message: "No such host",
      reason: "DnsFailure",
      requestSent: false
    }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "connection reset after sending",
    error: new TransportError({ message: "Reset", reason: "ConnectionReset", requestSent: true }),
    idempotent: true,
    unsafe: false
  },
  {
    name: "request body failed",
    error: new TransportError({ message: "File gone", reason: "RequestBody", requestSent: false }),
    idempotent: false,
    unsafe: false
  },
  {
    name: "connect timeout",
    error: new TimeoutError({
      message: "Connect timed out",
      phase: "connect",
      timeoutMs: 1000,
      requestSent: false
    }),
    idempotent: true,
    unsafe: true
  },
  {
    name: "headers timeout",
    error: new TimeoutError({
      message: "No response",
      phase: "headers",
      timeoutMs: 1000,
      requestSent: true
    }),
    idempotent: true,
    unsafe: false
  },
  {
    name: "body timeout",
    error: new TimeoutError({
      message: "Body stalled",
      phase: "body",
      timeoutMs: 1000,
      requestSent: true
    }),
    idempotent: true,
    unsafe: false
  }
]

const methods: ReadonlyArray<HttpMethod> = [
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "POST",
  "PATCH"
]

const cases = table.flatMap((row) =>
  methods.flatMap((method) =>
    [undefined, "step-42"].map((idempotencyKey) => {
      const safe = !(method === "POST" || method === "PATCH") || idempotencyKey !== undefined
      return { ...row, method, idempotencyKey, expected: safe ? row.idempotent : row.unsafe }
    })
  )
)

describe("isRetryableFor", () => {
  it.each(cases)(
    "$name, $method, idempotency key $idempotencyKey: $expected",
    ({ error, method, idempotencyKey, expected }) => {
      expect(isRetryableFor(error, { method, idempotencyKey })).toBe(expected)
    }
  )

  it("never resends an error that is not retryable, even with an idempotency key", () => {
    for (const { error } of table.filter((row) => !row.error.retryable)) {
      expect(isRetryableFor(error, { method: "GET", idempotencyKey: "k" })).toBe(false)
    }
  })
})
