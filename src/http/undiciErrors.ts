/**
 * Turning undici's and the socket's errors into the kernel's `TransportError` and
 * `TimeoutError`, with `requestSent` telling whether the server may have acted.
 *
 * undici calls a request's `onRequestStart` just before it writes the request to a
 * connected socket, so "the request was started" is known exactly: a refused connection,
 * a failed DNS lookup, a TLS handshake failure or a connect timeout happen before it; a
 * reset, "other side closed", or a headers or body timeout happen after it. The caller
 * passes what it saw; the error codes here only name the reason.
 *
 * @module
 */

import type { TimeoutPhase, TransportReason } from "./errors.js"
import { TimeoutError, TransportError } from "./errors.js"

/** What the kernel knew about an exchange when it failed; every field is safe to log. */
export interface FailureContext {
  readonly integration: string
  readonly method: string
  /** Masked URL of the hop that failed. */
  readonly url: string
  /** Whether undici had started writing the request to a connected socket. */
  readonly requestSent: boolean
  /**
   * True when sending the request twice could act twice (POST or PATCH without an
   * idempotency key): a failure after it was sent then leaves the outcome unknown.
   */
  readonly unsafeToResend: boolean
}

/** The deadline of each phase, for messages. */
export interface PhaseDeadlines {
  readonly connectMs: number
  readonly headersMs: number
  readonly bodyIdleMs: number
  readonly totalMs: number
}

/**
 * Maps an error undici reported for an exchange: connect, headers and body timeouts to
 * `TimeoutError`, everything else to `TransportError` with a reason. Errors that can only
 * happen before the request is written (refused, DNS, TLS, connect timeout) always have
 * `requestSent: false`.
 */
export const fromUndiciError = (
  cause: unknown,
  context: FailureContext,
  deadlines: PhaseDeadlines
): TransportError | TimeoutError => {
  const code = codeOf(cause)
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return timeoutError("connect", deadlines.connectMs, { ...context, requestSent: false })
    case "UND_ERR_HEADERS_TIMEOUT":
      return timeoutError("headers", deadlines.headersMs, context)
    case "UND_ERR_BODY_TIMEOUT":
      return timeoutError("body", deadlines.bodyIdleMs, context)
  }

  const reason = reasonOf(code)
  const requestSent = beforeWrite.has(reason) ? false : context.requestSent
  return new TransportError({
    integration: context.integration,
    method: context.method,
    url: context.url,
    reason,
    requestSent,
    message: transportMessage(reason, code, { ...context, requestSent })
  })
}

/** A deadline ran out; the message says which and what to do. */
export const timeoutError = (
  phase: TimeoutPhase,
  timeoutMs: number,
  context: FailureContext
): TimeoutError =>
  new TimeoutError({
    integration: context.integration,
    method: context.method,
    url: context.url,
    phase,
    timeoutMs,
    requestSent: context.requestSent,
    message: `${phaseMessage(phase, timeoutMs, context)}${outcome(context)}`
  })

/** The request was stopped by the run (a step was cancelled or the run is ending). */
export const abortedError = (context: FailureContext): TransportError =>
  new TransportError({
    integration: context.integration,
    method: context.method,
    url: context.url,
    reason: "Aborted",
    requestSent: context.requestSent,
    message: `${context.method} ${context.url} was stopped before it finished${outcome(context)}`
  })

/** Reasons that can only happen before a byte of the request reached the server. */
const beforeWrite: ReadonlySet<TransportReason> = new Set([
  "ConnectionRefused",
  "DnsFailure",
  "TlsFailure"
])

const codeOf = (cause: unknown): string => {
  if (typeof cause !== "object" || cause === null) return "UNKNOWN"
  const code = (cause as { code?: unknown }).code
  return typeof code === "string" ? code : "UNKNOWN"
}

const reasonOf = (code: string): TransportReason => {
  switch (code) {
    case "ECONNREFUSED":
      return "ConnectionRefused"
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
    case "EAI_NODATA":
      return "DnsFailure"
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "ConnectionReset"
    case "UND_ERR_ABORTED":
    case "UND_ERR_DESTROYED":
      return "Aborted"
    case "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH":
    case "ENOENT":
    case "EACCES":
    case "EISDIR":
    case "ERR_INVALID_STATE":
      return "RequestBody"
  }
  if (isTlsCode(code)) return "TlsFailure"
  return "SocketError"
}

const tlsCodes: ReadonlySet<string> = new Set([
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "HOSTNAME_MISMATCH"
])

const isTlsCode = (code: string): boolean =>
  code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_") || tlsCodes.has(code)

const host = (url: string): string => {
  const start = url.indexOf("//")
  const end = url.indexOf("/", start + 2)
  return start < 0 ? url : url.slice(start + 2, end < 0 ? undefined : end)
}

const transportMessage = (
  reason: TransportReason,
  code: string,
  context: FailureContext
): string => {
  const target = `${context.method} ${context.url}`
  switch (reason) {
    case "ConnectionRefused":
      return `${host(context.url)} refused the connection for ${target} (${code}): check the URL and that the service is running`
    case "DnsFailure":
      return `The host ${host(context.url)} could not be found for ${target} (${code}): check the URL and the robot's network and DNS`
    case "TlsFailure":
      return `The secure connection to ${host(context.url)} failed for ${target} (${code}): check the URL (http or https), the server's certificate, or a proxy that intercepts TLS`
    case "ConnectionReset":
      return `The connection closed before the response to ${target} was complete (${code})${outcome(context)}`
    case "Aborted":
      return `${target} was stopped before it finished (${code})${outcome(context)}`
    case "RequestBody":
      return `The body of ${target} could not be sent (${code}): check the file or data the step uploads`
    case "SocketError":
      return `The connection failed during ${target} (${code})${outcome(context)}`
    case "NotAllowed":
      return `${target} was not sent: its origin is not allowed in this run (${code})`
  }
}

const phaseMessage = (phase: TimeoutPhase, ms: number, context: FailureContext): string => {
  const target = `${context.method} ${context.url}`
  const limit = formatMs(ms)
  switch (phase) {
    case "connect":
      return `Could not connect to ${host(context.url)} within ${limit} for ${target}: check the URL and the robot's network, or raise the connect timeout`
    case "headers":
      return `No response to ${target} arrived within ${limit}: the service is slow or stuck; raise the headers timeout if it is known to be slow`
    case "body":
      return `The response to ${target} stalled for more than ${limit} while its body was read: raise the body idle timeout if the service is known to pause`
    case "total":
      return `${target} took longer than its total deadline of ${limit}: raise the total timeout if the transfer is known to be long`
  }
}

/** What the caller should know about the server having acted, when that is in doubt. */
const outcome = (context: FailureContext): string => {
  if (!context.requestSent) return ""
  if (context.unsafeToResend) {
    return `. The outcome is unknown: the server may have acted on the ${context.method}, so it was not retried; check in the service whether it took effect before running the step again, or send it with an idempotency key`
  }
  return ""
}

const formatMs = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`)
