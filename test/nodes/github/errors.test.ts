import { describe, expect, it } from "vitest"
import { classifyGitHubResponse } from "../../../nodes/github/errors.js"
import type { HttpResponse } from "../../../src/http/request.js"

const date = "Mon, 06 Jan 2025 09:00:00 GMT"
const now = Date.parse(date) / 1000

const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  url = "https://api.github.com/repos/acme/web/issues"
): HttpResponse => ({
  status,
  headers: { date, "x-github-request-id": "ABCD:1", ...headers },
  url,
  body: new TextEncoder().encode(JSON.stringify(body)),
  attempts: 1
})

const classify = classifyGitHubResponse("gh")

describe("classifyGitHubResponse", () => {
  it("lets successes and server errors through to the kernel's rules", () => {
    expect(classify(answer(200, [], { "x-ratelimit-remaining": "0" }))).toBeUndefined()
    expect(classify(answer(500, { message: "oops" }))).toBeUndefined()
    expect(classify(answer(400, { message: "Problems parsing JSON" }))).toBeUndefined()
  })

  it("reads a spent primary limit as a RateLimitError that waits until the reset", () => {
    const error = classify(
      answer(
        403,
        { message: "API rate limit exceeded for user ID 1." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now + 754) }
      )
    )
    expect(error).toMatchObject({
      _tag: "RateLimitError",
      retryAfterMs: 754_000,
      status: 403,
      requestId: "ABCD:1"
    })
    expect(error?.message).toContain("resets at 2025-01-06T09:12:34.000Z")
  })

  it("reads a secondary limit with Retry-After, or waits a minute without one", () => {
    const withHeader = classify(
      answer(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "90" })
    )
    expect(withHeader).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 90_000 })
    const bare = classify(
      answer(403, { message: "You have exceeded a secondary rate limit. Please wait." })
    )
    expect(bare).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 60_000 })
    expect(bare?.message).toContain("secondary rate limit")
    const throttled = classify(answer(429, { message: "Too many requests" }))
    expect(throttled).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 60_000, status: 429 })
  })

  it("reads any other 403 as a PermissionError naming what the token lacks", () => {
    const fineGrained = classify(
      answer(
        403,
        { message: "Resource not accessible by personal access token" },
        { "x-accepted-github-permissions": "issues=write" }
      )
    )
    expect(fineGrained).toMatchObject({ _tag: "PermissionError", missingScope: "issues=write" })
    expect(fineGrained?.message).toContain("the permission issues: write")
    const classic = classify(
      answer(403, { message: "Must have admin rights" }, { "x-accepted-oauth-scopes": "admin:org" })
    )
    expect(classic?.message).toContain("the scope admin:org")
  })

  it("reads 401 as an AuthenticationError to reconnect", () => {
    const error = classify(answer(401, { message: "Bad credentials" }))
    expect(error).toMatchObject({ _tag: "AuthenticationError", credential: "gh", reconnect: true })
    expect(error?.message).toContain("'gh' (GitHub said: Bad credentials)")
  })

  it("says a 404 in a repository may be a private repository the credential cannot see", () => {
    const inRepo = classify(answer(404, { message: "Not Found" }))
    expect(inRepo?._tag).toBe("NotFoundError")
    expect(inRepo?.message).toContain("if acme/web is private, the credential 'gh' may lack access")
    const elsewhere = classify(
      answer(404, { message: "Not Found" }, {}, "https://api.github.com/orgs/nope/repos")
    )
    expect(elsewhere?.message).not.toContain("private")
  })

  it("turns 422 field errors into issues, and 409 into a ConflictError", () => {
    const error = classify(
      answer(422, {
        message: "Validation Failed",
        errors: [
          { resource: "Issue", field: "title", code: "missing_field" },
          { resource: "Label", field: "name", code: "custom", message: "name is too long" },
          "Some free-form error"
        ]
      })
    )
    expect(error).toMatchObject({
      _tag: "ValidationError",
      issues: [
        { path: "title", message: "Issue title is required" },
        { path: "name", message: "name is too long" },
        { path: "", message: "Some free-form error" }
      ]
    })
    expect(classify(answer(409, { message: "README.md does not match abc" }))?._tag).toBe(
      "ConflictError"
    )
  })
})
