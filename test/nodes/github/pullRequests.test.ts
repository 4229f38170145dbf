import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { lastReleaseHour, seedStart } from "../../../nodes/github/fakeData.js"
import { listPullRequests } from "../../../nodes/github/listPullRequests.js"
import { githubHarness } from "./harness.js"

interface Pulls {
  readonly pullRequests: ReadonlyArray<{
    number: number
    merged: boolean
    mergedAt?: string
    state: string
    head: string
  }>
  readonly count: number
  readonly markdown: string
}

const lastRelease = new Date(seedStart + lastReleaseHour * 3_600_000).toISOString()

describe("github.listPullRequests", () => {
  it.scopedLive("lists open pull requests with their branches", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = (yield* run(listPullRequests, { repository: "acme/web", limit: 5 })) as Pulls
      expect(out.count).toBe(5)
      expect(out.pullRequests.every((p) => p.state === "open" && !p.merged)).toBe(true)
      expect(out.pullRequests[0]).toMatchObject({ number: 1_192, head: "feature-1192" })
    })
  )

  it.scopedLive(
    "keeps only pull requests merged after a time, reading just the pages it needs",
    () =>
      Effect.gen(function* () {
        const { fake, run } = yield* githubHarness()
        const out = (yield* run(listPullRequests, {
          repository: "acme/web",
          mergedAfter: lastRelease
        })) as Pulls
        const expected = fake.state.repos[0]!.issues.filter(
          (i) => i.pull?.mergedAt != null && i.pull.mergedAt > lastRelease
        )
          .map((i) => i.number)
          .sort((a, b) => b - a)
        expect(expected.length).toBeGreaterThan(0)
        expect(out.pullRequests.map((p) => p.number)).toEqual(expected)
        expect(out.pullRequests.every((p) => p.merged && p.mergedAt! > lastRelease)).toBe(true)
        expect(out.markdown).toContain(`- #${expected[0]} Pull request ${expected[0]}`)
        const calls = fake.state.exchanges.filter((e) => e.path === "/repos/acme/web/pulls")
        expect(calls).toHaveLength(1)
        expect(calls[0]!.query).toMatchObject({
          state: "closed",
          sort: "updated",
          direction: "desc",
          per_page: "100"
        })
      })
  )

  it.scopedLive("lists every merged pull request when asked for merged only", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(listPullRequests, {
        repository: "acme/web",
        mergedOnly: true,
        limit: 1_000
      })) as Pulls
      const merged = fake.state.repos[0]!.issues.filter((i) => i.pull?.mergedAt != null)
      expect(out.count).toBe(merged.length)
      expect(fake.state.exchanges.at(-1)!.query).toMatchObject({ state: "closed", per_page: "100" })
    })
  )
})
