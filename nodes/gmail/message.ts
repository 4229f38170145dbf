/**
 * Reading a message as the Gmail API returns it: its headers, its text and HTML bodies
 * (decoded from base64url in the part's charset), and its attachments.
 *
 * @module
 */
import { Schema } from "effect"
import { charsetOf, decodeCharset, decodeWords } from "./mimeWords.js"

/** One part of a message in the Gmail API (`MessagePart`). */
export interface GmailPart {
  readonly partId?: string | undefined
  readonly mimeType?: string | undefined
  readonly filename?: string | undefined
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value: string }> | undefined
  readonly body?:
    | {
        readonly size?: number | undefined
        readonly data?: string | undefined
        readonly attachmentId?: string | undefined
      }
    | undefined
  readonly parts?: ReadonlyArray<GmailPart> | undefined
}

/** A message part's schema; parts nest. */
export const GmailPart: Schema.Schema<GmailPart> = Schema.Struct({
  partId: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  filename: Schema.optional(Schema.String),
  headers: Schema.optional(
    Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.String }))
  ),
  body: Schema.optional(
    Schema.Struct({
      size: Schema.optional(Schema.Number),
      data: Schema.optional(Schema.String),
      attachmentId: Schema.optional(Schema.String)
    })
  ),
  parts: Schema.optional(Schema.Array(Schema.suspend(() => GmailPart)))
})

/** A message in the Gmail API (`Message`). */
export const GmailMessage = Schema.Struct({
  id: Schema.String,
  threadId: Schema.String,
  labelIds: Schema.optional(Schema.Array(Schema.String)),
  snippet: Schema.optional(Schema.String),
  internalDate: Schema.optional(Schema.String),
  sizeEstimate: Schema.optional(Schema.Number),
  payload: Schema.optional(GmailPart)
})
/** A message in the Gmail API. */
export type GmailMessage = typeof GmailMessage.Type

/** An attachment of a message, as the Gmail nodes describe it. */
export interface AttachmentInfo {
  readonly partId: string
  readonly attachmentId?: string | undefined
  readonly filename: string
  readonly mimeType: string
  readonly size: number
}

/** A message, read. */
export interface ReadMessage {
  readonly id: string
  readonly threadId: string
  readonly labelIds: ReadonlyArray<string>
  readonly snippet: string
  /** When Gmail received it, ISO 8601. */
  readonly receivedAt?: string | undefined
  /** Every header by lower-case name (the first, when a name repeats). */
  readonly headers: Readonly<Record<string, string>>
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly cc?: string | undefined
  readonly subject?: string | undefined
  readonly date?: string | undefined
  readonly messageId?: string | undefined
  readonly text?: string | undefined
  readonly html?: string | undefined
  readonly attachments: ReadonlyArray<AttachmentInfo>
}

/** Reads a message returned in the `full` or `metadata` format. */
export const readMessage = (message: GmailMessage): ReadMessage => {
  const headers: Record<string, string> = {}
  for (const header of message.payload?.headers ?? []) {
    const name = header.name.toLowerCase()
    if (!(name in headers)) headers[name] = decodeWords(header.value)
  }
  const leaves = leavesOf(message.payload)
  const isAttachment = (part: GmailPart) => (part.filename ?? "") !== ""
  const body = (type: string) => {
    const part = leaves.find(
      (leaf) => leaf.mimeType === type && !isAttachment(leaf) && leaf.body?.data !== undefined
    )
    return part === undefined ? undefined : textOf(part)
  }
  return {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds ?? [],
    snippet: message.snippet ?? "",
    receivedAt:
      message.internalDate === undefined
        ? undefined
        : new Date(Number(message.internalDate)).toISOString(),
    headers,
    from: headers.from,
    to: headers.to,
    cc: headers.cc,
    subject: headers.subject,
    date: headers.date,
    messageId: headers["message-id"],
    text: body("text/plain"),
    html: body("text/html"),
    attachments: leaves.filter(isAttachment).map((part) => ({
      partId: part.partId ?? "",
      attachmentId: part.body?.attachmentId,
      filename: part.filename ?? "",
      mimeType: part.mimeType ?? "application/octet-stream",
      size: part.body?.size ?? 0
    }))
  }
}

/** The bytes of a part whose content Gmail returned inline (`body.data`). */
export const inlineBytes = (part: GmailPart): Buffer | undefined =>
  part.body?.data === undefined ? undefined : Buffer.from(part.body.data, "base64url")

/** Every part with content, in order. */
export const leavesOf = (part: GmailPart | undefined): ReadonlyArray<GmailPart> =>
  part === undefined
    ? []
    : part.parts === undefined || part.parts.length === 0
      ? [part]
      : part.parts.flatMap(leavesOf)

const textOf = (part: GmailPart): string => {
  const contentType = part.headers?.find(
    (header) => header.name.toLowerCase() === "content-type"
  )?.value
  return decodeCharset(inlineBytes(part) ?? Buffer.alloc(0), charsetOf(contentType))
}
