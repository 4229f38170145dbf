/**
 * Node `slack.listConversations`: lists the workspace's channels, page by page.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  ConversationId,
  slackCategory,
  slackCredentials,
  slackDocs,
  Warnings,
  wholeNumberBetween
} from "./fields.js"
import type { SlackConversation } from "./schemas.js"
import { listConversationsScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.listConversations`. */
export const ListConversationsInput = Schema.Struct({
  types: Schema.optionalWith(
    Schema.Array(Schema.Literal("public_channel", "private_channel", "mpim", "im")).annotations({
      title: "Kinds",
      description:
        "Kinds of conversation: public channels, private channels the app is in, group and direct messages."
    }),
    { default: () => ["public_channel"] as const }
  ),
  excludeArchived: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Leave out archived",
      description: "Skip archived channels."
    }),
    { default: () => false }
  ),
  limit: Schema.optionalWith(
    Schema.Int.pipe(wholeNumberBetween(1, 10_000)).annotations({
      title: "Limit",
      description: "Most conversations to return; pages are followed until then.",
      examples: [100]
    }),
    { default: () => 1_000 }
  )
}).annotations({ title: "List conversations" })

/** A conversation, as the node returns it. */
export const Conversation = Schema.Struct({
  id: ConversationId,
  name: Schema.String.annotations({ title: "Name", description: "Channel name, without #." }),
  isPrivate: Schema.Boolean.annotations({ title: "Private" }),
  isArchived: Schema.Boolean.annotations({ title: "Archived" }),
  isMember: Schema.Boolean.annotations({
    title: "App is member",
    description: "Whether the app can post and read there."
  }),
  memberCount: Schema.optional(Schema.Number.annotations({ title: "Members" })),
  topic: Schema.String.annotations({ title: "Topic" }),
  purpose: Schema.String.annotations({ title: "Purpose" })
}).annotations({ title: "Conversation" })

/** Output of `slack.listConversations`. */
export const ListConversationsOutput = Schema.Struct({
  conversations: Schema.Array(Conversation).annotations({ title: "Conversations" }),
  count: Schema.Number.annotations({ title: "Count", description: "How many were returned." }),
  warnings: Warnings
}).annotations({ title: "Conversations" })

/**
 * Lists conversations, following Slack's cursors until `limit`. Fails with
 * `PermissionError` naming the scope a kind needs (for example `groups:read`).
 */
export const listConversations = defineNode({
  type: "slack.listConversations",
  version: 1,
  title: "List conversations",
  description: "Lists the workspace's channels (and, if asked, group and direct messages).",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("conversations.list"),
  scopes: listConversationsScopes,
  input: ListConversationsInput,
  output: ListConversationsOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) => slack.listConversations(input)).pipe(
      Effect.map((listed) => ({
        conversations: listed.items.map(toConversation),
        count: listed.items.length,
        warnings: listed.warnings
      }))
    )
})

const toConversation = (c: SlackConversation): typeof Conversation.Type => ({
  id: c.id,
  name: c.name ?? "",
  isPrivate: c.is_private ?? false,
  isArchived: c.is_archived ?? false,
  isMember: c.is_member ?? false,
  memberCount: c.num_members,
  topic: c.topic?.value ?? "",
  purpose: c.purpose?.value ?? ""
})
