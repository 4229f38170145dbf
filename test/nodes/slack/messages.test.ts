import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { deleteMessage } from "../../../nodes/slack/deleteMessage.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { slackHarness } from "./harness.js"

describe("slack.postMessage", () => {
  it.scopedLive("posts text and returns the message's channel, ts and text", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const out = yield* run(postMessage, { channel: "C0GENERAL", text: "Hello *team*" })
      expect(out).toMatchObject({ channel: "C0GENERAL", text: "Hello *team*", warnings: [] })
      expect(fake.state.posts).toHaveLength(1)
      expect(fake.state.posts[0]).toMatchObject({ channel: "C0GENERAL", text: "Hello *team*" })
      const call = fake.state.calls.at(-1)!
      expect(call.bearer).toBe(true)
      expect(call.params).not.toHaveProperty("token")
    })
  )

  it.scopedLive("posts blocks as a thread reply with link previews off", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const parent = (yield* run(postMessage, { channel: "C0DEPLOYS", text: "Deploying" })) as {
        ts: string
      }
      const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Done*" } }]
      const out = yield* run(postMessage, {
        channel: "C0DEPLOYS",
        text: "Done",
        blocks,
        threadTs: parent.ts,
        replyBroadcast: true,
        unfurlLinks: false,
        unfurlMedia: false
      })
      expect(out).toMatchObject({ channel: "C0DEPLOYS", threadTs: parent.ts })
      const params = fake.state.calls.at(-1)!.params
      expect(params).toMatchObject({
        thread_ts: parent.ts,
        reply_broadcast: "true",
        unfurl_links: "false",
        unfurl_media: "false"
      })
      expect(JSON.parse(String(params.blocks))).toEqual(blocks)
    })
  )

  it.scopedLive("refuses a message with neither text nor blocks before sending", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const error = yield* Effect.flip(run(postMessage, { channel: "C0GENERAL" }))
      expect(error._tag).toBe("InputError")
      expect(fake.state.calls).toHaveLength(0)
    })
  )

  it.scopedLive("reports invalid blocks as a ValidationError with the block's path", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const error = yield* Effect.flip(
        run(postMessage, { channel: "C0GENERAL", text: "x", blocks: [{ type: "section" }] })
      )
      expect(error._tag).toBe("ValidationError")
      if (error._tag !== "ValidationError") return
      expect(error.message).toContain("invalid_blocks")
      expect(error.issues[0]).toMatchObject({ path: "blocks[0]" })
      expect(error.issues[0]!.message).toContain("text or fields")
    })
  )

  it.scopedLive("maps channel errors to NotFoundError and PermissionError", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const missing = yield* Effect.flip(run(postMessage, { channel: "C0NOPE", text: "x" }))
      expect(missing._tag).toBe("NotFoundError")
      expect(missing.message).toContain("channel_not_found")
      const outside = yield* Effect.flip(run(postMessage, { channel: "C0NOTJOIN", text: "x" }))
      expect(outside._tag).toBe("PermissionError")
      expect(outside.message).toContain("/invite")
      const archived = yield* Effect.flip(run(postMessage, { channel: "C0OLDPROJ", text: "x" }))
      expect(archived._tag).toBe("PermissionError")
    })
  )
})

describe("slack.updateMessage and slack.deleteMessage", () => {
  it.scopedLive("edits and deletes a message the app posted", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const posted = (yield* run(postMessage, { channel: "C0GENERAL", text: "Draft" })) as {
        ts: string
      }
      const updated = yield* run(updateMessage, {
        channel: "C0GENERAL",
        ts: posted.ts,
        text: "Final"
      })
      expect(updated).toMatchObject({ channel: "C0GENERAL", ts: posted.ts, text: "Final" })
      expect(fake.state.history.get("C0GENERAL")!.find((m) => m.ts === posted.ts)?.text).toBe(
        "Final"
      )

      const deleted = yield* run(deleteMessage, { channel: "C0GENERAL", ts: posted.ts })
      expect(deleted).toEqual({ channel: "C0GENERAL", ts: posted.ts, warnings: [] })
      expect(fake.state.history.get("C0GENERAL")!.some((m) => m.ts === posted.ts)).toBe(false)

      const again = yield* Effect.flip(run(deleteMessage, { channel: "C0GENERAL", ts: posted.ts }))
      expect(again._tag).toBe("NotFoundError")
    })
  )

  it.scopedLive("cannot edit or delete someone else's message", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const theirs = fake.state.history.get("C0GENERAL")![0]!.ts
      const edit = yield* Effect.flip(
        run(updateMessage, { channel: "C0GENERAL", ts: theirs, text: "x" })
      )
      expect(edit._tag).toBe("PermissionError")
      expect(edit.message).toContain("cant_update_message")
      const remove = yield* Effect.flip(run(deleteMessage, { channel: "C0GENERAL", ts: theirs }))
      expect(remove._tag).toBe("PermissionError")
    })
  )
})

describe("slack.scheduleMessage", () => {
  it.scopedLive("schedules a message at an ISO time or Unix seconds", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const inOneHour = Math.floor(Date.now() / 1000) + 3600
      const iso = new Date(inOneHour * 1000).toISOString()
      const byIso = yield* run(scheduleMessage, {
        channel: "C0GENERAL",
        postAt: iso,
        text: "Standup"
      })
      expect(byIso).toMatchObject({ channel: "C0GENERAL", postAt: inOneHour })
      const bySeconds = yield* run(scheduleMessage, {
        channel: "C0GENERAL",
        postAt: inOneHour + 60,
        blocks: [{ type: "divider" }]
      })
      expect(bySeconds).toMatchObject({ postAt: inOneHour + 60 })
      expect(fake.state.scheduled.map((s) => s.postAt)).toEqual([inOneHour, inOneHour + 60])
    })
  )

  it.scopedLive("rejects a time in the past with a ValidationError", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const error = yield* Effect.flip(
        run(scheduleMessage, { channel: "C0GENERAL", postAt: "2001-01-01T00:00:00Z", text: "late" })
      )
      expect(error._tag).toBe("ValidationError")
      expect(error.message).toContain("time_in_past")
    })
  )
})
