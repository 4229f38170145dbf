/**
 * Slack Web API objects as they arrive on the wire (snake_case), decoded with the fields
 * the Slack nodes read. Fields Slack adds later are kept out, not rejected.
 *
 * @module
 */
import { Schema } from "effect"

/** What every successful Slack answer carries: `ok: true`, warnings and the next cursor. */
const envelope = {
  ok: Schema.Literal(true),
  warning: Schema.optional(Schema.String),
  response_metadata: Schema.optional(
    Schema.Struct({
      next_cursor: Schema.optional(Schema.String),
      warnings: Schema.optional(Schema.Array(Schema.String)),
      messages: Schema.optional(Schema.Array(Schema.String))
    })
  )
}

/** A Slack answer with `ok: true` and the method's own fields. */
export const SlackOk = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct({ ...envelope, ...fields })

/** The envelope alone, for methods whose answer carries nothing else we read. */
export const SlackEnvelope = Schema.Struct(envelope)

/** The warnings of a successful Slack answer, from `warning` and `response_metadata`. */
export const warningsOf = (answer: typeof SlackEnvelope.Type): ReadonlyArray<string> => {
  const listed = answer.response_metadata?.warnings ?? []
  const joined = answer.warning === undefined ? [] : answer.warning.split(",")
  return [...new Set([...joined, ...listed].filter((w) => w.length > 0))]
}

/** A reaction on a message. */
export const SlackReaction = Schema.Struct({
  name: Schema.String,
  count: Schema.Number,
  users: Schema.optional(Schema.Array(Schema.String))
})

/** A message in a conversation. */
export const SlackMessage = Schema.Struct({
  type: Schema.optional(Schema.String),
  subtype: Schema.optional(Schema.String),
  ts: Schema.String,
  text: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  bot_id: Schema.optional(Schema.NullOr(Schema.String)),
  thread_ts: Schema.optional(Schema.String),
  reply_count: Schema.optional(Schema.Number),
  blocks: Schema.optional(Schema.Array(Schema.Unknown)),
  reactions: Schema.optional(Schema.Array(SlackReaction))
})

/** A message as Slack describes it. */
export type SlackMessage = typeof SlackMessage.Type

/** A conversation: public or private channel, direct or group message. */
export const SlackConversation = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.String),
  is_channel: Schema.optional(Schema.Boolean),
  is_group: Schema.optional(Schema.Boolean),
  is_im: Schema.optional(Schema.Boolean),
  is_mpim: Schema.optional(Schema.Boolean),
  is_private: Schema.optional(Schema.Boolean),
  is_archived: Schema.optional(Schema.Boolean),
  is_member: Schema.optional(Schema.Boolean),
  num_members: Schema.optional(Schema.Number),
  created: Schema.optional(Schema.Number),
  topic: Schema.optional(Schema.Struct({ value: Schema.String })),
  purpose: Schema.optional(Schema.Struct({ value: Schema.String }))
})

/** A conversation as Slack describes it. */
export type SlackConversation = typeof SlackConversation.Type

/** A member of the workspace. */
export const SlackUser = Schema.Struct({
  id: Schema.String,
  team_id: Schema.optional(Schema.String),
  name: Schema.String,
  real_name: Schema.optional(Schema.String),
  deleted: Schema.optional(Schema.Boolean),
  is_bot: Schema.optional(Schema.Boolean),
  is_admin: Schema.optional(Schema.Boolean),
  tz: Schema.optional(Schema.String),
  profile: Schema.Struct({
    email: Schema.optional(Schema.String),
    display_name: Schema.optional(Schema.String),
    real_name: Schema.optional(Schema.String),
    title: Schema.optional(Schema.String),
    image_72: Schema.optional(Schema.String)
  })
})

/** A member as Slack describes them. */
export type SlackUser = typeof SlackUser.Type

/** A file shared in Slack. */
export const SlackFile = Schema.Struct({
  id: Schema.String,
  name: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  mimetype: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  permalink: Schema.optional(Schema.String)
})

/** A file as Slack describes it. */
export type SlackFile = typeof SlackFile.Type
