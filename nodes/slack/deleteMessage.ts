/**
 * Node `slack.deleteMessage`: deletes a message the app posted.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  ChannelId,
  ConversationId,
  slackCategory,
  slackCredentials,
  slackDocs,
  Ts,
  Warnings
} from "./fields.js"
import { chatScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.deleteMessage`. */
export const DeleteMessageInput = Schema.Struct({
  channel: ChannelId,
  ts: Ts.annotations({ description: "Timestamp of the message to delete." })
}).annotations({ title: "Delete message" })

/** Output of `slack.deleteMessage`. */
export const DeleteMessageOutput = Schema.Struct({
  channel: ConversationId,
  ts: Ts,
  warnings: Warnings
}).annotations({ title: "Deleted message" })

/**
 * Deletes a message the app posted. Fails with `PermissionError` for someone else's
 * message (`cant_delete_message`) and `NotFoundError` when it is already gone.
 */
export const deleteMessage = defineNode({
  type: "slack.deleteMessage",
  version: 1,
  title: "Delete message",
  description: "Deletes a message the app posted earlier.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("chat.delete"),
  scopes: chatScopes,
  input: DeleteMessageInput,
  output: DeleteMessageOutput,
  run: (input) => Effect.flatMap(Slack, (slack) => slack.deleteMessage(input))
})
