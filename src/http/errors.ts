/**
 * The typed errors every integration call can fail with.
 *
 * Each error says whether trying again could help (`retryable`), and carries what a
 * caller needs to decide: the HTTP `status`, how long the provider asked us to wait
 * (`retryAfterMs`), the provider's `requestId` for support tickets, the `integration`
 * and the masked `url`. Messages say what to do, not only what failed.
 *
 * @module
 */
import { Data } from "effect"

/** Where a failed call was going; every field is safe to log (URLs are masked). */
export interface ErrorContext {
  /** Integration that made the call, for example `slack`. */
  readonly integration?: string | undefined
  /** HTTP method of the request. */
  readonly method?: string | undefined
  /** Request URL with secret query values and path tokens masked. */
  readonly url?: string | undefined
  /** HTTP status of the response, when one arrived. */
  readonly status?: number | undefined
  /** Provider's request id (for example `x-request-id`), for support tickets. */
  readonly requestId?: string | undefined
}

/** One field the provider or our schema rejected, with the reason. */
export interface FieldIssue {
  /** Dotted path of the field, for example `body.email` or `steps[0].input.url`. */
  readonly path: string
  /** What is wrong with it, in words a workflow author understands. */
  readonly message: string
}

/** A node's input failed its schema; nothing was sent. Fix the named fields. */
export class InputError extends Data.TaggedError("InputError")<{
  readonly message: string
  readonly issues: ReadonlyArray<FieldIssue>
}> {
  readonly retryable = false
}

/** The credential was refused (401, revoked or expired token). Reconnect or fix it. */
export class AuthenticationError extends Data.TaggedError("AuthenticationError")<
  ErrorContext & {
    readonly message: string
    /** Credential id the step used, when known. */
    readonly credential?: string | undefined
    /** True when only a new login (not a retry or refresh) can fix this. */
    readonly reconnect?: boolean | undefined
  }
> {
  readonly retryable = false
}

/** The credential is valid but lacks a permission or scope for this operation. */
export class PermissionError extends Data.TaggedError("PermissionError")<
  ErrorContext & {
    readonly message: string
    /** Scope the provider says is missing, when it says. */
    readonly missingScope?: string | undefined
  }
> {
  readonly retryable = false
}

/** The resource does not exist, or the credential cannot see it. */
export class NotFoundError extends Data.TaggedError("NotFoundError")<
  ErrorContext & { readonly message: string }
> {
  readonly retryable = false
}

/** The request conflicts with the resource's current state (409, 412, stale sha). */
export class ConflictError extends Data.TaggedError("ConflictError")<
  ErrorContext & { readonly message: string }
> {
  readonly retryable = false
}

/** The provider rejected the request's content (400, 422), with per-field details. */
export class ValidationError extends Data.TaggedError("ValidationError")<
  ErrorContext & {
    readonly message: string
    readonly issues: ReadonlyArray<FieldIssue>
  }
> {
  readonly retryable = false
}

/** The provider is throttling us (429 or a provider-specific signal); wait and retry. */
export class RateLimitError extends Data.TaggedError("RateLimitError")<
  ErrorContext & {
    readonly message: string
    /** How long the provider asked us to wait, in milliseconds, when it said. */
    readonly retryAfterMs?: number | undefined
  }
> {
  readonly retryable = true
}

/** A daily or account quota is spent; retrying now cannot succeed. */
export class QuotaExceededError extends Data.TaggedError("QuotaExceededError")<
  ErrorContext & {
    readonly message: string
    readonly retryAfterMs?: number | undefined
  }
> {
  readonly retryable = false
}

/** The provider failed (5xx); usually transient. */
export class ServerError extends Data.TaggedError("ServerError")<
  ErrorContext & {
    readonly message: string
    readonly retryAfterMs?: number | undefined
  }
> {
  readonly retryable = true
}

/** Why a connection-level failure happened. */
export type TransportReason =
  | "ConnectionRefused"
  | "ConnectionReset"
  | "DnsFailure"
  | "TlsFailure"
  | "SocketError"
  | "Aborted"
  | "RequestBody"
  | "NotAllowed"

