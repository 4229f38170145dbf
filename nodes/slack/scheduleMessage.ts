/**
 * Node `slack.scheduleMessage`: schedules a message to be posted later.
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
  Warnings
} from "./fields.js"
import { chatScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** When to post: Unix seconds, or an ISO 8601 date and time. */
const PostAt = Schema.Union(
  Schema.Int.pipe(Schema.positive()).annotations({
    title: "Unix time",
    description: "Seconds since 1970."
  }),
  Schema.Date.annotations({
    title: "Date and time",
    description: "ISO 8601, for example 2025-01-31T09:00:00Z."
  })
).annotations({
  title: "Post at",
  description: "When Slack should post the message: at most 120 days ahead.",
  examples: [1_900_000_000]
})

/** Input of `slack.scheduleMessage`. */
export const ScheduleMessageInput = Schema.Struct({
  channel: Channel,
  postAt: PostAt,
  text: Schema.optional(Text),
  blocks: Schema.optional(Blocks),
  ...deliveryFields
})
  .pipe(Schema.filter(hasContent))
  .annotations({ title: "Schedule message", description: "What to post, where, and when." })

/** Output of `slack.scheduleMessage`. */
export const ScheduleMessageOutput = Schema.Struct({
  channel: ConversationId,
  scheduledMessageId: Schema.String.annotations({
    title: "Scheduled message id",
    description: "Id of the scheduled message, to delete it before it is posted.",
    examples: ["Q1298393284"]
  }),
  postAt: Schema.Number.annotations({
    title: "Post at",
    description: "When it will be posted, in Unix seconds."
  }),
  warnings: Warnings
}).annotations({ title: "Scheduled message" })

/**
 * Schedules a message. Fails with `ValidationError` when the time is in the past or more
 * than 120 days ahead (`time_in_past`, `time_too_far`).
 */
export const scheduleMessage = defineNode({
  type: "slack.scheduleMessage",
  version: 1,
  title: "Schedule message",
  description: "Schedules a message to be posted to a channel at a later time.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("chat.scheduleMessage"),
  scopes: chatScopes,
  input: ScheduleMessageInput,
  output: ScheduleMessageOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) =>
      slack.scheduleMessage({
        ...input,
        postAt:
          typeof input.postAt === "number"
            ? input.postAt
            : Math.floor(input.postAt.getTime() / 1000)
      })
    )
})
