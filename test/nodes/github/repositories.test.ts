import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fineGrainedToken } from "../../../nodes/github/fakeData.js"
import { getRepository } from "../../../nodes/github/getRepository.js"
import { listRepositories } from "../../../nodes/github/listRepositories.js"
import { githubHarness } from "./harness.js"

interface Repos {
  readonly repositories: ReadonlyArray<{ fullName: string; private: boolean }>
  readonly count: number
}

describe("github.listRepositories", () => {
  it.scopedLive("lists the credential's own repositories, private ones included", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = (yield* run(listRepositories, {})) as Repos
      expect(out.repositories.map((r) => r.fullName)).toEqual([
        "acme/api",
        "acme/web",
        "rpa-robot/notes"
      ])
      const privateOnly = (yield* run(listRepositories, { visibility: "private" })) as Repos
      expect(privateOnly.repositories.every((r) => r.private)).toBe(true)
    })
  )

  it.scopedLive("lists an organisation's repositories, page by page up to the limit", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = (yield* run(listRepositories, { owner: "acme", limit: 1 })) as Repos
      expect(out.repositories.map((r) => r.fullName)).toEqual(["acme/api"])
      expect(fake.state.exchanges.at(-1)).toMatchObject({
        path: "/orgs/acme/repos",
        query: { per_page: "1" }
      })
      const all = (yield* run(listRepositories, {
        owner: "acme",
        sort: "created",
        direction: "asc"
      })) as Repos
      expect(all.repositories.map((r) => r.fullName)).toEqual(["acme/web", "acme/api"])
    })
  )

  it.scopedLive("lists a user's public repositories", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = (yield* run(listRepositories, { owner: "rpa-robot", ownerKind: "user" })) as Repos
      expect(out.count).toBe(0)
      const wrongKind = yield* Effect.flip(run(listRepositories, { owner: "rpa-robot" }))
      expect(wrongKind._tag).toBe("NotFoundError")
    })
  )
})

describe("github.getRepository", () => {
  it.scopedLive("reads a repository's details", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = yield* run(getRepository, { repository: "acme/web" })
      expect(out).toMatchObject({
        fullName: "acme/web",
        owner: "acme",
        private: false,
        defaultBranch: "main",
        language: "TypeScript",
        archived: false,
        url: "https://github.com/acme/web"
      })
    })
  )

  it.scopedLive("cannot see a private repository outside a fine-grained token's selection", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness({ credential: { token: fineGrainedToken } })
      const error = yield* Effect.flip(run(getRepository, { repository: "acme/api" }))
      expect(error).toMatchObject({ _tag: "NotFoundError", status: 404 })
      expect(error.message).toContain("may lack access")
    })
  )

  it.scopedLive("rejects a repository that is not owner/name before sending", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const error = yield* Effect.flip(run(getRepository, { repository: "web" }))
      expect(error._tag).toBe("InputError")
      expect(fake.state.exchanges).toHaveLength(0)
    })
  )
})
