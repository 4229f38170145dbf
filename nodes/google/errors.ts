/**
 * Google's error bodies, mapped into the kernel's typed errors.
 *
 * Google APIs answer an error as `{"error": {"code", "message", "status", "errors":
 * [{"reason", "domain", "message", "location"}], "details": [...]}}`; the newer APIs
 * (Sheets) leave out `errors[]` and put the reason in a `google.rpc.ErrorInfo` detail. The
 * reason decides more than the status does: Drive says "user rate limit" with 403, Sheets
 * says "quota" with 429. Google sends no `Retry-After`, so a rate limit is retried with
 * the kernel's jittered backoff; Gmail's "Retry after <time>" in the message is honoured.
 * A refused token (401) is left to the kernel, which refreshes the credential once first.
 *
 * @module
 */
import type { FieldIssue, KernelError } from "../../src/http/errors.js"
import {
  ConflictError,
  NotFoundError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  ResponseTooLargeError,
  ServerError,
  ValidationError
} from "../../src/http/errors.js"
import { maskUrl } from "../../src/http/redact.js"
import type { HttpResponse } from "../../src/http/request.js"
import { googleServiceAccountType } from "./credentialTypes.js"
import { googleScopes, scopeCovers } from "./scopes.js"

/** Google's error body, as far as the mapping reads it. */
export interface GoogleErrorBody {
  readonly code?: number | undefined
  readonly message?: string | undefined
  readonly status?: string | undefined
  readonly errors?:
    | ReadonlyArray<{
        readonly reason?: string | undefined
        readonly message?: string | undefined
        readonly location?: string | undefined
      }>
    | undefined
  readonly details?: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined
}

/** Reasons that mean "slow down": retried with backoff. */
export const rateLimitReasons: ReadonlySet<string> = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "RATE_LIMIT_EXCEEDED",
  "sharingRateLimitExceeded"
])

/** Reasons that mean "the quota is spent": not retried now. */
export const quotaReasons: ReadonlySet<string> = new Set([
  "dailyLimitExceeded",
  "dailyLimitExceededUnreg",
  "quotaExceeded",
  "storageQuotaExceeded",
  "teamDriveFileLimitExceeded",
  "numChildrenInNonRootLimitExceeded"
])

/** Reasons that mean the token lacks a scope. */
const scopeReasons: ReadonlySet<string> = new Set([
  "insufficientPermissions",
  "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
])

/** The largest export Drive makes of a Google Docs file (`exportSizeLimitExceeded` above). */
export const driveExportLimitBytes = 10 * 1024 * 1024

/**
 * The classifier of a Google integration's client: the typed error a Google error body
 * means, or `undefined` for a success, a 401 (the kernel refreshes the token and reports
 * it) and a body that is not Google's (the kernel's status rules apply). The credential's
 * type decides how a missing scope is granted: a person consents again, a service account
 * lists the scope in its credential (and its domain's delegation).
 */
export const classifyGoogleResponse =
  (integration: string, credentialId: string | undefined, credentialType?: string | undefined) =>
  (response: HttpResponse): KernelError | undefined => {
    if (response.status < 400 || response.status === 401) return undefined
    const body = googleErrorOf(response.body)
    if (body === undefined) return undefined
    return googleError(integration, { id: credentialId, type: credentialType }, response, body)
  }

/** Reads Google's error object from a response body, or `undefined` when it is not one. */
export const googleErrorOf = (bytes: Uint8Array): GoogleErrorBody | undefined => {
  if (bytes.length === 0 || bytes.length > 256 * 1024) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"))
    const error = (parsed as { error?: unknown } | null)?.error
    return typeof error === "object" && error !== null ? (error as GoogleErrorBody) : undefined
  } catch {
    return undefined
  }
}

/** Every reason a Google error names: `errors[].reason` and `ErrorInfo` details. */
export const reasonsOf = (body: GoogleErrorBody): ReadonlyArray<string> => [
  ...(body.errors ?? []).flatMap((item) => (item.reason === undefined ? [] : [item.reason])),
  ...(body.details ?? []).flatMap((detail) =>
    typeof detail.reason === "string" ? [detail.reason] : []
  )
]

