import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { addReaction } from "../../../nodes/slack/addReaction.js"
import { deleteMessage } from "../../../nodes/slack/deleteMessage.js"
import { listConversations } from "../../../nodes/slack/listConversations.js"
import { lookupUserByEmail } from "../../../nodes/slack/lookupUserByEmail.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import { slackContract } from "../../support/openapiSlack.js"
import { slackHarness } from "./harness.js"

describe("Slack calls against Slack's Web API description", () => {
  it.scopedLive("every request the nodes send, and every answer the fake gives, matches", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "slack-contract-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
      )
      const path = join(dir, "build.log")
      yield* Effect.promise(() => writeFile(path, "ok\n"))
      const { fake, run } = yield* slackHarness({ fake: { maxPageSize: 20 } })

      const posted = (yield* run(postMessage, {
        channel: "C0DEPLOYS",
        text: "Deploying",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Deploying*" } }],
        unfurlLinks: false
      })) as { ts: string }
      yield* run(updateMessage, { channel: "C0DEPLOYS", ts: posted.ts, text: "Deployed" })
      yield* run(addReaction, { channel: "C0DEPLOYS", ts: posted.ts, emoji: "rocket" })
      yield* run(scheduleMessage, {
        channel: "C0DEPLOYS",
        postAt: Math.floor(Date.now() / 1000) + 600,
        text: "Retro"
      })
      yield* run(listConversations, {
        types: ["public_channel", "private_channel"],
        excludeArchived: true
      })
      yield* run(readHistory, { channel: "C0GENERAL", oldest: "1700000000.000000", limit: 50 })
      yield* run(lookupUserByEmail, { email: "carol@acme.test" })
      yield* run(uploadFile, {
        file: { path, name: "build.log", mimeType: "text/plain", size: 3 },
        channel: "C0DEPLOYS"
      })
      yield* run(deleteMessage, { channel: "C0DEPLOYS", ts: posted.ts })
      yield* Effect.flip(run(postMessage, { channel: "C0NOPE", text: "x" }))
      const whoAmI = yield* Effect.promise(() =>
        fetch(`${fake.url}/api/auth.test`, {
          headers: { authorization: "Bearer xoxb-1000-2000-sandbox" }
        }).then((r) => r.json())
      )
      expect(whoAmI).toMatchObject({ ok: true, user: "rpa-bot", team: "Acme" })

      const contract = slackContract()
      const api = fake.state.calls.filter((c) => c.method !== "upload")
      const described = api.filter((c) => contract.describes(c.method))
      expect(new Set(described.map((c) => c.method))).toEqual(
        new Set([
          "chat.postMessage",
          "chat.update",
          "reactions.add",
          "chat.scheduleMessage",
          "conversations.list",
          "conversations.history",
          "users.lookupByEmail",
          "chat.delete",
          "auth.test"
        ])
      )
      expect(api.filter((c) => !contract.describes(c.method)).map((c) => c.method)).toEqual([
        "files.getUploadURLExternal",
        "files.completeUploadExternal"
      ])
      const problems = api.flatMap((call) => [
        ...contract.checkRequest(call),
        ...contract.checkResponse(call)
      ])
      expect(problems).toEqual([])
    })
  )
})

describe("the Slack contract check", () => {
  it("reports unknown and missing arguments, wrong types and the wrong HTTP method", () => {
    const problems = slackContract().checkRequest({
      method: "conversations.history",
      httpMethod: "POST",
      params: { channel: "C0GENERAL", limit: "many", bogus: "1" },
      bearer: true,
      response: undefined
    })
    expect(problems).toEqual([
      "conversations.history is sent with GET, not POST",
      'conversations.history argument "limit" should be an integer, got "many"',
      'conversations.history has no argument "bogus"'
    ])
    const anonymous = slackContract().checkRequest({
      method: "reactions.add",
      httpMethod: "POST",
      params: { channel: "C0GENERAL", name: "tada" },
      bearer: false,
      response: undefined
    })
    expect(anonymous).toEqual([
      'reactions.add needs the argument "timestamp"',
      'reactions.add needs the argument "token"'
    ])
  })
})
