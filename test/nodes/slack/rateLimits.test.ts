import { describe, expect, it } from "vitest"
import { slackRateLimits } from "../../../nodes/slack/rateLimits.js"

const form = (method: string, fields: Record<string, string> = {}) => ({
  method: "POST" as const,
  url: `https://slack.com/api/${method}`,
  body: { _tag: "Form" as const, fields }
})

describe("slackRateLimits", () => {
  const limitsFor = slackRateLimits("slack-bot")

  it("limits chat.postMessage per channel to one a second", () => {
    expect(limitsFor(form("chat.postMessage", { channel: "C1", text: "x" }))).toEqual([
      { key: "slack:slack-bot:channel:C1", limit: 1, intervalMs: 1_000 }
    ])
    expect(limitsFor(form("chat.postMessage", { channel: "C2" }))[0]!.key).toBe(
      "slack:slack-bot:channel:C2"
    )
  })

  it("limits other methods by their tier, per credential", () => {
    expect(limitsFor({ method: "GET", url: "https://slack.com/api/conversations.list" })).toEqual([
      { key: "slack:slack-bot:conversations.list", limit: 20, intervalMs: 60_000 }
    ])
    expect(limitsFor(form("chat.update"))).toEqual([
      { key: "slack:slack-bot:chat.update", limit: 50, intervalMs: 60_000 }
    ])
    expect(limitsFor(form("files.completeUploadExternal"))[0]!.limit).toBe(100)
    expect(slackRateLimits("other")(form("chat.update"))[0]!.key).toBe("slack:other:chat.update")
  })

  it("does not limit upload URLs or unknown methods", () => {
    expect(limitsFor({ method: "POST", url: "https://files.slack.com/upload/v1/abc" })).toEqual([])
    expect(limitsFor(form("team.info"))).toEqual([])
  })
})

describe("the channel posting limit's key", () => {
  const keyOf = (channel: string) =>
    slackRateLimits("slack-bot")(form("chat.postMessage", { channel, text: "x" }))[0]!.key

  it("is one key for a channel's name with or without # and in any case", () => {
    expect(keyOf("#general")).toBe("slack:slack-bot:channel:general")
    expect(keyOf("general")).toBe("slack:slack-bot:channel:general")
    expect(keyOf("#General")).toBe("slack:slack-bot:channel:general")
    expect(keyOf(" #general ")).toBe("slack:slack-bot:channel:general")
  })

  it("keeps a conversation id as it is", () => {
    expect(keyOf("C0GENERAL")).toBe("slack:slack-bot:channel:C0GENERAL")
    expect(keyOf("G0PRIVATE1")).toBe("slack:slack-bot:channel:G0PRIVATE1")
    expect(keyOf("D0DIRECT01")).toBe("slack:slack-bot:channel:D0DIRECT01")
  })
})