const googleError = (
  integration: string,
  credentialOf: { readonly id: string | undefined; readonly type: string | undefined },
  response: HttpResponse,
  body: GoogleErrorBody
): KernelError => {
  const credentialId = credentialOf.id
  const status = response.status
  const reasons = reasonsOf(body)
  const has = (set: ReadonlySet<string>) => reasons.some((reason) => set.has(reason))
  const said = body.message === undefined ? "" : `: ${excerpt(body.message)}`
  const context = {
    integration,
    url: maskUrl(response.url, ["upload_id"]),
    status,
    requestId: response.headers["x-goog-request-id"] ?? response.headers["x-guploader-uploadid"]
  }
  const credential =
    credentialId === undefined ? "the Google credential" : `the Google credential '${credentialId}'`

  if (has(quotaReasons)) {
    return new QuotaExceededError({
      ...context,
      message: `A Google quota is spent (${reasons.join(", ")}${said}); run the step after the quota resets, or ask for a higher quota in the Google Cloud console`
    })
  }
  if (has(rateLimitReasons) || status === 429 || body.status === "RESOURCE_EXHAUSTED") {
    return new RateLimitError({
      ...context,
      retryAfterMs: retryAfterOf(body.message, response.headers.date),
      message: `Google is throttling requests (${reasons[0] ?? body.status ?? status}${said}); lower the flow's request rate or run the step again later`
    })
  }
  if (has(scopeReasons)) {
    const scope = missingScopeOf(response.headers["www-authenticate"])
    const needed = scope === undefined ? "" : ` (${scope})`
    return new PermissionError({
      ...context,
      missingScope: scope,
      message:
        credentialOf.type === googleServiceAccountType
          ? `${capitalize(credential)} is a service account whose token lacks the scope this step needs${needed}; add ${scope ?? "the scope"} to the credential's \`scopes\` field (a service account asks only for Drive's scope unless that field lists the scopes; list every scope the flow needs), and, when the credential acts for a user (\`subject\`), allow that scope for the service account's client id in the Google Workspace admin console (domain-wide delegation)`
          : `${capitalize(credential)} was not granted the scope this step needs${needed}; connect it again and allow the access the consent screen asks for`
    })
  }
  if (reasons.includes("exportSizeLimitExceeded")) {
    return new ResponseTooLargeError({
      ...context,
      limitBytes: driveExportLimitBytes,
      message: `The file is too large to export: Google exports at most 10 MB of a Google Docs file; export it to a leaner format (plain text or CSV rather than PDF or Office), or split it into smaller files. Files that are not Google Docs download whole (files.get alt=media), without this limit`
    })
  }
  switch (status) {
    case 403:
      return new PermissionError({
        ...context,
        message: `${capitalize(credential)} is not allowed to do this (${reasons[0] ?? "forbidden"}${said}); share the file or spreadsheet with the account, or use a credential that has access`
      })
    case 404:
      return new NotFoundError({
        ...context,
        message: `Google found nothing with that id${said}; check the id, and that the file is shared with the credential's account`
      })
    case 409:
    case 412:
      return new ConflictError({
        ...context,
        message: `The request conflicts with the current state of the file${said}; load it again and run the step with fresh values`
      })
  }
  if (status >= 500) {
    return new ServerError({
      ...context,
      message: `Google failed to answer (${status}${said}); this is usually temporary, run the step again later`
    })
  }
  return new ValidationError({
    ...context,
    issues: issuesOf(body),
    message: `Google rejected the request (${reasons[0] ?? body.status ?? status}${said}); check the step's input`
  })
}

/** The field issues of a 400: `errors[].location` and `BadRequest` field violations. */
const issuesOf = (body: GoogleErrorBody): ReadonlyArray<FieldIssue> => {
  const fromErrors = (body.errors ?? []).flatMap((item) =>
    item.message === undefined
      ? []
      : [{ path: item.location ?? "", message: excerpt(item.message) }]
  )
  const fromDetails = (body.details ?? []).flatMap((detail) => {
    const violations = detail.fieldViolations
    if (!Array.isArray(violations)) return []
    return violations.flatMap((violation: { field?: unknown; description?: unknown }) =>
      typeof violation.description === "string"
        ? [{ path: String(violation.field ?? ""), message: excerpt(violation.description) }]
        : []
    )
  })
  const issues = [...fromErrors, ...fromDetails]
  return issues.length > 0 || body.message === undefined
    ? issues
    : [{ path: "", message: excerpt(body.message) }]
}

/**
 * The scope Google's `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`
 * asks for. It lists every scope that would do; the narrowest of those the nodes ask for
 * is named, else the first.
 */
export const missingScopeOf = (challenge: string | undefined): string | undefined => {
  const listed = /scope="([^"]*)"/
    .exec(challenge ?? "")?.[1]
    ?.split(/\s+/)
    .filter(Boolean)
  if (listed === undefined || listed.length === 0) return undefined
  const known: ReadonlyArray<string> = Object.values(googleScopes)
  const ours = listed.filter((scope) => known.includes(scope))
  const narrowest = ours.find((scope) =>
    scopeCovers(
      ours.filter((other) => other !== scope),
      scope
    )
  )
  return narrowest ?? ours[0] ?? listed[0]
}

/**
 * Gmail says when to come back in the message ("User-rate limit exceeded. Retry after
 * 2024-06-27T17:14:33.213Z"); the wait is measured from the response's `Date` so no clock
 * is read here. `undefined` when either is missing.
 */
export const retryAfterOf = (
  message: string | undefined,
  date: string | undefined
): number | undefined => {
  const at = /Retry after (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(message ?? "")?.[1]
  if (at === undefined || date === undefined) return undefined
  const wait = Date.parse(at) - Date.parse(date)
  return Number.isFinite(wait) ? Math.max(0, wait) : undefined
}

const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
