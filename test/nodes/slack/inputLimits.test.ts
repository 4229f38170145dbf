import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { listConversations } from "../../../nodes/slack/listConversations.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"
import { fieldIssues } from "../../../src/runtime/issues.js"

/** The issues a flow run reports for a node's input, worded as the runner words them. */
const issuesOf = (node: NodeDefinition, input: unknown) => {
  const decoded = Schema.decodeUnknownEither(node.input)(input, { errors: "all" })
  if (Either.isRight(decoded)) return []
  return fieldIssues(decoded.left.issue, { showValues: true })
}

const file = { path: "/tmp/a.txt", name: "a.txt", mimeType: "text/plain", size: 1 }

describe("Slack input rules say their limit", () => {
  it("a text over 40,000 characters names the limit and does not echo the text", () => {
    const text = "x".repeat(50_000)
    for (const [node, input] of [
      [postMessage, { channel: "C0GENERAL", text }],
      [updateMessage, { channel: "C0GENERAL", ts: "1.2", text }],
      [scheduleMessage, { channel: "C0GENERAL", postAt: 1_900_000_000, text }]
    ] as const) {
      expect(issuesOf(node, input)).toEqual([
        {
          path: "text",
          message:
            "must be at most 40,000 characters (Slack's limit for a message's text); this one has 50,000"
        }
      ])
    }
    expect(issuesOf(postMessage, { channel: "C0GENERAL", text: "x".repeat(40_000) })).toEqual([])
  })

  it("alt text and limits say theirs", () => {
    expect(issuesOf(uploadFile, { file, altText: "a".repeat(1_001) })).toEqual([
      {
        path: "altText",
        message: "must be at most 1,000 characters (Slack's limit for alt text); this one has 1,001"
      }
    ])
    expect(issuesOf(readHistory, { channel: "C0GENERAL", limit: 20_000 })).toEqual([
      { path: "limit", message: "must be from 1 to 10,000; got 20000" }
    ])
    expect(issuesOf(listConversations, { limit: 0 })).toEqual([
      { path: "limit", message: "must be from 1 to 10,000; got 0" }
    ])
  })
})
