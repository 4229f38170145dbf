import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { addReaction } from "../../../nodes/slack/addReaction.js"
import { deleteMessage } from "../../../nodes/slack/deleteMessage.js"
import { classifySlackResponse } from "../../../nodes/slack/errors.js"
import { revokedBotToken } from "../../../nodes/slack/fakeWorkspace.js"
import { listConversations } from "../../../nodes/slack/listConversations.js"
import { lookupUserByEmail } from "../../../nodes/slack/lookupUserByEmail.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import type { HttpResponse } from "../../../src/http/request.js"
import { slackHarness } from "./harness.js"

const answer = (
  body: unknown,
  status = 200,
  headers: Record<string, string> = {}
): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  url: "https://slack.com/api/chat.postMessage",
  body: new TextEncoder().encode(JSON.stringify(body)),
  attempts: 1
})

const classify = classifySlackResponse("slack-bot")

describe("classifySlackResponse", () => {
  it("never lets an ok: false answer through, whatever its code", () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (code, needed) => {
        const error = classify(answer({ ok: false, error: code, needed }))
        expect(error).toBeDefined()
      })
    )
    expect(classify(answer({ ok: false }))).toBeDefined()
  })

  it("lets ok: true answers, and bodies that are not Slack answers, through", () => {
    expect(classify(answer({ ok: true, channel: "C1", warning: "false_alarm" }))).toBeUndefined()
    const upload: HttpResponse = { ...answer({}), body: new TextEncoder().encode("OK - 12") }
    expect(classify(upload)).toBeUndefined()
  })

  it.each([
    ["not_authed", "AuthenticationError"],
    ["invalid_auth", "AuthenticationError"],
    ["token_revoked", "AuthenticationError"],
    ["missing_scope", "PermissionError"],
    ["channel_not_found", "NotFoundError"],
    ["user_not_found", "NotFoundError"],
    ["ratelimited", "RateLimitError"],
    ["already_reacted", "ConflictError"],
    ["internal_error", "ServerError"],
    ["invalid_blocks", "ValidationError"],
    ["a_code_slack_adds_later", "ValidationError"]
  ])("maps %s to %s", (code, tag) => {
    const error = classify(answer({ ok: false, error: code }, 200, { "x-slack-req-id": "req-1" }))
    expect(error?._tag).toBe(tag)
    expect(error).toMatchObject({ integration: "slack", status: 200, requestId: "req-1" })
    expect(error?.message).toContain("chat.postMessage")
  })

  it("says which credential to reconnect on an authentication failure", () => {
    const error = classify(answer({ ok: false, error: "invalid_auth" }))
    expect(error).toMatchObject({
      _tag: "AuthenticationError",
      credential: "slack-bot",
      reconnect: true
    })
    expect(error?.message).toContain("'slack-bot'")
  })

  it("names the scope a missing_scope answer needs", () => {
    const error = classify(
      answer({ ok: false, error: "missing_scope", needed: "chat:write", provided: "users:read" })
    )
    expect(error).toMatchObject({ _tag: "PermissionError", missingScope: "chat:write" })
    expect(error?.message).toContain('"chat:write" scope (it has users:read)')
  })

  it("reads Retry-After on HTTP 429 and on ratelimited answers", () => {
    const throttled = classify(
      answer({ ok: false, error: "ratelimited" }, 429, { "retry-after": "30" })
    )
    expect(throttled).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 30_000, status: 429 })
    const bare = classify({ ...answer({}), status: 429, body: new Uint8Array() })
    expect(bare).toMatchObject({ _tag: "RateLimitError", retryAfterMs: undefined })
  })
})

describe("Slack errors through the nodes", () => {
  it.scopedLive("an injected ok: false answer fails every node", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "slack-errors-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
      )
      const path = join(dir, "a.txt")
      yield* Effect.promise(() => writeFile(path, "hello"))
      const ts = "1700000000.000000"
      const cases = [
        [postMessage, { channel: "C0GENERAL", text: "x" }, "chat.postMessage"],
        [updateMessage, { channel: "C0GENERAL", ts, text: "x" }, "chat.update"],
        [deleteMessage, { channel: "C0GENERAL", ts }, "chat.delete"],
        [
          scheduleMessage,
          { channel: "C0GENERAL", postAt: 4_000_000_000, text: "x" },
          "chat.scheduleMessage"
        ],
        [listConversations, {}, "conversations.list"],
        [readHistory, { channel: "C0GENERAL" }, "conversations.history"],
        [addReaction, { channel: "C0GENERAL", ts, emoji: "tada" }, "reactions.add"],
        [lookupUserByEmail, { email: "alice@acme.test" }, "users.lookupByEmail"],
        [
          uploadFile,
          { file: { path, name: "a.txt", mimeType: "text/plain", size: 5 } },
          "files.getUploadURLExternal"
        ],
        [
          uploadFile,
          { file: { path, name: "a.txt", mimeType: "text/plain", size: 5 } },
          "files.completeUploadExternal"
        ]
      ] as const
      for (const [node, input, method] of cases) {
        const { fake, run } = yield* slackHarness()
        fake.state.inject(method, { body: { ok: false, error: "something_new" } })
        const error = yield* Effect.flip(run(node, input))
        expect(error._tag, method).toBe("ValidationError")
        expect(error.message).toContain(`Slack ${method} failed with "something_new"`)
      }
    })
  )

  it.scopedLive("a refused or revoked token is an AuthenticationError", () =>
    Effect.gen(function* () {
      const unknown = yield* slackHarness({ token: "xoxb-0-0-not-a-real-token" })
      const refused = yield* Effect.flip(
        unknown.run(postMessage, { channel: "C0GENERAL", text: "x" })
      )
      expect(refused).toMatchObject({ _tag: "AuthenticationError", credential: "slack-bot" })
      expect(refused.message).toContain("invalid_auth")

      const revoked = yield* slackHarness({ token: revokedBotToken })
      const gone = yield* Effect.flip(revoked.run(lookupUserByEmail, { email: "alice@acme.test" }))
      expect(gone._tag).toBe("AuthenticationError")
      expect(gone.message).toContain("token_revoked")
    })
  )

  it.scopedLive("retries after a short Retry-After and fails at once on a long one", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const throttled = {
        status: 429,
        headers: { "retry-after": "0" },
        body: { ok: false, error: "ratelimited" }
      }
      fake.state.inject("users.lookupByEmail", throttled)
      const out = yield* run(lookupUserByEmail, { email: "bob@acme.test" })
      expect(out).toMatchObject({ id: "U0BOB0001" })
      expect(fake.state.calls.map((c) => c.status)).toEqual([429, 200])

      fake.state.inject("users.lookupByEmail", { ...throttled, headers: { "retry-after": "600" } })
      const error = yield* Effect.flip(run(lookupUserByEmail, { email: "bob@acme.test" }))
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 600_000 })
      expect(fake.state.calls).toHaveLength(3)
    })
  )

  it.scopedLive("keeps Slack's warnings in the output", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      fake.state.inject("chat.postMessage", {
        body: {
          ok: true,
          channel: "C0GENERAL",
          ts: "1700000000.000001",
          message: { type: "message", ts: "1700000000.000001", text: "x" },
          warning: "superfluous_charset",
          response_metadata: { warnings: ["superfluous_charset", "message_truncated"] }
        }
      })
      const out = yield* run(postMessage, { channel: "C0GENERAL", text: "x" })
      expect(out).toMatchObject({ warnings: ["superfluous_charset", "message_truncated"] })
    })
  )
})
