import { describe, expect, it } from "vitest"
import {
  classifyGoogleResponse,
  missingScopeOf,
  retryAfterOf
} from "../../../nodes/google/errors.js"
import { googleScopes } from "../../../nodes/google/scopes.js"
import type { HttpResponse } from "../../../src/http/request.js"

const classify = classifyGoogleResponse("googleDrive", "work")

const response = (
  status: number,
  error: unknown,
  headers: Record<string, string> = {}
): HttpResponse => ({
  status,
  headers,
  url: "https://www.googleapis.com/drive/v3/files?q=x",
  body: new TextEncoder().encode(JSON.stringify({ error })),
  attempts: 1
})

const googleError = (code: number, status: string, reason?: string, message = "Something") => ({
  code,
  message,
  status,
  ...(reason === undefined ? {} : { errors: [{ reason, domain: "usageLimits", message }] })
})

describe("classifyGoogleResponse", () => {
  it("maps rate-limit reasons and RESOURCE_EXHAUSTED to a retryable RateLimitError without a wait", () => {
    for (const [status, reason] of [
      [403, "userRateLimitExceeded"],
      [403, "rateLimitExceeded"],
      [429, "rateLimitExceeded"]
    ] as const) {
      const error = classify(response(status, googleError(status, "PERMISSION_DENIED", reason)))
      expect(error).toMatchObject({
        _tag: "RateLimitError",
        status,
        retryable: true,
        retryAfterMs: undefined
      })
    }
    const sheets = classify(
      response(429, {
        code: 429,
        message: "Quota exceeded",
        status: "RESOURCE_EXHAUSTED",
        details: [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMIT_EXCEEDED" }
        ]
      })
    )
    expect(sheets).toMatchObject({ _tag: "RateLimitError", retryable: true })
  })

  it("honours Gmail's 'Retry after' time, measured from the response's Date", () => {
    const error = classify(
      response(
        429,
        googleError(
          429,
          "RESOURCE_EXHAUSTED",
          "rateLimitExceeded",
          "User-rate limit exceeded.  Retry after 2024-06-27T17:14:33.213Z"
        ),
        { date: "Thu, 27 Jun 2024 17:14:03 GMT" }
      )
    )
    expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 30_213 })
    expect(retryAfterOf("no time here", "Thu, 27 Jun 2024 17:14:03 GMT")).toBeUndefined()
  })

  it("maps dailyLimitExceeded and quotaExceeded to QuotaExceededError, which is not retried", () => {
    for (const reason of ["dailyLimitExceeded", "quotaExceeded", "storageQuotaExceeded"]) {
      expect(classify(response(403, googleError(403, "PERMISSION_DENIED", reason)))).toMatchObject({
        _tag: "QuotaExceededError",
        retryable: false
      })
    }
  })

  it("maps insufficientPermissions to PermissionError naming the narrowest scope that would do", () => {
    const error = classify(
      response(403, googleError(403, "PERMISSION_DENIED", "insufficientPermissions"), {
        "www-authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${googleScopes.drive} ${googleScopes.sheets}"`
      })
    )
    expect(error).toMatchObject({ _tag: "PermissionError", missingScope: googleScopes.sheets })
    expect(error?.message).toContain("'work'")
    expect(
      missingScopeOf(
        'Bearer error="insufficient_scope", scope="https://mail.google.com/ https://www.googleapis.com/auth/gmail.modify https://www.googleapis.com/auth/gmail.send"'
      )
    ).toBe(googleScopes.gmailSend)
  })

  it("maps the other statuses by Google's body, with field issues for a 400", () => {
    expect(classify(response(404, googleError(404, "NOT_FOUND", "notFound")))).toMatchObject({
      _tag: "NotFoundError"
    })
    const forbidden = classify(
      response(403, googleError(403, "PERMISSION_DENIED", "appNotAuthorizedToFile"))
    )
    expect(forbidden).toMatchObject({ _tag: "PermissionError" })
    expect(
      forbidden && "missingScope" in forbidden ? forbidden.missingScope : undefined
    ).toBeUndefined()
    expect(
      classify(response(412, googleError(412, "FAILED_PRECONDITION", "conditionNotMet")))
    ).toMatchObject({ _tag: "ConflictError" })
    expect(classify(response(503, googleError(503, "UNAVAILABLE", "backendError")))).toMatchObject({
      _tag: "ServerError",
      retryable: true
    })
    const invalid = classify(
      response(400, {
        code: 400,
        message: "Invalid Value",
        status: "INVALID_ARGUMENT",
        errors: [{ reason: "invalid", domain: "global", message: "Invalid Value", location: "q" }]
      })
    )
    expect(invalid).toMatchObject({
      _tag: "ValidationError",
      issues: [{ path: "q", message: "Invalid Value" }]
    })
    const violations = classify(
      response(400, {
        code: 400,
        message: "bad",
        status: "INVALID_ARGUMENT",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            fieldViolations: [{ field: "requests[0]", description: "no such sheet" }]
          }
        ]
      })
    )
    expect(violations).toMatchObject({
      issues: [{ path: "requests[0]", message: "no such sheet" }]
    })
  })

  it("leaves 401, successes and bodies that are not Google's to the kernel", () => {
    expect(
      classify(response(401, googleError(401, "UNAUTHENTICATED", "authError")))
    ).toBeUndefined()
    expect(classify(response(200, {}))).toBeUndefined()
    expect(
      classify({ ...response(500, {}), body: new TextEncoder().encode("<html>oops</html>") })
    ).toBeUndefined()
  })

  it("keeps upload session ids out of the error's URL", () => {
    const error = classify({
      ...response(503, googleError(503, "UNAVAILABLE", "backendError")),
      url: "https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable&upload_id=SECRET123"
    })
    expect(error?.url).not.toContain("SECRET123")
  })
})
