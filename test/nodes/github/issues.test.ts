import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { commentOnIssue } from "../../../nodes/github/commentOnIssue.js"
import { createIssue } from "../../../nodes/github/createIssue.js"
import type { GitHubExchange } from "../../../nodes/github/fake.js"
import { fineGrainedToken, noScopeToken } from "../../../nodes/github/fakeData.js"
import { listIssues } from "../../../nodes/github/listIssues.js"
import { updateIssue } from "../../../nodes/github/updateIssue.js"
import { githubHarness } from "./harness.js"

interface Issue {
  readonly number: number
  readonly title: string
  readonly state: string
  readonly labels: ReadonlyArray<string>
  readonly isPullRequest: boolean
}

interface Issues {
  readonly issues: ReadonlyArray<Issue>
  readonly count: number
  readonly markdown: string
  readonly slackText: string
}

const issueCalls = (exchanges: ReadonlyArray<GitHubExchange>) =>
  exchanges.filter((e) => e.method === "GET" && e.path === "/repos/acme/web/issues")

describe("github.listIssues", () => {
  it.scopedLive("follows Link pages through 1,000 issues and stops at the limit", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(listIssues, {
        repository: "acme/web",
        state: "all",
        includePullRequests: true,
        limit: 1_000
      })) as Issues
      expect(out.count).toBe(1_000)
      expect(new Set(out.issues.map((i) => i.number)).size).toBe(1_000)
      expect(out.issues[0]!.number).toBe(1_200)
      const calls = issueCalls(fake.state.exchanges)
      expect(calls).toHaveLength(10)
      expect(calls.every((c) => c.query.per_page === "100")).toBe(true)
      expect(calls.map((c) => c.query.page)).toEqual([
        undefined,
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10"
      ])
    })
  )

  it.scopedLive("reads only the pages it needs for a small limit", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(listIssues, {
        repository: "acme/web",
        state: "all",
        includePullRequests: true,
        limit: 130
      })) as Issues
      expect(out.count).toBe(130)
      expect(issueCalls(fake.state.exchanges)).toHaveLength(2)
    })
  )

  it.scopedLive("filters by label and state, and leaves pull requests out", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(listIssues, {
        repository: "acme/web",
        labels: ["bug"],
        limit: 500
      })) as Issues
      const expected = fake.state.repos[0]!.issues.filter(
        (i) => i.state === "open" && i.labels.includes("bug") && i.pull === undefined
      )
      expect(out.count).toBe(expected.length)
      expect(
        out.issues.every((i) => i.labels.includes("bug") && i.state === "open" && !i.isPullRequest)
      ).toBe(true)
      expect(out.markdown.split("\n")[0]).toMatch(/^- #\d+ Issue \d+: .+ \(@\w+\)$/)
      expect(out.slackText.split("\n")[0]).toMatch(
        /^• <https:\/\/github\.com\/acme\/web\/issues\/\d+\|#\d+> Issue /
      )
      const query = issueCalls(fake.state.exchanges)[0]!.query
      expect(query).toMatchObject({ labels: "bug", state: "open" })
    })
  )

  it.scopedLive(
    "keeps reading pages until enough issues remain after pull requests are left out",
    () =>
      Effect.gen(function* () {
        const { run } = yield* githubHarness()
        const out = (yield* run(listIssues, {
          repository: "acme/web",
          state: "all",
          limit: 150
        })) as Issues
        expect(out.count).toBe(150)
        expect(out.issues.some((i) => i.isPullRequest)).toBe(false)
      })
  )

  it.scopedLive("says a private repository may be out of the credential's reach", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness({ credential: { token: noScopeToken } })
      const error = yield* Effect.flip(run(listIssues, { repository: "acme/api" }))
      expect(error._tag).toBe("NotFoundError")
      expect(error.message).toContain("acme/api is private")
      expect(error.message).toContain("credential 'gh' may lack access")
    })
  )
})

describe("github.createIssue, github.updateIssue and github.commentOnIssue", () => {
  it.scopedLive("opens, comments on and closes an issue", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const created = (yield* run(createIssue, {
        repository: "acme/web",
        title: "Nightly export failed",
        body: "See the log.",
        labels: ["bug", "robot"],
        assignees: ["alice"],
        milestone: 1
      })) as Issue & { number: number; assignees: Array<string>; milestone: string; author: string }
      expect(created).toMatchObject({
        number: 1_201,
        title: "Nightly export failed",
        state: "open",
        labels: ["bug", "robot"],
        assignees: ["alice"],
        milestone: "v2.0",
        author: "rpa-robot"
      })

      const comment = yield* run(commentOnIssue, {
        repository: "acme/web",
        number: 1_201,
        body: "Retrying tonight."
      })
      expect(comment).toMatchObject({
        author: "rpa-robot",
        url: expect.stringContaining("#issuecomment-")
      })

      const closed = yield* run(updateIssue, {
        repository: "acme/web",
        number: 1_201,
        state: "closed",
        stateReason: "not_planned",
        labels: ["wontfix"]
      })
      expect(closed).toMatchObject({
        state: "closed",
        stateReason: "not_planned",
        labels: ["wontfix"],
        comments: 1
      })
      expect(fake.state.exchanges.map((e) => `${e.method} ${e.status}`)).toEqual([
        "POST 201",
        "POST 201",
        "PATCH 200"
      ])
    })
  )

  it.scopedLive("reports the field GitHub rejected as a ValidationError", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const error = yield* Effect.flip(
        run(createIssue, { repository: "acme/web", title: "x", assignees: ["mallory"] })
      )
      expect(error._tag).toBe("ValidationError")
      if (error._tag !== "ValidationError") return
      expect(error.status).toBe(422)
      expect(error.issues).toEqual([{ path: "assignees", message: "Issue assignees is not valid" }])
      expect(error.message).toContain("Validation Failed")
    })
  )

  it.scopedLive("refuses an empty title before sending", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const error = yield* Effect.flip(run(createIssue, { repository: "acme/web", title: " " }))
      expect(error._tag).toBe("InputError")
      expect(fake.state.exchanges).toHaveLength(0)
    })
  )

  it.scopedLive("fails with NotFoundError for an unknown issue", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const error = yield* Effect.flip(
        run(updateIssue, { repository: "acme/web", number: 99_999, state: "closed" })
      )
      expect(error._tag).toBe("NotFoundError")
    })
  )

  it.scopedLive("a fine-grained token outside its repositories sees nothing", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness({ credential: { token: fineGrainedToken } })
      const ok = yield* run(createIssue, { repository: "acme/web", title: "Allowed" })
      expect(ok).toMatchObject({ title: "Allowed" })
      const error = yield* Effect.flip(
        run(createIssue, { repository: "acme/api", title: "Not allowed" })
      )
      expect(error._tag).toBe("NotFoundError")
    })
  )
})
