/**
 * Fields shared by the Slack nodes' input and output schemas, annotated once.
 *
 * @module
 */
import { Schema } from "effect"
import { atMostCharacters } from "../../src/node/limits.js"
import type { SlackMessage } from "./schemas.js"

/** Credential types every Slack node accepts. */
export const slackCredentials = {
  types: ["slack.botToken", "slack.oauth2"],
  required: true
} as const

/** The palette group of the Slack nodes. */
export const slackCategory = "Communication"

/** Where Slack documents a Web API method. */
export const slackDocs = (method: string) => `https://docs.slack.dev/reference/methods/${method}`

/** A channel to post to, by id or name: only sending and scheduling take a name. */
export const Channel = Schema.NonEmptyTrimmedString.annotations({
  title: "Channel",
  description:
    "Channel id (`C0123ABCD`), or a channel's name (`#general`); the id keeps working when the channel is renamed. The app must be a member of the channel, or have the chat:write.public scope for a public one.",
  examples: ["C0GENERAL", "#general"]
})

/** A conversation, by id only: every Slack method but sending and scheduling needs the id. */
export const ChannelId = Schema.NonEmptyTrimmedString.annotations({
  title: "Channel id",
  description:
    "The conversation's id, for example `C0123ABCD`; Slack needs the id here, a name such as `#general` is not found. List conversations (slack.listConversations) gives each channel's id, and it is the last part of the channel's link.",
  examples: ["C0GENERAL"]
})

/** A conversation's id, as the nodes return it. */
export const ConversationId = Schema.String.annotations({
  title: "Channel id",
  description: "The conversation's id, for example `C0123ABCD`.",
  examples: ["C0GENERAL"]
})

/** Most characters of a message's text that Slack keeps. */
export const maxTextLength = 40_000

export { atMostCharacters, wholeNumberBetween } from "../../src/node/limits.js"

/** A Slack message timestamp, which is also the message's id in its channel. */
export const Ts = Schema.String.pipe(Schema.pattern(/^\d+\.\d+$/)).annotations({
  title: "Message timestamp",
  description: "The `ts` of a message, its id within the channel, as another step returned it.",
  examples: ["1700000000.000100"]
})

/** The message text. */
export const Text = Schema.String.pipe(
  atMostCharacters(maxTextLength, "Slack's limit for a message's text")
).annotations({
  title: "Text",
  description:
    "The message in Slack's mrkdwn (`*bold*`, `<https://example.com|link>`, `<@U0123>`). With blocks, it is the notification text.",
  examples: ["Deployed *web* v1.2.0 :rocket:"]
})

/** Block Kit blocks, as JSON. */
export const Blocks = Schema.Array(
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({
  title: "Blocks",
  description:
    "Block Kit layout blocks, as built in Slack's Block Kit Builder. Give text too: it is shown in notifications.",
  examples: [[{ type: "section", text: { type: "mrkdwn", text: "*3 open issues*" } }]]
})

/** Warnings Slack attached to an answer. */
export const Warnings = Schema.Array(Schema.String).annotations({
  title: "Warnings",
  description:
    "Warnings Slack attached to its answer, for example `missing_charset` or a deprecated argument; the call still succeeded.",
  examples: [["missing_charset"]]
})

/** A reaction on a message, as the nodes return it. */
export const Reaction = Schema.Struct({
  name: Schema.String.annotations({ title: "Emoji", description: "Emoji name, without colons." }),
  count: Schema.Number.annotations({ title: "Count", description: "How many people reacted." })
}).annotations({ title: "Reaction" })

/** A message, as the nodes return it. */
export const Message = Schema.Struct({
  ts: Ts,
  text: Schema.String.annotations({ title: "Text", description: "The message text." }),
  user: Schema.optional(
    Schema.String.annotations({ title: "Author", description: "Member id of the author." })
  ),
  botId: Schema.optional(
    Schema.String.annotations({ title: "Bot id", description: "Set when an app posted it." })
  ),
  threadTs: Schema.optional(
    Ts.annotations({ title: "Thread", description: "Timestamp of the thread's first message." })
  ),
  replyCount: Schema.optional(
    Schema.Number.annotations({ title: "Replies", description: "Replies in its thread." })
  ),
  reactions: Schema.Array(Reaction).annotations({ title: "Reactions" })
}).annotations({ title: "Message", description: "A message in a channel." })

/** Slack's message, shaped as the nodes return it. */
export const toMessage = (message: SlackMessage): typeof Message.Type => ({
  ts: message.ts,
  text: message.text ?? "",
  user: message.user,
  botId: message.bot_id ?? undefined,
  threadTs: message.thread_ts,
  replyCount: message.reply_count,
  reactions: (message.reactions ?? []).map((r) => ({ name: r.name, count: r.count }))
})

/** Options of a message's look and link previews, shared by send and schedule. */
export const deliveryFields = {
  threadTs: Schema.optional(
    Ts.annotations({
      title: "Reply in thread",
      description: "Timestamp of a message to reply to; the message is posted in its thread."
    })
  ),
  replyBroadcast: Schema.optional(
    Schema.Boolean.annotations({
      title: "Also send to channel",
      description: "With a thread reply, also show it in the channel.",
      default: false
    })
  ),
  unfurlLinks: Schema.optional(
    Schema.Boolean.annotations({
      title: "Preview links",
      description: "Show previews of links to web pages.",
      default: true
    })
  ),
  unfurlMedia: Schema.optional(
    Schema.Boolean.annotations({
      title: "Preview media",
      description: "Show previews of images and videos.",
      default: true
    })
  )
}

/** The check that a message has something to say. */
export const hasContent = <
  A extends { readonly text?: string | undefined; readonly blocks?: unknown }
>(
  message: A
): boolean | string =>
  (message.text !== undefined && message.text.length > 0) || message.blocks !== undefined
    ? true
    : "Give the message a text, blocks, or both."