/**
 * The connection failed before a complete response arrived.
 *
 * `requestSent` tells whether the server may have received the request: when it is true
 * for a non-idempotent request the outcome is unknown, and the kernel does not retry.
 */
export class TransportError extends Data.TaggedError("TransportError")<
  ErrorContext & {
    readonly message: string
    readonly reason: TransportReason
    /** True when the request (or part of it) reached the server before the failure. */
    readonly requestSent: boolean
  }
> {
  get retryable(): boolean {
    return this.reason !== "RequestBody" && this.reason !== "NotAllowed"
  }
}

/** Which deadline ran out. */
export type TimeoutPhase = "connect" | "headers" | "body" | "total"

/** A deadline ran out: connecting, waiting for headers, between body chunks, or in total. */
export class TimeoutError extends Data.TaggedError("TimeoutError")<
  ErrorContext & {
    readonly message: string
    readonly phase: TimeoutPhase
    readonly timeoutMs: number
    /** True when the server may have received the request before the deadline. */
    readonly requestSent: boolean
  }
> {
  readonly retryable = true
}

/** The response body was not what the operation expects (bad JSON, schema mismatch). */
export class DecodeError extends Data.TaggedError("DecodeError")<
  ErrorContext & {
    readonly message: string
    readonly issues?: ReadonlyArray<FieldIssue> | undefined
  }
> {
  readonly retryable = false
}

/** The response body is larger than the configured limit; it was not read into memory. */
export class ResponseTooLargeError extends Data.TaggedError("ResponseTooLargeError")<
  ErrorContext & {
    readonly message: string
    readonly limitBytes: number
  }
> {
  readonly retryable = false
}

/** Redirects looped, went past the limit, or pointed nowhere valid. */
export class RedirectError extends Data.TaggedError("RedirectError")<
  ErrorContext & {
    readonly message: string
    readonly reason: "Loop" | "TooMany" | "InvalidLocation"
    readonly redirects: number
  }
> {
  readonly retryable = false
}

/** Pagination could not continue: the provider repeated a cursor or next URL. */
export class PaginationError extends Data.TaggedError("PaginationError")<
  ErrorContext & {
    readonly message: string
    readonly page: number
  }
> {
  readonly retryable = false
}

/** Every error the HTTP kernel itself can produce. */
export type KernelError =
  | AuthenticationError
  | PermissionError
  | NotFoundError
  | ConflictError
  | ValidationError
  | RateLimitError
  | QuotaExceededError
  | ServerError
  | TransportError
  | TimeoutError
  | DecodeError
  | ResponseTooLargeError
  | RedirectError
  | PaginationError

/** Every error a node step can end with. */
export type NodeError = KernelError | InputError

/** Tags of {@link NodeError}, for checks at the edges (JSON results, host protocol). */
export const nodeErrorTags = [
  "InputError",
  "AuthenticationError",
  "PermissionError",
  "NotFoundError",
  "ConflictError",
  "ValidationError",
  "RateLimitError",
  "QuotaExceededError",
  "ServerError",
  "TransportError",
  "TimeoutError",
  "DecodeError",
  "ResponseTooLargeError",
  "RedirectError",
  "PaginationError"
] as const

/** True for any value that is one of our typed errors. */
export const isNodeError = (u: unknown): u is NodeError =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  (nodeErrorTags as ReadonlyArray<unknown>).includes((u as { _tag: unknown })._tag)

/**
 * The JSON form of an error for a step result: `_tag`, `message`, `retryable` and every
 * context field that is set. Nothing secret is ever in an error, so this is safe to print.
 */
export const errorToJson = (error: NodeError): Record<string, unknown> => {
  const out: Record<string, unknown> = {
    _tag: error._tag,
    message: error.message,
    retryable: error.retryable
  }
  for (const [key, value] of Object.entries(error)) {
    if (key === "_tag" || key === "message" || value === undefined) continue
    out[key] = value
  }
  return out
}
