import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createRelease } from "../../../nodes/github/createRelease.js"
import { getLatestRelease } from "../../../nodes/github/getLatestRelease.js"
import { githubHarness } from "./harness.js"

describe("github.getLatestRelease and github.createRelease", () => {
  it.scopedLive("reads the latest full release, skipping pre-releases", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const latest = yield* run(getLatestRelease, { repository: "acme/web" })
      expect(latest).toMatchObject({ tagName: "v1.1.0", prerelease: false, draft: false })
      const none = yield* Effect.flip(run(getLatestRelease, { repository: "acme/api" }))
      expect(none._tag).toBe("NotFoundError")
    })
  )

  it.scopedLive("publishes a release, which becomes the latest", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const created = yield* run(createRelease, {
        repository: "acme/web",
        tagName: "v1.2.0",
        name: "v1.2.0",
        body: "## Changes\n- #1184 Pull request 1184"
      })
      expect(created).toMatchObject({
        tagName: "v1.2.0",
        target: "main",
        author: "rpa-robot",
        body: expect.stringContaining("#1184")
      })
      const latest = yield* run(getLatestRelease, { repository: "acme/web" })
      expect(latest).toMatchObject({ tagName: "v1.2.0" })
    })
  )

  it.scopedLive("lets GitHub generate the notes from merged pull requests", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const created = (yield* run(createRelease, {
        repository: "acme/web",
        tagName: "v1.3.0",
        generateReleaseNotes: true
      })) as {
        body: string
      }
      expect(created.body).toContain("## What's Changed")
      expect(created.body).toContain("compare/v1.1.0...v1.3.0")
    })
  )

  it.scopedLive("a tag that already has a release is a ValidationError on tag_name", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const error = yield* Effect.flip(
        run(createRelease, { repository: "acme/web", tagName: "v1.0.0" })
      )
      expect(error).toMatchObject({
        _tag: "ValidationError",
        issues: [{ path: "tag_name", message: "Release tag_name already exists" }]
      })
    })
  )
})
