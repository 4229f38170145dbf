/**
 * The `slack` integration's service: Slack Web API methods over the kernel.
 *
 * Methods that change something are sent as form posts, methods that read as GET with a
 * query, both with the credential's token in the `Authorization` header. The client is
 * made once per layer, with the classifier that turns `ok: false` answers into typed
 * errors and Slack's per-method and per-channel rate limits.
 *
 * @module
 */
import { Context, Effect, Layer, ParseResult, Schema, Stream } from "effect"
import { DecodeError, type KernelError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { ClientConfig, HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { pages } from "../../src/http/pagination.js"
import type { HttpRequest, QueryValue } from "../../src/http/request.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import { classifySlackResponse } from "./errors.js"
import { slackRateLimits } from "./rateLimits.js"
import {
  SlackConversation,
  SlackEnvelope,
  SlackFile,
  SlackMessage,
  SlackOk,
  SlackUser,
  warningsOf
} from "./schemas.js"

/** The Slack Web API's base URL. */
export const slackApiUrl = "https://slack.com/api/"

/** What a message says: text, Block Kit blocks, or both (the text is then the fallback). */
export interface MessageContent {
  readonly text?: string | undefined
  readonly blocks?: ReadonlyArray<unknown> | undefined
}

/** A message to post to a channel, or as a reply in a thread. */
export interface NewMessage extends MessageContent {
  readonly channel: string
  readonly threadTs?: string | undefined
  readonly replyBroadcast?: boolean | undefined
  readonly unfurlLinks?: boolean | undefined
  readonly unfurlMedia?: boolean | undefined
  readonly mrkdwn?: boolean | undefined
  readonly username?: string | undefined
  readonly iconEmoji?: string | undefined
  readonly iconUrl?: string | undefined
}

/** A message to post later, at `postAt` (Unix seconds). */
export interface LaterMessage extends MessageContent {
  readonly channel: string
  readonly postAt: number
  readonly threadTs?: string | undefined
  readonly replyBroadcast?: boolean | undefined
  readonly unfurlLinks?: boolean | undefined
  readonly unfurlMedia?: boolean | undefined
}

/** One message, by channel and timestamp. */
export interface MessageRef {
  readonly channel: string
  readonly ts: string
}

/** Which conversations to list. */
export interface ConversationQuery {
  /** Kinds of conversation: `public_channel`, `private_channel`, `mpim`, `im`. */
  readonly types?: ReadonlyArray<string> | undefined
  readonly excludeArchived?: boolean | undefined
  /** Most conversations to return in total. */
  readonly limit?: number | undefined
}

/** Which messages of a channel's history to read, newest first. */
export interface HistoryQuery {
  readonly channel: string
  /** Only messages after this timestamp. */
  readonly oldest?: string | undefined
  /** Only messages before this timestamp. */
  readonly latest?: string | undefined
  /** Include messages exactly at `oldest` or `latest`. */
  readonly inclusive?: boolean | undefined
  /** Most messages to return in total. */
  readonly limit?: number | undefined
}

/** A file to upload and, optionally, share. */
export interface FileUpload {
  readonly file: FileRef
  /** Channel to share the file in; without one the file stays private to the app. */
  readonly channel?: string | undefined
  readonly threadTs?: string | undefined
  readonly title?: string | undefined
  readonly initialComment?: string | undefined
  readonly altText?: string | undefined
  readonly snippetType?: string | undefined
}

/** Warnings Slack attached to a successful answer (deprecated arguments, truncation). */
export interface Warned {
  readonly warnings: ReadonlyArray<string>
}

/** A message that was posted or edited. */
export interface PostedMessage extends Warned {
  readonly channel: string
  readonly ts: string
  readonly message: SlackMessage
}

/** A message scheduled for later. */
export interface ScheduledMessage extends Warned {
  readonly channel: string
  readonly scheduledMessageId: string
  readonly postAt: number
}

/** A list read page by page, with the warnings of every page. */
export interface Listed<A> extends Warned {
  readonly items: ReadonlyArray<A>
}

/** A finished upload: the file, and the channel it was shared to. */
export interface UploadedFile extends Warned {
  readonly file: SlackFile
  readonly channel?: string | undefined
}

/** The Slack Web API, as the Slack nodes use it; every method fails with a typed error. */
export interface SlackApi {
  /** Posts a message (`chat.postMessage`), paced to one per second per channel. */
  readonly postMessage: (message: NewMessage) => Effect.Effect<PostedMessage, KernelError>
  /** Replaces a message's text or blocks (`chat.update`). */
  readonly updateMessage: (
    target: MessageRef & MessageContent
  ) => Effect.Effect<PostedMessage, KernelError>
  /** Deletes a message (`chat.delete`). */
  readonly deleteMessage: (target: MessageRef) => Effect.Effect<MessageRef & Warned, KernelError>
  /** Schedules a message (`chat.scheduleMessage`). */
  readonly scheduleMessage: (message: LaterMessage) => Effect.Effect<ScheduledMessage, KernelError>
  /** Lists conversations (`conversations.list`), following cursors up to `limit`. */
  readonly listConversations: (
    query: ConversationQuery
  ) => Effect.Effect<Listed<SlackConversation>, KernelError>
  /** Reads a channel's messages (`conversations.history`), following cursors up to `limit`. */
  readonly readHistory: (query: HistoryQuery) => Effect.Effect<Listed<SlackMessage>, KernelError>
  /** Adds an emoji reaction to a message (`reactions.add`). */
  readonly addReaction: (target: {
    readonly channel: string
    readonly timestamp: string
    readonly name: string
  }) => Effect.Effect<Warned, KernelError>
  /** Finds a member by email address (`users.lookupByEmail`). */
  readonly lookupUserByEmail: (
    email: string
  ) => Effect.Effect<Warned & { readonly user: SlackUser }, KernelError>
  /**
   * Uploads a file in Slack's three steps: `files.getUploadURLExternal`, the bytes streamed
   * from disk to the upload URL, then `files.completeUploadExternal` to share it.
   */
  readonly uploadFile: (upload: FileUpload) => Effect.Effect<UploadedFile, KernelError>
}

/** The `slack` integration's service, one per step credential. */
export class Slack extends Context.Tag("rpa/Slack")<Slack, SlackApi>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (context: IntegrationContext): Layer.Layer<Slack, never, HttpKernel> =>
    Layer.effect(
      Slack,
      Effect.map(HttpKernel, (kernel) => makeSlack(kernel.client(slackClientConfig(context))))
    )
}

/** The kernel client settings of the Slack integration for one step's credential. */
export const slackClientConfig = (context: IntegrationContext): ClientConfig => {
  const credentialId = context.authenticator?.credentialId
  return {
    integration: "slack",
    baseUrl: slackApiUrl,
    authenticator: context.authenticator,
    classify: classifySlackResponse(credentialId),
    rateLimitsFor: slackRateLimits(credentialId ?? "anonymous")
  }
}

/** The Slack API over one kernel client. */
export const makeSlack = (client: HttpClient): SlackApi => {
  const post = <A, I>(method: string, fields: Fields, schema: Schema.Schema<A, I>) =>
    client.json(
      {
        method: "POST",
        url: slackApiUrl + method,
        headers: formHeaders,
        body: { _tag: "Form", fields }
      },
      schema
    )

  const get = <A, I>(method: string, query: Fields, schema: Schema.Schema<A, I>) =>
    client.json({ method: "GET", url: slackApiUrl + method, query }, schema)

  const list = <A, I>(
    method: string,
    query: Fields,
    itemsPath: string,
    item: Schema.Schema<A, I>,
    limit: number | undefined
  ): Effect.Effect<Listed<A>, KernelError> => {
    const request: HttpRequest = { method: "GET", url: slackApiUrl + method, query }
    const style = {
      _tag: "Cursor",
      cursorPath: "response_metadata.next_cursor",
      param: "cursor"
    } as const
    const decodeItems = Schema.decodeUnknown(Schema.Array(item))
    return pages(client, request, style, { itemsPath, limit }).pipe(
      Stream.mapEffect((page) =>
        Effect.all({
          items: decodeItems(page.items).pipe(Effect.mapError(decodeError(method))),
          envelope: Schema.decodeUnknown(SlackEnvelope)(page.body).pipe(
            Effect.mapError(decodeError(method))
          )
        })
      ),
      Stream.runFold({ items: [] as Array<A>, warnings: new Set<string>() }, (acc, page) => {
        acc.items.push(...page.items)
        for (const warning of warningsOf(page.envelope)) acc.warnings.add(warning)
        return acc
      }),
      Effect.map((acc) => ({ items: acc.items, warnings: [...acc.warnings] }))
    )
  }

  const posted = SlackOk({ channel: Schema.String, ts: Schema.String, message: SlackMessage })

  return {
    postMessage: (message) =>
      post(
        "chat.postMessage",
        {
          channel: message.channel,
          ...content(message),
          thread_ts: message.threadTs,
          reply_broadcast: message.replyBroadcast,
          unfurl_links: message.unfurlLinks,
          unfurl_media: message.unfurlMedia,
          mrkdwn: message.mrkdwn,
          username: message.username,
          icon_emoji: message.iconEmoji,
          icon_url: message.iconUrl
        },
        posted
      ).pipe(Effect.map(withWarnings)),

    updateMessage: (target) =>
      post(
        "chat.update",
        { channel: target.channel, ts: target.ts, ...content(target) },
        posted
      ).pipe(Effect.map(withWarnings)),

    deleteMessage: (target) =>
      post(
        "chat.delete",
        { channel: target.channel, ts: target.ts },
        SlackOk({ channel: Schema.String, ts: Schema.String })
      ).pipe(
        Effect.map((answer) => ({
          channel: answer.channel,
          ts: answer.ts,
          warnings: warningsOf(answer)
        }))
      ),

    scheduleMessage: (message) =>
      post(
        "chat.scheduleMessage",
        {
          channel: message.channel,
          post_at: message.postAt,
          ...content(message),
          thread_ts: message.threadTs,
          reply_broadcast: message.replyBroadcast,
          unfurl_links: message.unfurlLinks,
          unfurl_media: message.unfurlMedia
        },
        SlackOk({
          channel: Schema.String,
          scheduled_message_id: Schema.String,
          post_at: Schema.Number
        })
      ).pipe(
        Effect.map((answer) => ({
          channel: answer.channel,
          scheduledMessageId: answer.scheduled_message_id,
          postAt: answer.post_at,
          warnings: warningsOf(answer)
        }))
      ),

    listConversations: (query) =>
      list(
        "conversations.list",
        {
          types: query.types === undefined ? undefined : query.types.join(","),
          exclude_archived: query.excludeArchived,
          limit: pageSize(query.limit)
        },
        "channels",
        SlackConversation,
        query.limit
      ),

    readHistory: (query) =>
      list(
        "conversations.history",
        {
          channel: query.channel,
          oldest: query.oldest,
          latest: query.latest,
          inclusive: query.inclusive,
          limit: pageSize(query.limit)
        },
        "messages",
        SlackMessage,
        query.limit
      ),

    addReaction: (target) =>
      post(
        "reactions.add",
        { channel: target.channel, timestamp: target.timestamp, name: target.name },
        SlackEnvelope
      ).pipe(Effect.map((answer) => ({ warnings: warningsOf(answer) }))),

    lookupUserByEmail: (email) =>
      get("users.lookupByEmail", { email }, SlackOk({ user: SlackUser })).pipe(
        Effect.map((answer) => ({ user: answer.user, warnings: warningsOf(answer) }))
      ),

    uploadFile: (upload) =>
      Effect.gen(function* () {
        const target = yield* post(
          "files.getUploadURLExternal",
          {
            filename: upload.file.name,
            length: upload.file.size,
            alt_txt: upload.altText,
            snippet_type: upload.snippetType
          },
          SlackOk({ upload_url: Schema.String, file_id: Schema.String })
        )
        yield* client.request({
          method: "POST",
          url: target.upload_url,
          body: { _tag: "File", file: upload.file, contentType: upload.file.mimeType },
          anonymous: true
        })
        const done = yield* post(
          "files.completeUploadExternal",
          {
            files: JSON.stringify([
              { id: target.file_id, title: upload.title ?? upload.file.name }
            ]),
            channel_id: upload.channel,
            thread_ts: upload.threadTs,
            initial_comment: upload.initialComment
          },
          SlackOk({ files: Schema.NonEmptyArray(SlackFile) })
        )
        return {
          file: done.files[0],
          channel: upload.channel,
          warnings: [...new Set([...warningsOf(target), ...warningsOf(done)])]
        }
      })
  }
}

type Fields = Readonly<Record<string, QueryValue | undefined>>

/** Slack warns (`missing_charset`) about form posts that do not name their charset. */
const formHeaders = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }

/** Slack's recommended page size; smaller when fewer items are wanted. */
const pageSize = (limit: number | undefined) =>
  limit === undefined ? 200 : Math.max(1, Math.min(200, limit))

const content = (message: MessageContent): Fields => ({
  text: message.text,
  blocks: message.blocks === undefined ? undefined : JSON.stringify(message.blocks)
})

const withWarnings = (answer: {
  readonly channel: string
  readonly ts: string
  readonly message: SlackMessage
  readonly warning?: string | undefined
  readonly response_metadata?: { readonly warnings?: ReadonlyArray<string> | undefined } | undefined
}): PostedMessage => ({
  channel: answer.channel,
  ts: answer.ts,
  message: answer.message,
  warnings: warningsOf({ ok: true, ...answer })
})

const decodeError = (method: string) => (error: ParseResult.ParseError) =>
  new DecodeError({
    integration: "slack",
    message: `Slack ${method} answered with a list this node cannot read; report it with the step's log.`,
    issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: issue.path.join("."),
      message: issue.message
    }))
  })
