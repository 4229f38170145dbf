/**
 * The bot scopes of the Slack nodes, as Slack's method documentation lists them.
 *
 * A node declares every scope its method may need: reading history and listing
 * conversations need the scope of each kind of conversation (public, private, group and
 * direct messages), and Slack grants `users:read.email` only together with `users:read`.
 * `chat:write.public` is optional: with it, the app posts to public channels it has not
 * joined.
 *
 * @see https://docs.slack.dev/reference/scopes
 * @module
 */

/** Sending, scheduling, editing and deleting messages (`chat.*`). */
export const chatScopes = ["chat:write"] as const

/** Posting to public channels the app is not a member of. */
export const chatPublicScope = "chat:write.public"

/** `conversations.list`, one scope per kind of conversation. */
export const listConversationsScopes = [
  "channels:read",
  "groups:read",
  "im:read",
  "mpim:read"
] as const

/** `conversations.history`, one scope per kind of conversation. */
export const historyScopes = [
  "channels:history",
  "groups:history",
  "im:history",
  "mpim:history"
] as const

/** `reactions.add`. */
export const reactionScopes = ["reactions:write"] as const

/** `users.lookupByEmail`: `users:read.email`, which Slack grants only with `users:read`. */
export const lookupByEmailScopes = ["users:read", "users:read.email"] as const

/** The external file upload (`files.getUploadURLExternal`, `files.completeUploadExternal`). */
export const fileScopes = ["files:write"] as const

/**
 * The scopes a `slack.oauth2` credential asks for unless it names its own: every scope a
 * Slack node needs, and `chat:write.public`.
 */
export const slackBotScopes: ReadonlyArray<string> = [
  ...chatScopes,
  chatPublicScope,
  ...listConversationsScopes,
  ...historyScopes,
  ...reactionScopes,
  ...lookupByEmailScopes,
  ...fileScopes
]
