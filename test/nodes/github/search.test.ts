import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { searchIssues } from "../../../nodes/github/searchIssues.js"
import { githubHarness } from "./harness.js"

interface Found {
  readonly totalCount: number
  readonly count: number
  readonly items: ReadonlyArray<{
    number: number
    labels: ReadonlyArray<string>
    isPullRequest: boolean
    state: string
  }>
}

describe("github.searchIssues", () => {
  it.scopedLive("finds issues by qualifiers and follows pages up to the limit", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(searchIssues, {
        query: "repo:acme/web is:issue is:open label:bug",
        limit: 120
      })) as Found
      const expected = fake.state.repos[0]!.issues.filter(
        (i) => i.pull === undefined && i.state === "open" && i.labels.includes("bug")
      )
      expect(out.totalCount).toBe(expected.length)
      expect(out.count).toBe(Math.min(120, expected.length))
      expect(
        out.items.every((i) => i.labels.includes("bug") && !i.isPullRequest && i.state === "open")
      ).toBe(true)
    })
  )

  it.scopedLive("stops at the limit across pages", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(searchIssues, { query: "repo:acme/web", limit: 250 })) as Found
      expect(out.totalCount).toBe(1_200)
      expect(out.count).toBe(250)
      expect(fake.state.exchanges.map((e) => e.query.page)).toEqual([undefined, "2", "3"])
    })
  )

  it.scopedLive("finds merged pull requests since a date", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = (yield* run(searchIssues, {
        query: "repo:acme/web is:pr is:merged merged:>2024-02-15"
      })) as Found
      expect(out.count).toBeGreaterThan(0)
      expect(out.items.every((i) => i.isPullRequest)).toBe(true)
    })
  )

  it.scopedLive("reports a query GitHub cannot read as a ValidationError", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const error = yield* Effect.flip(run(searchIssues, { query: "repo:acme/web colour:blue" }))
      expect(error._tag).toBe("ValidationError")
    })
  )
})
