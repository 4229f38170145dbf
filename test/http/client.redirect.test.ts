import { describe, expect, it } from "@effect/vitest"
import { RedirectError } from "../../src/http/errors.js"
import type { Hop, RedirectRules } from "../../src/http/redirect.js"
import { nextHop, redirectMethod, startChain } from "../../src/http/redirect.js"

const rules: RedirectRules = {
  integration: "test",
  maxRedirects: 3,
  secretNames: ["x-api-key", "apikey"],
  secretHeaders: new Set(["x-session"])
}

const hop = (url: string, method: Hop<string>["method"] = "POST"): Hop<string> => ({
  method,
  url: new URL(url),
  headers: {
    authorization: "Bearer t",
    cookie: "c=1",
    "x-api-key": "k",
    "x-session": "s",
    "content-type": "application/json",
    accept: "application/json"
  },
  body: "{}"
})

const follow = (from: Hop<string>, status: number, location: string) => {
  const next = nextHop(from, status, location, startChain(from), rules)
  if (next instanceof RedirectError) throw new Error(next.message)
  return next
}

describe("redirect rules", () => {
  it("changes the method as RFC 9110 says", () => {
    expect(redirectMethod("POST", 301)).toBe("GET")
    expect(redirectMethod("POST", 302)).toBe("GET")
    expect(redirectMethod("PUT", 302)).toBe("PUT")
    expect(redirectMethod("PUT", 303)).toBe("GET")
    expect(redirectMethod("HEAD", 303)).toBe("HEAD")
    expect(redirectMethod("POST", 307)).toBe("POST")
    expect(redirectMethod("PATCH", 308)).toBe("PATCH")
  })

  it("keeps credentials and body on a same-origin 307", () => {
    const next = follow(hop("https://api.test/a"), 307, "/b")
    expect(next.url.href).toBe("https://api.test/b")
    expect(next.body).toBe("{}")
    expect(next.headers).toEqual(hop("https://api.test/a").headers)
  })

  it("drops the body and its headers when the method becomes GET", () => {
    const next = follow(hop("https://api.test/a"), 303, "/b")
    expect(next).toMatchObject({ method: "GET", body: undefined })
    expect(next.headers["content-type"]).toBeUndefined()
    expect(next.headers.authorization).toBe("Bearer t")
  })

  it("drops every credential on a cross-origin hop, and the secrets copied into the query", () => {
    const from = hop("https://api.test/a?token=abc&page=1")
    const next = follow(
      from,
      308,
      "https://cdn.test/file?token=abc&page=1&X-Amz-Signature=fresh&apikey=zz"
    )
    expect(next.headers).toEqual({ "content-type": "application/json", accept: "application/json" })
    expect(next.body).toBe("{}")
    expect(next.url.href).toBe("https://cdn.test/file?page=1&X-Amz-Signature=fresh")
  })

  it("reports loops, too many hops and invalid locations", () => {
    const from = hop("https://api.test/a", "GET")
    const chain = startChain(from)
    const loop = nextHop(from, 302, "/a", chain, rules)
    expect(loop).toMatchObject({ _tag: "RedirectError", reason: "Loop" })

    const state = { redirects: 3, seen: new Set<string>() }
    expect(nextHop(from, 302, "/z", state, rules)).toMatchObject({
      reason: "TooMany",
      redirects: 3
    })
    expect(nextHop(from, 302, "mailto:x@y", startChain(from), rules)).toMatchObject({
      reason: "InvalidLocation"
    })
    expect(nextHop(from, 302, "http://[bad", startChain(from), rules)).toMatchObject({
      reason: "InvalidLocation"
    })
  })
})
