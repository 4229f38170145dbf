import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { commentOnIssue } from "../../../nodes/github/commentOnIssue.js"
import { createIssue } from "../../../nodes/github/createIssue.js"
import { createRelease } from "../../../nodes/github/createRelease.js"
import { fineGrainedToken, sandboxClassicToken } from "../../../nodes/github/fakeData.js"
import { getFile } from "../../../nodes/github/getFile.js"
import { getLatestRelease } from "../../../nodes/github/getLatestRelease.js"
import { getRepository } from "../../../nodes/github/getRepository.js"
import { listIssues } from "../../../nodes/github/listIssues.js"
import { listPullRequests } from "../../../nodes/github/listPullRequests.js"
import { listRepositories } from "../../../nodes/github/listRepositories.js"
import { putFile } from "../../../nodes/github/putFile.js"
import { sandboxApp, sandboxAppKeys } from "../../../nodes/github/sandboxApp.js"
import { searchIssues } from "../../../nodes/github/searchIssues.js"
import { updateIssue } from "../../../nodes/github/updateIssue.js"
import { githubContract } from "../../support/openapi.js"
import { githubHarness } from "./harness.js"

describe("GitHub requests and fake answers against GitHub's OpenAPI description", () => {
  it.scopedLive("every request the nodes send, and every answer the fake gives, matches", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const repository = "acme/web"
      yield* run(listRepositories, { limit: 2 })
      yield* run(listRepositories, { owner: "acme", sort: "created", direction: "asc" })
      yield* run(listRepositories, { owner: "rpa-robot", ownerKind: "user" })
      yield* run(getRepository, { repository })
      yield* run(listIssues, {
        repository,
        state: "all",
        labels: ["bug", "help wanted"],
        assignee: "*",
        creator: "alice",
        milestone: "none",
        since: "2024-01-02T00:00:00Z",
        sort: "updated",
        direction: "asc",
        limit: 150
      })
      yield* run(createIssue, {
        repository,
        title: "Contract",
        body: "x",
        labels: ["bug"],
        assignees: ["bob"],
        milestone: 1
      })
      yield* run(updateIssue, {
        repository,
        number: 1_201,
        state: "closed",
        stateReason: "completed",
        milestone: null
      })
      yield* run(commentOnIssue, { repository, number: 1_201, body: "Done." })
      yield* run(listPullRequests, {
        repository,
        state: "all",
        base: "main",
        sort: "popularity",
        limit: 30
      })
      yield* run(listPullRequests, { repository, mergedAfter: "2024-02-15T00:00:00Z" })
      yield* run(getFile, { repository, path: "docs/guide.md", ref: "main" })
      yield* run(getFile, { repository, path: "README.md", asFile: true })
      yield* run(putFile, {
        repository,
        path: "notes/new file.md",
        content: "hi",
        message: "Add notes"
      })
      yield* run(putFile, {
        repository,
        path: "README.md",
        content: "# new",
        message: "Edit",
        branch: "release",
        committer: { name: "Bot", email: "bot@acme.test" }
      })
      yield* run(getLatestRelease, { repository })
      yield* run(createRelease, {
        repository,
        tagName: "v9.0.0",
        name: "Nine",
        body: "Notes",
        draft: true,
        generateReleaseNotes: true
      })
      yield* run(searchIssues, {
        query: "repo:acme/web is:pr is:merged merged:>2024-02-01",
        sort: "updated",
        order: "asc",
        limit: 150
      })

      yield* Effect.flip(run(createIssue, { repository, title: "x", assignees: ["mallory"] }))
      yield* Effect.flip(run(createRelease, { repository, tagName: "v1.0.0" }))
      yield* Effect.flip(run(getRepository, { repository: "acme/nope" }))
      yield* Effect.flip(
        run(putFile, {
          repository,
          path: "README.md",
          content: "x",
          message: "x",
          sha: "0".repeat(40)
        })
      )
      yield* Effect.flip(run(searchIssues, { query: "colour:blue" }))

      const problems = checkAll(fake.state.exchanges)
      expect(problems).toEqual([])
      expect(fake.state.exchanges.length).toBeGreaterThan(20)
    })
  )

  it.scoped("the app token exchange and permission and rate-limit answers match too", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2025, 0, 6, 9))
      const viaApp = yield* githubHarness({
        credential: {
          app: {
            appId: sandboxApp.appId,
            installationId: sandboxApp.installationId,
            privateKey: sandboxAppKeys().privateKeyPem
          }
        }
      })
      yield* viaApp.run(listIssues, { repository: "acme/api" })
      const installed = yield* Effect.promise(() =>
        fetch(`${viaApp.fake.url}/installation/repositories`, {
          headers: {
            authorization: `Bearer ${viaApp.fake.state.installationTokens[0]!.token}`,
            "user-agent": "contract-test"
          }
        }).then((r) => r.json())
      )
      expect(installed).toMatchObject({ total_count: 2 })

      const limited = yield* githubHarness({
        credential: { token: fineGrainedToken },
        fake: { secondaryLimitPerMinute: 2, secondaryRetryAfter: 600 }
      })
      yield* Effect.flip(
        limited.run(putFile, { repository: "acme/web", path: "x", content: "x", message: "x" })
      )
      yield* limited.run(createIssue, { repository: "acme/web", title: "one" })
      yield* Effect.flip(limited.run(createIssue, { repository: "acme/web", title: "two" }))

      const spent = yield* githubHarness({ fake: { rateLimit: 1 } })
      const get = () =>
        fetch(`${spent.fake.url}/repos/acme/web`, {
          headers: { authorization: `Bearer ${sandboxClassicToken}`, "user-agent": "contract-test" }
        })
      yield* Effect.promise(get)
      const refused = yield* Effect.promise(get)
      expect(refused.status).toBe(403)
      expect(refused.headers.get("x-ratelimit-remaining")).toBe("0")

      const exchanges = [
        ...viaApp.fake.state.exchanges,
        ...limited.fake.state.exchanges,
        ...spent.fake.state.exchanges
      ]
      expect(exchanges.map((e) => e.status)).toEqual([201, 200, 200, 404, 403, 201, 403, 200, 403])
      expect(checkAll(exchanges)).toEqual([])
    })
  )
})

describe("the GitHub contract check", () => {
  it("reports unknown parameters, bad values and bodies that do not match", () => {
    const contract = githubContract()
    expect(
      contract.checkRequest({
        method: "GET",
        path: "/repos/acme/web/issues",
        query: { state: "shut", colour: "x" },
        status: 200
      })
    ).toEqual([
      'issues/list-for-repo query parameter "state": must be equal to one of the allowed values {"allowedValues":["open","closed","all"]}',
      'issues/list-for-repo has no query parameter "colour"'
    ])
    expect(
      contract.checkRequest({
        method: "POST",
        path: "/repos/acme/web/issues",
        query: {},
        body: { body: "x" },
        status: 201
      })
    ).toEqual([
      `issues/create body: must have required property 'title' {"missingProperty":"title"}`
    ])
    expect(
      contract.checkResponse({
        method: "GET",
        path: "/repos/acme/web",
        query: {},
        status: 200,
        response: { id: 1 }
      })
    ).not.toEqual([])
  })
})

const checkAll = (
  exchanges: ReadonlyArray<Parameters<ReturnType<typeof githubContract>["checkRequest"]>[0]>
) => {
  const contract = githubContract()
  return exchanges.flatMap((exchange) => [
    ...contract.checkRequest(exchange).map((p) => `request: ${p}`),
    ...(exchange.response === undefined
      ? []
      : contract.checkResponse(exchange).map((p) => `response: ${p}`))
  ])
}
