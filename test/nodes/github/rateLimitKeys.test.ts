import { describe, expect, it } from "vitest"
import { githubRateLimits } from "../../../nodes/github/rateLimits.js"

describe("githubRateLimits", () => {
  const limitsFor = githubRateLimits("gh")

  it("holds content creation to GitHub's 80 a minute and 500 an hour", () => {
    const limits = limitsFor({
      method: "POST",
      url: "https://api.github.com/repos/acme/web/issues"
    })
    expect(limits).toEqual([
      { key: "github:gh:content:minute", limit: 80, intervalMs: 60_000 },
      { key: "github:gh:content:hour", limit: 500, intervalMs: 3_600_000 }
    ])
    expect(
      limitsFor({ method: "PUT", url: "https://api.github.com/repos/acme/web/contents/a" })
    ).toBe(limits)
  })

  it("holds search to 30 a minute and leaves other reads to the response headers", () => {
    expect(limitsFor({ method: "GET", url: "https://api.github.com/search/issues" })).toEqual([
      { key: "github:gh:search", limit: 30, intervalMs: 60_000 }
    ])
    expect(
      limitsFor({ method: "GET", url: "https://api.github.com/repos/acme/web/issues" })
    ).toEqual([])
  })
})
