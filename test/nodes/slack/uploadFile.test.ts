import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import { slackHarness } from "./harness.js"

/** A file of `size` bytes in a temporary folder, removed with the scope. */
const tempFile = (name: string, size: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await mkdtemp(join(tmpdir(), "slack-upload-"))
      const path = join(dir, name)
      await writeFile(path, Buffer.alloc(size, 7))
      return { dir, file: { path, name, mimeType: "text/csv", size } }
    }),
    ({ dir }) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  ).pipe(Effect.map(({ file }) => file))

describe("slack.uploadFile", () => {
  it.scopedLive("uploads in three steps and shares the file in a thread", () =>
    Effect.gen(function* () {
      const file = yield* tempFile("report.csv", 300_000)
      const { fake, run } = yield* slackHarness()
      const parent = fake.state.history.get("C0DEPLOYS")![0]!.ts
      const out = yield* run(uploadFile, {
        file,
        channel: "C0DEPLOYS",
        threadTs: parent,
        title: "Weekly report",
        initialComment: "Here is the report",
        altText: "A table"
      })
      expect(out).toMatchObject({
        name: "report.csv",
        title: "Weekly report",
        size: 300_000,
        channel: "C0DEPLOYS",
        warnings: []
      })

      const steps = fake.state.calls.map((c) => c.method)
      expect(steps).toEqual([
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal"
      ])
      const [start, bytes, complete] = fake.state.calls
      expect(start!.params).toMatchObject({
        filename: "report.csv",
        length: "300000",
        alt_txt: "A table"
      })
      expect(bytes!.bearer).toBe(false)
      expect(bytes!.params).toEqual({ size: 300_000 })
      expect(complete!.params).toMatchObject({
        channel_id: "C0DEPLOYS",
        thread_ts: parent,
        initial_comment: "Here is the report"
      })
      expect(JSON.parse(String(complete!.params.files))).toEqual([
        { id: (out as { fileId: string }).fileId, title: "Weekly report" }
      ])
      const shared = fake.state.history.get("C0DEPLOYS")!.at(-1)!
      expect(shared).toMatchObject({ text: "Here is the report", threadTs: parent })
    })
  )

  it.scopedLive("keeps a file private when no channel is given", () =>
    Effect.gen(function* () {
      const file = yield* tempFile("notes.txt", 12)
      const { fake, run } = yield* slackHarness()
      const out = yield* run(uploadFile, { file })
      expect(out).toMatchObject({ name: "notes.txt", title: "notes.txt" })
      expect([...fake.state.files.values()][0]!.shared).toEqual([])
    })
  )

  it.scopedLive("fails with PermissionError when the app is not in the channel", () =>
    Effect.gen(function* () {
      const file = yield* tempFile("notes.txt", 12)
      const { run } = yield* slackHarness()
      const error = yield* Effect.flip(run(uploadFile, { file, channel: "C0NOTJOIN" }))
      expect(error._tag).toBe("PermissionError")
    })
  )
})
