import { describe, expect, it } from "@effect/vitest"
import type { ResponseContext } from "../../src/http/classify.js"
import { classifyResponse, fieldIssues, requestIdOf, statusError } from "../../src/http/classify.js"
import { NotFoundError } from "../../src/http/errors.js"
import type { HttpResponse } from "../../src/http/request.js"
import { fromUndiciError } from "../../src/http/undiciErrors.js"

const context: ResponseContext = {
  integration: "acme",
  method: "POST",
  url: "https://api.acme.test/items",
  credentialId: "acme-bot",
  secrets: ["tok-SECRET-1"],
  nowMs: Date.UTC(2025, 0, 1)
}

const response = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  url: "https://api.acme.test/items",
  body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  attempts: 1
})

describe("status rules", () => {
  it("gives each status its error, with the provider's message, masked", () => {
    const refused = statusError(response(401, { message: "token tok-SECRET-1 expired" }), context)
    expect(refused).toMatchObject({ _tag: "AuthenticationError", credential: "acme-bot" })
    expect(refused.message).toBe(
      "The credential 'acme-bot' was refused by acme (401: token *** expired): reconnect it or check its token"
    )
    expect(statusError(response(410, {}), context)._tag).toBe("NotFoundError")
    expect(statusError(response(412, {}), context)._tag).toBe("ConflictError")
    expect(statusError(response(408, {}), context)._tag).toBe("ServerError")
    expect(statusError(response(418, {}), context)._tag).toBe("ValidationError")
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const seconds = statusError(response(429, {}, { "retry-after": "3" }), context)
    expect(seconds).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 3000 })
    const date = statusError(
      response(503, {}, { "retry-after": "Wed, 01 Jan 2025 00:01:00 GMT" }),
      context
    )
    expect(date).toMatchObject({ _tag: "ServerError", retryAfterMs: 60_000 })
  })

  it("picks the request id from the usual headers", () => {
    expect(requestIdOf({ "x-amzn-requestid": "amz" })).toBe("amz")
    expect(requestIdOf({ "request-id": "r", "x-request-id": "x" })).toBe("x")
    expect(requestIdOf({})).toBeUndefined()
  })

  it("lets the integration's rule and accepted statuses come first", () => {
    const custom = new NotFoundError({ message: "custom" })
    expect(classifyResponse(response(200, {}), { custom: () => custom }, () => context)).toBe(
      custom
    )
    expect(classifyResponse(response(404, {}), { acceptStatus: [404] }, () => context)).toBe(
      undefined
    )
    expect(classifyResponse(response(204, ""), {}, () => context)).toBe(undefined)
  })
})

describe("field issues", () => {
  it("reads the common error shapes", () => {
    expect(fieldIssues({ errors: [{ field: "email", message: "is taken" }] })).toEqual([
      { path: "email", message: "is taken" }
    ])
    expect(
      fieldIssues({ error: { errors: [{ location: "q", reason: "invalid", message: "Bad q" }] } })
    ).toEqual([{ path: "q", message: "Bad q" }])
    expect(fieldIssues({ detail: [{ loc: ["body", "name"], msg: "field required" }] })).toEqual([
      { path: "body.name", message: "field required" }
    ])
    expect(
      fieldIssues({ errors: [{ source: { pointer: "/data/title" }, detail: "blank" }] })
    ).toEqual([{ path: "/data/title", message: "blank" }])
    expect(fieldIssues({ detail: "Not allowed" })).toEqual([{ path: "", message: "Not allowed" }])
    expect(fieldIssues("nope")).toEqual([])
  })
})

describe("undici errors", () => {
  const failure = {
    integration: "acme",
    method: "POST",
    url: "https://api.acme.test/items",
    requestSent: true,
    unsafeToResend: true
  }
  const deadlines = { connectMs: 10_000, headersMs: 30_000, bodyIdleMs: 30_000, totalMs: 120_000 }
  const coded = (code: string) => Object.assign(new Error(code), { code })

  it("names the reason and whether the request can have reached the server", () => {
    expect(fromUndiciError(coded("ECONNREFUSED"), failure, deadlines)).toMatchObject({
      _tag: "TransportError",
      reason: "ConnectionRefused",
      requestSent: false
    })
    expect(fromUndiciError(coded("ENOTFOUND"), failure, deadlines)).toMatchObject({
      reason: "DnsFailure",
      requestSent: false
    })
    expect(
      fromUndiciError(coded("ERR_TLS_CERT_ALTNAME_INVALID"), failure, deadlines)
    ).toMatchObject({ reason: "TlsFailure", requestSent: false })
    expect(fromUndiciError(coded("UND_ERR_CONNECT_TIMEOUT"), failure, deadlines)).toMatchObject({
      _tag: "TimeoutError",
      phase: "connect",
      timeoutMs: 10_000,
      requestSent: false
    })
    expect(fromUndiciError(coded("UND_ERR_BODY_TIMEOUT"), failure, deadlines)).toMatchObject({
      phase: "body",
      requestSent: true
    })
    const reset = fromUndiciError(coded("UND_ERR_SOCKET"), failure, deadlines)
    expect(reset).toMatchObject({ reason: "ConnectionReset", requestSent: true })
    expect(reset.message).toContain("The outcome is unknown")
  })
})
