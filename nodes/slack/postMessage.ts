/**
 * Node `slack.postMessage`: sends a message to a channel or a thread.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  Blocks,
  Channel,
  ConversationId,
  deliveryFields,
  hasContent,
  slackCategory,
  slackCredentials,
  slackDocs,
  Text,
  Ts,
  Warnings
} from "./fields.js"
import { chatScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.postMessage`. */
export const PostMessageInput = Schema.Struct({
  channel: Channel,
  text: Schema.optional(Text),
  blocks: Schema.optional(Blocks),
  ...deliveryFields,
  username: Schema.optional(
    Schema.String.annotations({
      title: "Sender name",
      description: "Name to post as, when the app has the chat:write.customize scope."
    })
  ),
  iconEmoji: Schema.optional(
    Schema.String.annotations({
      title: "Sender emoji",
      description: "Emoji to show as the sender's picture, with chat:write.customize.",
      examples: [":robot_face:"]
    })
  )
})
  .pipe(Schema.filter(hasContent))
  .annotations({ title: "Send message", description: "What to post, and where." })

/** Output of `slack.postMessage`. */
export const PostMessageOutput = Schema.Struct({
  channel: ConversationId,
  ts: Ts,
  threadTs: Schema.optional(
    Ts.annotations({ title: "Thread", description: "The thread it was posted in." })
  ),
  text: Schema.String.annotations({ title: "Text", description: "The text as Slack stored it." }),
  warnings: Warnings
}).annotations({ title: "Sent message" })

/**
 * Sends a message with text or Block Kit blocks, optionally as a thread reply. Posts to
 * one channel are paced to Slack's limit of one a second. Fails with `NotFoundError` for
 * an unknown channel, `PermissionError` when the app is not in the channel or lacks
 * `chat:write`, and `ValidationError` (with the block's path) for invalid blocks.
 */
export const postMessage = defineNode({
  type: "slack.postMessage",
  version: 1,
  title: "Send message",
  description:
    "Posts a message with text or Block Kit blocks to a channel, or as a reply in a thread.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("chat.postMessage"),
  scopes: chatScopes,
  input: PostMessageInput,
  output: PostMessageOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) => slack.postMessage(input)).pipe(
      Effect.map((posted) => ({
        channel: posted.channel,
        ts: posted.ts,
        threadTs: posted.message.thread_ts,
        text: posted.message.text ?? "",
        warnings: posted.warnings
      }))
    )
})
