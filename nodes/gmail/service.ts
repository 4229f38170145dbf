/**
 * The `gmail` integration's service: the Gmail API v1 over the kernel, for the
 * credential's own mailbox (`users/me`).
 *
 * Mail is composed to a file in the run's workspace first; up to 5 MB it is sent as
 * base64url in JSON, larger (up to Gmail's 35 MB) through a resumable upload of the
 * `message/rfc822` file. The client is made once per layer, with Google's error mapping
 * and Gmail's per-user quota units.
 *
 * @module
 */
import { promises as fs } from "node:fs"
import { Context, Effect, Layer, Schema } from "effect"
import type { InputError, KernelError } from "../../src/http/errors.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { Workspace } from "../../src/http/workspace.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import type { Listed, ListLimit } from "../google/client.js"
import { defined, googleClientConfig, listPages } from "../google/client.js"
import { multipartLimitBytes, unreadable } from "../google/multipartUpload.js"
import { gmailRateLimits, googleQuotas } from "../google/rateLimits.js"
import { resumableUpload } from "../google/resumableUpload.js"
import { withTemporaryFile } from "../google/workspaceFile.js"
import { checkAttachments, type OutgoingMail, writeMessage } from "./compose.js"
import { GmailMessage } from "./message.js"

/** The Gmail API's base URL for the credential's own mailbox. */
export const gmailApiUrl = "https://gmail.googleapis.com/gmail/v1/users/me"

/** The upload URL for sending a message as a file. */
export const gmailSendUploadUrl =
  "https://gmail.googleapis.com/upload/gmail/v1/users/me/messages/send"

/** A message Gmail accepted: its id, thread and labels. */
export const SentMessage = Schema.Struct({
  id: Schema.String,
  threadId: Schema.String,
  labelIds: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})
/** A message Gmail accepted. */
export type SentMessage = typeof SentMessage.Type

/** A message's id and thread, as lists return them. */
export const MessageRef = Schema.Struct({ id: Schema.String, threadId: Schema.String })
/** A message's id and thread. */
export type MessageRef = typeof MessageRef.Type

/** A label of the mailbox. */
export const GmailLabel = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  type: Schema.optional(Schema.String)
})
/** A label of the mailbox. */
export type GmailLabel = typeof GmailLabel.Type

/** Which messages to list. */
export interface MessageQuery {
  /** Gmail's search, as typed in its search box (`from:ada is:unread`). */
  readonly q?: string | undefined
  /** Only messages with every one of these label ids. */
  readonly labelIds?: ReadonlyArray<string> | undefined
  readonly includeSpamTrash?: boolean | undefined
  readonly pageToken?: string | undefined
}

/** The Gmail API, as the Gmail nodes use it; every method fails with a typed error. */
export interface GmailApi {
  /** Composes and sends a mail (`messages.send`), in a thread when `threadId` is given. */
  readonly send: (
    mail: OutgoingMail,
    threadId?: string
  ) => Effect.Effect<SentMessage, KernelError | InputError, Workspace>
  /** Lists messages (`messages.list`), one page or every page up to a limit. */
  readonly list: (
    query: MessageQuery,
    how: ListLimit
  ) => Effect.Effect<Listed<MessageRef>, KernelError>
  /** Reads a message (`messages.get`): `full` with its parts, or `metadata` with headers. */
  readonly get: (
    id: string,
    format: "full" | "metadata",
    metadataHeaders?: ReadonlyArray<string>
  ) => Effect.Effect<GmailMessage, KernelError>
  /** Reads an attachment's bytes (`messages.attachments.get`). */
  readonly attachment: (
    messageId: string,
    attachmentId: string
  ) => Effect.Effect<Buffer, KernelError>
  /** Adds and removes labels, by id (`messages.modify`). */
  readonly modify: (
    id: string,
    add: ReadonlyArray<string>,
    remove: ReadonlyArray<string>
  ) => Effect.Effect<SentMessage, KernelError>
  /** Moves a message to the trash (`messages.trash`). */
  readonly trash: (id: string) => Effect.Effect<SentMessage, KernelError>
  /** The mailbox's labels, system and user (`labels.list`). */
  readonly labels: Effect.Effect<ReadonlyArray<GmailLabel>, KernelError>
  /** The mailbox's address (`users.getProfile`). */
  readonly address: Effect.Effect<string, KernelError>
}

