/**
 * Node `slack.readHistory`: reads a channel's messages, newest first.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  ChannelId,
  Message,
  slackCategory,
  slackCredentials,
  slackDocs,
  Ts,
  toMessage,
  Warnings,
  wholeNumberBetween
} from "./fields.js"
import { historyScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** A time bound: a message timestamp, or an ISO 8601 date and time. */
const Bound = Schema.Union(Ts, Schema.Date.annotations({ title: "Date and time" }))

/** Input of `slack.readHistory`. */
export const ReadHistoryInput = Schema.Struct({
  channel: ChannelId,
  oldest: Schema.optional(
    Bound.annotations({
      title: "After",
      description: "Only messages after this message timestamp or ISO 8601 time.",
      examples: ["2024-01-01T00:00:00Z"]
    })
  ),
  latest: Schema.optional(
    Bound.annotations({
      title: "Before",
      description: "Only messages before this message timestamp or ISO 8601 time."
    })
  ),
  inclusive: Schema.optional(
    Schema.Boolean.annotations({
      title: "Include bounds",
      description: "Include messages exactly at the after or before time.",
      default: false
    })
  ),
  limit: Schema.optionalWith(
    Schema.Int.pipe(wholeNumberBetween(1, 10_000)).annotations({
      title: "Limit",
      description: "Most messages to return; pages are followed until then.",
      examples: [100]
    }),
    { default: () => 100 }
  )
}).annotations({ title: "Read history" })

/** Output of `slack.readHistory`. */
export const ReadHistoryOutput = Schema.Struct({
  messages: Schema.Array(Message).annotations({ title: "Messages", description: "Newest first." }),
  count: Schema.Number.annotations({ title: "Count" }),
  warnings: Warnings
}).annotations({ title: "Channel history" })

/**
 * Reads messages of a channel, newest first, following Slack's cursors until `limit`.
 * Fails with `PermissionError` when the app is not in the channel.
 */
export const readHistory = defineNode({
  type: "slack.readHistory",
  version: 1,
  title: "Read channel history",
  description: "Reads a channel's messages, newest first, optionally between two times.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("conversations.history"),
  scopes: historyScopes,
  input: ReadHistoryInput,
  output: ReadHistoryOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) =>
      slack.readHistory({ ...input, oldest: toTs(input.oldest), latest: toTs(input.latest) })
    ).pipe(
      Effect.map((listed) => ({
        messages: listed.items.map(toMessage),
        count: listed.items.length,
        warnings: listed.warnings
      }))
    )
})

const toTs = (bound: string | Date | undefined): string | undefined =>
  bound instanceof Date ? (bound.getTime() / 1000).toFixed(6) : bound
