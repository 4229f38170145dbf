/**
 * Classifying a response: which typed error, if any, a status and body mean.
 *
 * The integration's own rule runs first (it sees 2xx responses too, for APIs that report
 * errors with 200), then the request's accepted statuses, then the status rules every
 * API shares: 401 refused credential, 403 missing permission, 404 not found, 409/412
 * conflict, 400/422 rejected input with per-field issues, 429 throttled, 5xx provider
 * failure. Each error carries the provider's request id and a short, masked excerpt of the
 * provider's own explanation, and says what to do.
 *
 * @module
 */

import type { FieldIssue, KernelError } from "./errors.js"
import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError
} from "./errors.js"
import { maskText } from "./redact.js"
import type { HttpResponse } from "./request.js"
import { parseRetryAfter } from "./retry.js"

/** Where a response came from, for the error's context and message. */
export interface ResponseContext {
  readonly integration: string
  readonly method: string
  /** Masked URL of the request. */
  readonly url: string
  /** The credential the request was signed with, when it was. */
  readonly credentialId?: string | undefined
  /** Secret values that must not appear in a message, even if the provider echoes them. */
  readonly secrets: ReadonlyArray<string>
  /** Now, for `Retry-After` dates. */
  readonly nowMs: number
}

/** How the integration and the request adjust the status rules. */
export interface ClassifyOptions {
  /** The integration's rule; `undefined` falls through to the status rules. */
  readonly custom?: ((response: HttpResponse) => KernelError | undefined) | undefined
  /** Statuses that are not errors for this request. */
  readonly acceptStatus?: ReadonlyArray<number> | undefined
}

/**
 * The error a response means, or `undefined` when it is a success: the integration's rule
 * first, then `acceptStatus`, then the status rules ({@link statusError}). The context is
 * asked for only when an error is made.
 */
export const classifyResponse = (
  response: HttpResponse,
  options: ClassifyOptions,
  context: () => ResponseContext
): KernelError | undefined => {
  // A status the request accepts is never an error, whatever the integration's rules say.
  if (response.status >= 400 && options.acceptStatus?.includes(response.status)) return undefined
  if (options.custom !== undefined) {
    const custom = options.custom(response)
    if (custom !== undefined) return custom
  }
  if (response.status < 400) return undefined
  return statusError(response, context())
}

/**
 * The credential was refused and refreshing it did not help: an `AuthenticationError`
 * that asks to reconnect the credential, whatever status the refusal came with.
 */
export const refusedError = (
  response: HttpResponse,
  context: ResponseContext
): AuthenticationError => {
  const said = providerSays(parseBody(response), response, context.secrets)
  return new AuthenticationError({
    integration: context.integration,
    method: context.method,
    url: context.url,
    status: response.status,
    requestId: requestIdOf(response.headers),
    credential: context.credentialId,
    reconnect: true,
    message: `The credential '${context.credentialId ?? "unknown"}' was refused by ${context.integration} (${response.status}${said}): reconnect it or check its token`
  })
}

/** Response headers that carry the provider's id of a request, most common first. */
const requestIdHeaders = [
  "x-request-id",
  "x-github-request-id",
  "request-id",
  "x-amzn-requestid",
  "x-ms-request-id"
] as const

/** The provider's id of the request, from the first request-id header present. */
export const requestIdOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  for (const name of requestIdHeaders) {
    const value = headers[name]
    if (value !== undefined && value !== "") return value
  }
  return undefined
}

/**
 * The typed error for a status of 400 or more: 401 `AuthenticationError`, 403
 * `PermissionError`, 404 and 410 `NotFoundError`, 409, 412, 423 `ConflictError`, 429
 * `RateLimitError` (with `retryAfterMs`), 408 and 5xx `ServerError`, any other 4xx
 * `ValidationError` with the field issues found in the body.
 */
export const statusError = (response: HttpResponse, context: ResponseContext): KernelError => {
  const { status, headers } = response
  const base = {
    integration: context.integration,
    method: context.method,
    url: context.url,
    status,
    requestId: requestIdOf(headers)
  }
  const body = parseBody(response)
  const said = providerSays(body, response, context.secrets)
  const target = `${context.method} ${context.url}`
  const credential = context.credentialId

  switch (status) {
    case 401:
      return new AuthenticationError({
        ...base,
        credential,
        reconnect: credential !== undefined,
        message:
          credential === undefined
            ? `${context.integration} refused ${target} without a credential (401${said}): choose a credential for the step`
            : `The credential '${credential}' was refused by ${context.integration} (401${said}): reconnect it or check its token`
      })
    case 403:
      return new PermissionError({
        ...base,
        missingScope: missingScope(headers),
        message:
          credential === undefined
            ? `${context.integration} refused ${target} (403${said}): the resource needs a credential with access to it`
            : `The credential '${credential}' is not allowed to ${target} (403${said}): grant it the missing permission or scope, or use a credential with access`
      })
    case 404:
    case 410:
      return new NotFoundError({
        ...base,
        message: `${context.integration} found nothing at ${target} (${status}${said}): check the id or path, and that the credential can see the resource`
      })
    case 409:
    case 412:
    case 423:
      return new ConflictError({
        ...base,
        message: `${target} conflicts with the current state of the resource (${status}${said}): load it again and run the step with fresh values`
      })
    case 429: {
      const retryAfterMs = parseRetryAfter(headers["retry-after"], context.nowMs)
      const wait = retryAfterMs === undefined ? "" : `, asked to wait ${formatMs(retryAfterMs)}`
      return new RateLimitError({
        ...base,
        retryAfterMs,
        message: `${context.integration} is throttling requests (429${wait}${said}): lower the flow's request rate or run the step again later`
      })
    }
  }

  if (status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers["retry-after"], context.nowMs)
    return new ServerError({
      ...base,
      retryAfterMs,
      message: `${context.integration} failed to answer ${target} (${status}${said}): this is usually temporary; run the step again later`
    })
  }

  const issues = fieldIssues(body, context.secrets)
  return new ValidationError({
    ...base,
    issues,
    message: `${context.integration} rejected ${target} (${status}${said}): ${issues.length > 0 ? "fix the fields listed in the issues" : "check the step's input"}`
  })
}

