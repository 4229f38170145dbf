import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { historyStart, readOnlyBotToken } from "../../../nodes/slack/fakeWorkspace.js"
import { listConversations } from "../../../nodes/slack/listConversations.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { slackHarness } from "./harness.js"

interface Listed {
  readonly conversations: ReadonlyArray<{
    id: string
    name: string
    isArchived: boolean
    isPrivate: boolean
  }>
  readonly count: number
}

interface History {
  readonly messages: ReadonlyArray<{ ts: string; text: string }>
  readonly count: number
}

describe("slack.listConversations", () => {
  it.scopedLive("follows cursor pages to the end of the list", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness({ fake: { maxPageSize: 10 } })
      const out = (yield* run(listConversations, {})) as Listed
      expect(out.count).toBe(45)
      expect(out.conversations[0]).toMatchObject({
        id: "C0GENERAL",
        name: "general",
        isPrivate: false
      })
      expect(new Set(out.conversations.map((c) => c.id)).size).toBe(45)
      expect(out.conversations.map((c) => c.id)).not.toContain("G0PRIVATE")
      const calls = fake.state.calls.filter((c) => c.method === "conversations.list")
      expect(calls).toHaveLength(5)
      expect(calls[0]!.params.cursor).toBeUndefined()
      expect(calls.slice(1).every((c) => typeof c.params.cursor === "string")).toBe(true)
    })
  )

  it.scopedLive("lists the kinds asked for, and a small limit sends one request", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const all = (yield* run(listConversations, {
        types: ["public_channel", "private_channel"],
        excludeArchived: true,
        limit: 10_000
      })) as Listed
      expect(all.count).toBe(45)
      expect(all.conversations.some((c) => c.isArchived)).toBe(false)
      expect(all.conversations.some((c) => c.isPrivate)).toBe(true)

      const small = yield* slackHarness()
      const cut = (yield* small.run(listConversations, { limit: 3 })) as Listed
      expect(cut.conversations.map((c) => c.id)).toEqual(["C0GENERAL", "C0RANDOM1", "C0DEPLOYS"])
      expect(small.fake.state.calls).toHaveLength(1)
      expect(
        fake.state.calls.every((c) => c.params.types === "public_channel,private_channel")
      ).toBe(true)
    })
  )

  it.scopedLive("names the missing scope when the token may not list private channels", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness({ token: readOnlyBotToken })
      const error = yield* Effect.flip(run(listConversations, { types: ["private_channel"] }))
      expect(error._tag).toBe("PermissionError")
      if (error._tag !== "PermissionError") return
      expect(error.missingScope).toBe("groups:read")
      expect(error.message).toContain('"groups:read" scope')
    })
  )
})

describe("slack.readHistory", () => {
  it.scopedLive("reads newest first across cursor pages, up to the limit", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const out = (yield* run(readHistory, { channel: "C0GENERAL", limit: 230 })) as History
      expect(out.count).toBe(230)
      expect(out.messages[0]!.text).toBe("Message 250 in #general")
      expect(out.messages.at(-1)!.text).toBe("Message 21 in #general")
      const calls = fake.state.calls.filter((c) => c.method === "conversations.history")
      expect(calls).toHaveLength(2)
      expect(calls[0]!.params.cursor).toBeUndefined()
      expect(calls[1]!.params.cursor).toEqual(expect.any(String))
    })
  )

  it.scopedLive("reads between two times given as timestamps or ISO dates", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const oldest = new Date((historyStart + 9 * 60) * 1000).toISOString()
      const latest = `${historyStart + 19 * 60}.000000`
      const out = (yield* run(readHistory, { channel: "C0GENERAL", oldest, latest })) as History
      expect(out.messages.map((m) => m.text)).toEqual(
        Array.from({ length: 9 }, (_, i) => `Message ${19 - i} in #general`)
      )
      const inclusive = (yield* run(readHistory, {
        channel: "C0GENERAL",
        oldest,
        latest,
        inclusive: true
      })) as History
      expect(inclusive.count).toBe(11)
    })
  )

  it.scopedLive("fails with PermissionError when the app is not in the channel", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const error = yield* Effect.flip(run(readHistory, { channel: "C0NOTJOIN" }))
      expect(error._tag).toBe("PermissionError")
      expect(error.message).toContain("not_in_channel")
    })
  )
})
