import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, JSONSchema } from "effect"
import { addReaction } from "../../../nodes/slack/addReaction.js"
import { deleteMessage } from "../../../nodes/slack/deleteMessage.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"
import { slackHarness } from "./harness.js"

/** The JSON Schema description of a node's `channel` input field. */
const channelDescription = (node: NodeDefinition): string => {
  const schema = JSONSchema.make(node.input) as {
    properties?: Record<string, { description?: string }>
    $defs?: Record<string, { properties?: Record<string, { description?: string }> }>
    $ref?: string
  }
  const root =
    schema.properties ?? Object.values(schema.$defs ?? {}).find((d) => d.properties)?.properties
  return root?.channel?.description ?? ""
}

describe("Slack methods that need a conversation id", () => {
  it.scopedLive("send and schedule take a channel name; the others answer channel_not_found", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const posted = (yield* run(postMessage, { channel: "#general", text: "Draft" })) as {
        channel: string
        ts: string
      }
      expect(posted.channel).toBe("C0GENERAL")
      const scheduled = yield* run(scheduleMessage, {
        channel: "general",
        postAt: Math.floor(Date.now() / 1000) + 3_600,
        text: "Later"
      })
      expect(scheduled).toMatchObject({ channel: "C0GENERAL" })

      const ts = posted.ts
      const byName = [
        run(readHistory, { channel: "#general" }),
        run(addReaction, { channel: "#general", ts, emoji: "tada" }),
        run(updateMessage, { channel: "#general", ts, text: "Final" }),
        run(deleteMessage, { channel: "#general", ts }),
        run(readHistory, { channel: "general" })
      ]
      for (const call of byName) {
        const error = yield* Effect.flip(call)
        expect(error).toMatchObject({ _tag: "NotFoundError" })
        expect(error.message).toContain("channel_not_found")
        expect(error.message).toContain("other steps need the id (List conversations gives it)")
      }
      const message = fake.state.history.get("C0GENERAL")!.find((m) => m.ts === ts)!
      expect(message.text).toBe("Draft")
      expect(message.reactions.size).toBe(0)

      // The same calls by id work.
      yield* run(addReaction, { channel: "C0GENERAL", ts, emoji: "tada" })
      yield* run(updateMessage, { channel: "C0GENERAL", ts, text: "Final" })
      expect(message.text).toBe("Final")
    })
  )

  it.scopedLive("an upload shared to a channel name is channel_not_found", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "slack-ids-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
      )
      const path = join(dir, "notes.txt")
      yield* Effect.promise(() => writeFile(path, "notes"))
      const file = { path, name: "notes.txt", mimeType: "text/plain", size: 5 }
      const { fake, run } = yield* slackHarness()
      const error = yield* Effect.flip(run(uploadFile, { file, channel: "#deploys" }))
      expect(error).toMatchObject({ _tag: "NotFoundError" })
      expect([...fake.state.files.values()].every((f) => f.shared.length === 0)).toBe(true)
      const shared = yield* run(uploadFile, { file, channel: "C0DEPLOYS" })
      expect(shared).toMatchObject({ channel: "C0DEPLOYS" })
    })
  )

  it("the channel fields say an id is needed and where to find it", () => {
    for (const node of [readHistory, addReaction, updateMessage, deleteMessage, uploadFile]) {
      const description = channelDescription(node)
      expect(description, node.type).toContain("`C0123ABCD`")
      expect(description, node.type).toContain("slack.listConversations")
      expect(description, node.type).toMatch(/not found/)
    }
  })
})