/**
 * Per-field issues from the error shapes APIs commonly use: `errors[]` with
 * `field`/`message` (GitHub) or `source.pointer`/`detail` (JSON:API), Google's
 * `error.errors[]` with `location`/`message`, and `detail` as a string or as a list of
 * `loc`/`msg` (FastAPI). Returns an empty list when none is recognised.
 */
export const fieldIssues = (
  body: unknown,
  secrets: ReadonlyArray<string> = []
): ReadonlyArray<FieldIssue> => {
  if (!isRecord(body)) return []
  const issueOf = issueWith(secrets)
  const errors = Array.isArray(body.errors)
    ? body.errors
    : isRecord(body.error) && Array.isArray(body.error.errors)
      ? body.error.errors
      : undefined
  if (errors !== undefined) return errors.flatMap(issueOf).slice(0, maxIssues)

  if (typeof body.detail === "string") {
    return [{ path: "", message: excerpt(body.detail, secrets) }]
  }
  if (Array.isArray(body.detail)) return body.detail.flatMap(issueOf).slice(0, maxIssues)
  return []
}

const maxIssues = 50

const maxExcerpt = 200

const issueWith =
  (secrets: ReadonlyArray<string>) =>
  (item: unknown): ReadonlyArray<FieldIssue> => {
    if (typeof item === "string") return [{ path: "", message: excerpt(item, secrets) }]
    if (!isRecord(item)) return []
    const path =
      stringOf(item.field) ??
      stringOf(item.location) ??
      stringOf(item.param) ??
      (isRecord(item.source) ? stringOf(item.source.pointer) : undefined) ??
      (Array.isArray(item.loc) ? item.loc.join(".") : undefined) ??
      ""
    const message =
      stringOf(item.message) ??
      stringOf(item.msg) ??
      stringOf(item.detail) ??
      stringOf(item.code) ??
      stringOf(item.reason)
    return message === undefined ? [] : [{ path, message: excerpt(message, secrets) }]
  }

/** The body as JSON when it looks like JSON, else `undefined`. */
const parseBody = (response: HttpResponse): unknown => {
  const { body } = response
  if (body.length === 0 || body.length > 1024 * 1024) return undefined
  const first = firstNonSpace(body)
  if (first !== 0x7b && first !== 0x5b) return undefined
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString("utf8"))
  } catch {
    return undefined
  }
}

/** `: <the provider's explanation>`, masked and short, or "" when it gave none. */
const providerSays = (
  body: unknown,
  response: HttpResponse,
  secrets: ReadonlyArray<string>
): string => {
  const text = body === undefined ? plainText(response) : messageOf(body)
  if (text === undefined || text.trim() === "") return ""
  return `: ${excerpt(text, secrets)}`
}

const messageOf = (body: unknown): string | undefined => {
  if (!isRecord(body)) return undefined
  const error = body.error
  return (
    stringOf(body.message) ??
    (isRecord(error) ? stringOf(error.message) : undefined) ??
    stringOf(body.error_description) ??
    stringOf(error) ??
    stringOf(body.detail) ??
    stringOf(body.title) ??
    (Array.isArray(body.errors) ? messageOf(body.errors[0]) : undefined)
  )
}

/** A text body's start, when the response is text (not HTML, which says nothing useful). */
const plainText = (response: HttpResponse): string | undefined => {
  const type = response.headers["content-type"] ?? ""
  if (!type.startsWith("text/plain") || response.body.length === 0) return undefined
  const start = response.body.subarray(0, maxExcerpt * 4)
  return Buffer.from(start.buffer, start.byteOffset, start.length).toString("utf8")
}

/** A one-line start of a provider's text, masked before it is cut so no secret survives in part. */
const excerpt = (text: string, secrets: ReadonlyArray<string>): string => {
  const line = maskText(text, secrets).replace(/\s+/g, " ").trim()
  return line.length <= maxExcerpt ? line : `${line.slice(0, maxExcerpt - 1)}…`
}

/** The scope a `WWW-Authenticate: Bearer error="insufficient_scope"` names. */
const missingScope = (headers: Readonly<Record<string, string>>): string | undefined => {
  const challenge = headers["www-authenticate"]
  if (challenge === undefined || !challenge.includes("insufficient_scope")) return undefined
  return /scope="([^"]*)"/.exec(challenge)?.[1]
}

const firstNonSpace = (bytes: Uint8Array): number | undefined => {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const byte = bytes[i]!
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte
  }
  return undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const stringOf = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

const formatMs = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`)
