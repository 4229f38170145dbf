/**
 * Node `slack.addReaction`: adds an emoji reaction to a message.
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
import { reactionScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.addReaction`. */
export const AddReactionInput = Schema.Struct({
  channel: ChannelId,
  ts: Ts.annotations({ description: "Timestamp of the message to react to." }),
  emoji: Schema.NonEmptyTrimmedString.annotations({
    title: "Emoji",
    description: "Emoji name, with or without colons.",
    examples: ["white_check_mark", ":tada:"]
  })
}).annotations({ title: "Add reaction" })

/** Output of `slack.addReaction`. */
export const AddReactionOutput = Schema.Struct({
  channel: ConversationId,
  ts: Ts,
  emoji: Schema.String.annotations({
    title: "Emoji",
    description: "The emoji name, without colons."
  }),
  warnings: Warnings
}).annotations({ title: "Reaction added" })

/**
 * Adds a reaction as the app. Fails with `ConflictError` when the app already reacted
 * with that emoji, and `ValidationError` for an unknown emoji name.
 */
export const addReaction = defineNode({
  type: "slack.addReaction",
  version: 1,
  title: "Add reaction",
  description: "Adds an emoji reaction to a message.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("reactions.add"),
  scopes: reactionScopes,
  input: AddReactionInput,
  output: AddReactionOutput,
  run: (input) => {
    const emoji = input.emoji.replace(/^:|:$/g, "")
    return Effect.flatMap(Slack, (slack) =>
      slack.addReaction({ channel: input.channel, timestamp: input.ts, name: emoji })
    ).pipe(
      Effect.map(({ warnings }) => ({ channel: input.channel, ts: input.ts, emoji, warnings }))
    )
  }
})
