import { readFile } from "node:fs/promises"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { blobSha, fineGrainedToken } from "../../../nodes/github/fakeData.js"
import { getFile } from "../../../nodes/github/getFile.js"
import { putFile } from "../../../nodes/github/putFile.js"
import { type Exchange, githubContract } from "../../support/openapi.js"
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

describe("github.putFile when GitHub's answer is lost", () => {
  /** Retries at once, so the resent PUT follows the lost one without a real wait. */
  const quickRetries = { kernel: { retry: { baseDelayMs: 0, jitter: "none" as const } } }

  it.scopedLive("a create whose answer was lost succeeds though the resent PUT gets 422", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness(quickRetries)
      fake.state.dropConnection({ method: "PUT", when: "afterActing" })
      const out = yield* run(putFile, {
        repository: "acme/web",
        path: "CHANGELOG.md",
        content: "# Changelog\n",
        message: "Start a changelog"
      })
      const file = fake.state.repos[0]!.files.get("CHANGELOG.md")!
      expect(out).toEqual({
        created: true,
        path: "CHANGELOG.md",
        sha: blobSha(Buffer.from("# Changelog\n")),
        commitSha: file.commit!.sha,
        commitUrl: `https://github.com/acme/web/commit/${file.commit!.sha}`
      })
      expect(
        fake.state.exchanges.map((e) => `${e.method} ${e.path} ${e.status}${e.lost ? " lost" : ""}`)
      ).toEqual([
        "GET /repos/acme/web/contents/CHANGELOG.md 404",
        "PUT /repos/acme/web/contents/CHANGELOG.md 201 lost",
        "PUT /repos/acme/web/contents/CHANGELOG.md 422",
        "GET /repos/acme/web/contents/CHANGELOG.md 200",
        "GET /repos/acme/web/commits 200"
      ])
      expect(fake.state.exchanges.at(-1)!.query).toEqual({
        path: "CHANGELOG.md",
        per_page: "1"
      })
      expect(checkAll(fake.state.exchanges.filter((e) => e.lost !== true))).toEqual([])
    })
  )

  it.scopedLive(
    "an update on a branch whose answer was lost succeeds though the resend gets 409",
    () =>
      Effect.gen(function* () {
        const { fake, run } = yield* githubHarness(quickRetries)
        fake.state.dropConnection({ method: "PUT", when: "afterActing" })
        const out = yield* run(putFile, {
          repository: "acme/web",
          path: "README.md",
          content: "# release notes\n",
          message: "Release readme",
          branch: "release"
        })
        expect(out).toMatchObject({
          created: false,
          sha: blobSha(Buffer.from("# release notes\n"))
        })
        const puts = fake.state.exchanges.filter((e) => e.method === "PUT")
        expect(puts.map((e) => e.status)).toEqual([200, 409])
        const commits = fake.state.exchanges.at(-1)!
        expect(commits).toMatchObject({
          path: "/repos/acme/web/commits",
          query: { path: "README.md", sha: "release", per_page: "1" }
        })
        expect((out as { commitSha: string }).commitSha).toBe(
          (puts[0]!.response as { commit: { sha: string } }).commit.sha
        )
      })
  )

  it.scopedLive("a lost PUT that wrote nothing fails with its error and says so", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness({
        kernel: { retry: { maxAttempts: 2, baseDelayMs: 0, jitter: "none" } }
      })
      fake.state.dropConnection({ method: "PUT", when: "beforeActing" })
      fake.state.dropConnection({ method: "PUT", when: "beforeActing" })
      const error = yield* Effect.flip(
        run(putFile, { repository: "acme/web", path: "new.txt", content: "x", message: "Add" })
      )
      expect(error).toMatchObject({ _tag: "TransportError", requestSent: true })
      expect(error.message).toContain(
        "Nothing was written: new.txt in acme/web still does not exist"
      )
      expect(fake.state.repos[0]!.files.has("new.txt")).toBe(false)
    })
  )

  it.scopedLive("a 422 for a file created by someone else meanwhile is a ConflictError", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* githubHarness(quickRetries)
      // The lookup misses the file, as if it was created just after.
      fake.state.inject({
        method: "GET",
        path: "/repos/acme/web/contents/README.md",
        status: 404,
        body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" }
      })
      const error = yield* Effect.flip(
        run(putFile, { repository: "acme/web", path: "README.md", content: "x", message: "Edit" })
      )
      expect(error).toMatchObject({ _tag: "ConflictError", status: 422 })
      expect(error.message).toContain(
        "README.md in acme/web was created by another change while this step wrote it"
      )
      expect(fake.state.repos[0]!.files.get("README.md")!.content.toString()).toBe(
        "# acme web\n\nThe acme.test website.\n"
      )
    })
  )
})

const checkAll = (exchanges: ReadonlyArray<Exchange>) => {
  const contract = githubContract()
  return exchanges.flatMap((exchange) => [
    ...contract.checkRequest(exchange),
    ...(exchange.response === undefined ? [] : contract.checkResponse(exchange))
  ])
}
