/**
 * Node `slack.updateMessage`: replaces the text or blocks of a message the app posted.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  Blocks,
  ChannelId,
  ConversationId,
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

/** Input of `slack.updateMessage`. */
export const UpdateMessageInput = Schema.Struct({
  channel: ChannelId,
  ts: Ts.annotations({ description: "Timestamp of the message to edit." }),
  text: Schema.optional(Text),
  blocks: Schema.optional(Blocks)
})
  .pipe(Schema.filter(hasContent))
  .annotations({ title: "Update message", description: "Which message, and its new content." })

/** Output of `slack.updateMessage`. */
export const UpdateMessageOutput = Schema.Struct({
  channel: ConversationId,
  ts: Ts,
  text: Schema.String.annotations({ title: "Text", description: "The new text." }),
  warnings: Warnings
}).annotations({ title: "Updated message" })

/**
 * Edits a message the app posted. Fails with `PermissionError` for someone else's
 * message (`cant_update_message`) and `NotFoundError` when the message is gone.
 */
export const updateMessage = defineNode({
  type: "slack.updateMessage",
  version: 1,
  title: "Update message",
  description: "Replaces the text or blocks of a message the app posted earlier.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("chat.update"),
  scopes: chatScopes,
  input: UpdateMessageInput,
  output: UpdateMessageOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) => slack.updateMessage(input)).pipe(
      Effect.map((updated) => ({
        channel: updated.channel,
        ts: updated.ts,
        text: updated.message.text ?? "",
        warnings: updated.warnings
      }))
    )
})
