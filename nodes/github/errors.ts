/**
 * GitHub's error answers, mapped to the kernel's typed errors.
 *
 * GitHub tells a spent rate limit with 403 or 429: the primary limit with
 * `x-ratelimit-remaining: 0` and the reset time in `x-ratelimit-reset`, a secondary limit
 * with a `Retry-After` or only a message (wait at least a minute). Those become
 * `RateLimitError` with the wait, so the kernel waits when its retry budget allows and
 * fails with the wait otherwise. A 422 carries the fields GitHub rejected; a 404 may mean
 * the credential cannot see a private repository.
 *
 * @module
 */
import {
  AuthenticationError,
  ConflictError,
  type ErrorContext,
  type FieldIssue,
  type KernelError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ValidationError
} from "../../src/http/errors.js"
import type { HttpResponse } from "../../src/http/request.js"

/** How long to wait on a secondary limit that names no time: GitHub says at least a minute. */
export const secondaryLimitWaitMs = 60_000

/** GitHub's error body. */
interface GitHubErrorBody {
  readonly message?: string
  readonly documentation_url?: string
  readonly errors?: ReadonlyArray<
    | string
    | {
        readonly resource?: string
        readonly field?: string
        readonly code?: string
        readonly message?: string
        readonly value?: unknown
      }
  >
}

/**
 * Builds the response classifier of one GitHub client. It looks only at 4xx answers it
 * has a rule for (401, 403, 404, 409, 422, 429); everything else falls through to the
 * kernel's status rules.
 */
export const classifyGitHubResponse =
  (credentialId: string | undefined) =>
  (response: HttpResponse): KernelError | undefined => {
    const status = response.status
    if (status < 400 || !handled.has(status)) return undefined
    const body = readBody(response.body)
    const context = contextOf(response)
    const said = body.message === undefined ? "" : ` (GitHub said: ${body.message})`
    switch (status) {
      case 401:
        return new AuthenticationError({
          ...context,
          credential: credentialId,
          reconnect: true,
          message: `GitHub refused the credential${named(credentialId)}${said}: the token is wrong, expired or revoked. Create a new token or reconnect the credential.`
        })
      case 403:
      case 429:
        return rateLimited(response, body, context) ?? forbidden(response, body, context, status)
      case 404:
        return new NotFoundError({
          ...context,
          message: notFoundMessage(response.url, credentialId)
        })
      case 409:
        return new ConflictError({
          ...context,
          message: `GitHub refused the change because the resource changed since it was read${said}; read it again (for a file, its current sha) and retry.`
        })
      case 422:
        return new ValidationError({
          ...context,
          message: `GitHub rejected the request${said}; fix the fields listed and run the step again.`,
          issues: issuesOf(body)
        })
      default:
        return undefined
    }
  }

const handled = new Set([401, 403, 404, 409, 422, 429])

/** A primary or secondary rate limit, or undefined when a 403 is about permissions. */
const rateLimited = (
  response: HttpResponse,
  body: GitHubErrorBody,
  context: ErrorContext
): RateLimitError | undefined => {
  const headers = response.headers
  const now = serverNow(headers)
  const retryAfter = seconds(headers["retry-after"])
  if (headers["x-ratelimit-remaining"] === "0") {
    const reset = seconds(headers["x-ratelimit-reset"])
    const waitMs = reset === undefined ? secondaryLimitWaitMs : Math.max(0, reset * 1000 - now)
    const at = reset === undefined ? "" : ` at ${new Date(reset * 1000).toISOString()}`
    return new RateLimitError({
      ...context,
      retryAfterMs: Math.max(waitMs, (retryAfter ?? 0) * 1000),
      message: `GitHub's rate limit for this credential is spent; it resets${at}. Wait, or spread the flow's requests over more time.`
    })
  }
  const secondary = /secondary rate limit/i.test(body.message ?? "")
  if (retryAfter !== undefined || secondary || response.status === 429) {
    return new RateLimitError({
      ...context,
      retryAfterMs: retryAfter === undefined ? secondaryLimitWaitMs : retryAfter * 1000,
      message:
        "GitHub's secondary rate limit stopped the request (too many requests, or too much content created, in a short time); wait and retry, and send fewer requests at once."
    })
  }
  return undefined
}

const forbidden = (
  response: HttpResponse,
  body: GitHubErrorBody,
  context: ErrorContext,
  status: number
): KernelError => {
  const permissions = response.headers["x-accepted-github-permissions"]
  const scopes = response.headers["x-accepted-oauth-scopes"]
  const needs =
    permissions !== undefined && permissions !== ""
      ? `the token needs the permission ${permissions.replace(/=/g, ": ")}`
      : scopes !== undefined && scopes !== ""
        ? `the token needs the scope ${scopes}`
        : "the token lacks a permission this operation needs"
  const said = body.message === undefined ? "" : ` (GitHub said: ${body.message})`
  return new PermissionError({
    ...context,
    status,
    missingScope: permissions || scopes || undefined,
    message: `GitHub refused the request${said}: ${needs}. Give the token that access, or use another credential.`
  })
}

/** A 404 under `/repos/owner/name` names the repository and the private-repository rule. */
const notFoundMessage = (url: string, credentialId: string | undefined): string => {
  const repo = /\/repos\/([^/?#]+)\/([^/?#]+)/.exec(url)
  if (repo === null)
    return "GitHub found nothing at this address; check the names in the step's input."
  const name = `${decodeURIComponent(repo[1]!)}/${decodeURIComponent(repo[2]!)}`
  return (
    `GitHub found nothing at this address in ${name}. Check the names and numbers in the step's input; ` +
    `if ${name} is private, the credential${named(credentialId)} may lack access to it ` +
    "(GitHub answers 404, not 403, for private repositories a token cannot see)."
  )
}

const codeMessages: ReadonlyMap<string, string> = new Map([
  ["missing", "does not exist"],
  ["missing_field", "is required"],
  ["invalid", "is not valid"],
  ["already_exists", "already exists"],
  ["unprocessable", "could not be processed"]
])

/** GitHub's `errors` list as field issues; the message alone when there is no list. */
const issuesOf = (body: GitHubErrorBody): ReadonlyArray<FieldIssue> => {
  const listed = (body.errors ?? []).map((error): FieldIssue => {
    if (typeof error === "string") return { path: "", message: error }
    const path = error.field ?? error.resource ?? ""
    const message =
      error.message ??
      `${error.resource === undefined ? "" : `${error.resource} `}${error.field ?? ""} ${codeMessages.get(error.code ?? "") ?? error.code ?? "is not valid"}`.trim()
    return { path, message }
  })
  return listed.length > 0 ? listed : [{ path: "", message: body.message ?? "rejected" }]
}

const decoder = new TextDecoder()

const readBody = (bytes: Uint8Array): GitHubErrorBody => {
  if (bytes.length === 0) return {}
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes))
    return typeof parsed === "object" && parsed !== null ? (parsed as GitHubErrorBody) : {}
  } catch {
    return {}
  }
}

/** Now by GitHub's clock (its `Date` header), so waits do not depend on ours. */
const serverNow = (headers: Readonly<Record<string, string>>): number => {
  const date = headers.date === undefined ? Number.NaN : Date.parse(headers.date)
  return Number.isNaN(date) ? Date.now() : date
}

const seconds = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

const contextOf = (response: HttpResponse): ErrorContext => ({
  integration: "github",
  status: response.status,
  requestId: response.headers["x-github-request-id"]
})

const named = (credentialId: string | undefined) =>
  credentialId === undefined ? "" : ` '${credentialId}'`
