import { readFile } from "node:fs/promises"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { blobSha, fineGrainedToken } from "../../../nodes/github/fakeData.js"
import { getFile } from "../../../nodes/github/getFile.js"
import { putFile } from "../../../nodes/github/putFile.js"
import { githubHarness } from "./harness.js"

describe("github.getFile", () => {
  it.scopedLive("reads a file as text with its blob sha", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const out = yield* run(getFile, { repository: "acme/web", path: "docs/guide.md" })
      const text = "# Guide\n\nHow to run the site locally.\n"
      expect(out).toEqual({
        path: "docs/guide.md",
        sha: blobSha(Buffer.from(text)),
        size: text.length,
        text,
        url: "https://github.com/acme/web/blob/main/docs/guide.md"
      })
    })
  )

  it.scopedLive("saves a file to the run's workspace when asked", () =>
    Effect.gen(function* () {
      const { run, directory } = yield* githubHarness()
      const out = (yield* run(getFile, {
        repository: "acme/web",
        path: "package.json",
        asFile: true
      })) as {
        file: { path: string; name: string; size: number }
      }
      expect(out.file.path.startsWith(directory)).toBe(true)
      expect(out.file.name).toBe("package.json")
      const saved = yield* Effect.promise(() => readFile(out.file.path, "utf8"))
      expect(JSON.parse(saved)).toEqual({ name: "acme-web", version: "1.1.0" })
      expect(out.file.size).toBe(Buffer.byteLength(saved))
    })
  )

  it.scopedLive("fails for a directory, a missing file and a missing branch", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const directory = yield* Effect.flip(run(getFile, { repository: "acme/web", path: "docs" }))
      expect(directory._tag).toBe("ValidationError")
      const missing = yield* Effect.flip(run(getFile, { repository: "acme/web", path: "nope.txt" }))
      expect(missing._tag).toBe("NotFoundError")
      const branch = yield* Effect.flip(
        run(getFile, { repository: "acme/web", path: "README.md", ref: "gone" })
      )
      expect(branch._tag).toBe("NotFoundError")
    })
  )
})

describe("github.putFile", () => {
  it.scopedLive("creates a file, then updates it with the sha it looks up", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const created = yield* run(putFile, {
        repository: "acme/web",
        path: "CHANGELOG.md",
        content: "# Changelog\n",
        message: "Start a changelog"
      })
      expect(created).toMatchObject({
        created: true,
        path: "CHANGELOG.md",
        sha: blobSha(Buffer.from("# Changelog\n"))
      })

      const updated = yield* run(putFile, {
        repository: "acme/web",
        path: "CHANGELOG.md",
        content: Buffer.from("# Changelog\n\n- v1.2.0\n").toString("base64"),
        encoding: "base64",
        message: "Add v1.2.0"
      })
      expect(updated).toMatchObject({
        created: false,
        sha: blobSha(Buffer.from("# Changelog\n\n- v1.2.0\n"))
      })

      const writes = fake.state.exchanges.filter((e) => e.method === "PUT")
      expect(writes.map((w) => w.status)).toEqual([201, 200])
      expect((writes[1]!.body as { sha: string }).sha).toBe((created as { sha: string }).sha)
      expect(fake.state.repos[0]!.files.get("CHANGELOG.md")!.content.toString()).toBe(
        "# Changelog\n\n- v1.2.0\n"
      )
    })
  )

  it.scopedLive("fails with ConflictError when the file changed since its sha was read", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness()
      const error = yield* Effect.flip(
        run(putFile, {
          repository: "acme/web",
          path: "README.md",
          content: "stale",
          message: "Edit",
          sha: "0123456789012345678901234567890123456789"
        })
      )
      expect(error._tag).toBe("ConflictError")
      expect(error.message).toContain("its current sha")
    })
  )

  it.scopedLive("writes to another branch", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness()
      const out = yield* run(putFile, {
        repository: "acme/web",
        path: "README.md",
        content: "# release notes\n",
        message: "Release readme",
        branch: "release",
        committer: { name: "Release bot", email: "release@acme.test" }
      })
      expect(out).toMatchObject({ created: false })
      expect(fake.state.repos[0]!.files.get("README.md")!.content.toString()).toBe(
        "# acme web\n\nThe acme.test website.\n"
      )
      const text = yield* run(getFile, {
        repository: "acme/web",
        path: "README.md",
        ref: "release"
      })
      expect(text).toMatchObject({ text: "# release notes\n" })
    })
  )

  it.scopedLive("names the missing permission of a fine-grained token", () =>
    Effect.gen(function* () {
      const { run } = yield* githubHarness({ credential: { token: fineGrainedToken } })
      const error = yield* Effect.flip(
        run(putFile, { repository: "acme/web", path: "x.txt", content: "x", message: "x" })
      )
      expect(error).toMatchObject({
        _tag: "PermissionError",
        status: 403,
        missingScope: "contents=write"
      })
      expect(error.message).toContain("the token needs the permission contents: write")
    })
  )
})