/** The `gmail` integration's service, one per step credential. */
export class Gmail extends Context.Tag("rpa/Gmail")<Gmail, GmailApi>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (context: IntegrationContext): Layer.Layer<Gmail, never, HttpKernel> =>
    Layer.effect(
      Gmail,
      Effect.gen(function* () {
        const kernel = yield* HttpKernel
        const quotas = yield* googleQuotas
        const config = googleClientConfig("gmail", context, (key) => gmailRateLimits(key, quotas))
        return makeGmail(kernel.client(config))
      })
    )
}

/** Gmail over one kernel client. */
export const makeGmail = (client: HttpClient): GmailApi => {
  const message = (id: string) => `${gmailApiUrl}/messages/${encodeURIComponent(id)}`

  const sendFile = (path: string, threadId: string | undefined) =>
    Effect.gen(function* () {
      const file = { path, name: "message.eml", mimeType: "message/rfc822", size: 0 }
      const { size } = yield* Effect.tryPromise({
        try: () => fs.stat(path),
        catch: (cause) => unreadable("gmail", file, cause)
      })
      if (size > multipartLimitBytes) {
        const upload = {
          url: gmailSendUploadUrl,
          metadata: defined({ threadId }),
          file: { ...file, size },
          contentType: file.mimeType
        }
        return yield* resumableUpload(client, upload, SentMessage)
      }
      const raw = yield* Effect.tryPromise({
        try: () => fs.readFile(path),
        catch: (cause) => unreadable("gmail", file, cause)
      })
      return yield* client.json(
        {
          method: "POST",
          url: `${gmailApiUrl}/messages/send`,
          body: { _tag: "Json", value: defined({ raw: raw.toString("base64url"), threadId }) }
        },
        SentMessage
      )
    })

  return {
    send: (mail, threadId) =>
      Effect.zipRight(
        checkAttachments(mail.attachments ?? []),
        withTemporaryFile(
          "gmail",
          (path) => writeMessage(mail, path),
          (path) => sendFile(path, threadId)
        )
      ),

    list: (query, how) =>
      listPages(
        client,
        {
          method: "GET",
          url: `${gmailApiUrl}/messages`,
          query: {
            q: query.q,
            labelIds: query.labelIds === undefined ? undefined : [...query.labelIds],
            includeSpamTrash: query.includeSpamTrash,
            pageToken: query.pageToken
          }
        },
        "messages",
        MessageRef,
        { param: "maxResults", max: 500, first: 100 },
        how
      ),

    get: (id, format, metadataHeaders) =>
      client.json(
        {
          method: "GET",
          url: message(id),
          query: {
            format,
            metadataHeaders: metadataHeaders === undefined ? undefined : [...metadataHeaders]
          }
        },
        GmailMessage
      ),

    attachment: (messageId, attachmentId) =>
      client
        .json(
          {
            method: "GET",
            url: `${message(messageId)}/attachments/${encodeURIComponent(attachmentId)}`
          },
          Schema.Struct({ data: Schema.optionalWith(Schema.String, { default: () => "" }) })
        )
        .pipe(Effect.map((body) => Buffer.from(body.data, "base64url"))),

    modify: (id, add, remove) =>
      client.json(
        {
          method: "POST",
          url: `${message(id)}/modify`,
          body: { _tag: "Json", value: { addLabelIds: [...add], removeLabelIds: [...remove] } }
        },
        SentMessage
      ),

    trash: (id) => client.json({ method: "POST", url: `${message(id)}/trash` }, SentMessage),

    labels: client
      .json(
        { method: "GET", url: `${gmailApiUrl}/labels` },
        Schema.Struct({
          labels: Schema.optionalWith(Schema.Array(GmailLabel), { default: () => [] })
        })
      )
      .pipe(Effect.map((body) => body.labels)),

    address: client
      .json(
        { method: "GET", url: `${gmailApiUrl}/profile` },
        Schema.Struct({ emailAddress: Schema.String })
      )
      .pipe(Effect.map((profile) => profile.emailAddress))
  }
}
