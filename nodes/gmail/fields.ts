/**
 * Fields shared by the Gmail nodes' input and output schemas, annotated once.
 *
 * @module
 */
import { Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { googleCredentialTypes } from "../google/credentialTypes.js"
import type { ReadMessage } from "./message.js"

/** Credential types every Gmail node accepts. */
export const gmailCredentials = { types: googleCredentialTypes, required: true } as const

/** The palette group of the Gmail nodes. */
export const gmailCategory = "Communication"

/** Where Google documents a Gmail API method. */
export const gmailDocs = (path: string) =>
  `https://developers.google.com/workspace/gmail/api/reference/rest/v1/${path}`

/** A message id, as the list and get nodes return it. */
export const MessageId = Schema.NonEmptyTrimmedString.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]+$/)
).annotations({
  title: "Message",
  description: "The message's id, as List messages or Get message returned it.",
  examples: ["18f0000000000001"]
})

/** One or more addresses: a list, or one text with addresses separated by commas. */
export const addresses = (annotations: { readonly title: string; readonly description: string }) =>
  Schema.transform(
    Schema.Union(
      Schema.String.pipe(Schema.pattern(/@/)),
      Schema.Array(Schema.String.pipe(Schema.pattern(/@/)))
    ).annotations({
      ...annotations,
      description: `${annotations.description} Email addresses, as a list or separated by commas; each may carry a name (\`Ada Lovelace <ada@example.com>\`).`,
      examples: ["ada@example.com", ["Ada Lovelace <ada@example.com>", "grace@example.com"]]
    }),
    Schema.Array(Schema.String),
    {
      strict: true,
      decode: (value) => (typeof value === "string" ? [value] : value),
      encode: (value) => value
    }
  )

/** Mail content and attachments, shared by sending and replying. */
export const contentFields = {
  text: Schema.optional(
    Schema.String.annotations({
      title: "Text",
      description: "The message as plain text; shown by mail apps that do not show HTML.",
      examples: ["3 orders are still unpaid; the list is attached."]
    })
  ),
  html: Schema.optional(
    Schema.String.annotations({
      title: "HTML",
      description: "The message as HTML; give text too for mail apps that show only text.",
      examples: ["<p><b>3</b> orders are still unpaid.</p>"]
    })
  ),
  attachments: Schema.optional(
    Schema.Array(FileRef).annotations({
      title: "Attachments",
      description:
        "Files to attach, as earlier steps made or downloaded them; at most 35 MB in all (Gmail's limit, after encoding)."
    })
  ),
  cc: Schema.optional(addresses({ title: "Cc", description: "Who gets a copy." })),
  bcc: Schema.optional(
    addresses({ title: "Bcc", description: "Who gets a copy without the others seeing it." })
  )
}

/** A mail needs text or HTML. */
export const hasBody = (input: {
  readonly text?: string | undefined
  readonly html?: string | undefined
}) =>
  input.text === undefined && input.html === undefined
    ? { path: ["text"], message: "Give the message as text, HTML or both." }
    : undefined

/** A message Gmail accepted, as the sending nodes return it. */
export const SentOutput = Schema.Struct({
  id: Schema.String.annotations({ title: "Message id", description: "The sent message's id." }),
  threadId: Schema.String.annotations({
    title: "Thread id",
    description: "The conversation it belongs to."
  }),
  labelIds: Schema.Array(Schema.String).annotations({
    title: "Labels",
    description: "Its labels, for example SENT."
  })
}).annotations({ title: "Sent message" })

/** An attachment, as the Gmail nodes describe it. */
export const AttachmentOutput = Schema.Struct({
  partId: Schema.String.annotations({
    title: "Part",
    description: "Where the attachment sits in the message; stable, give it to Download attachment."
  }),
  attachmentId: Schema.optional(
    Schema.String.annotations({
      title: "Attachment id",
      description: "Gmail's id of the attachment's content."
    })
  ),
  filename: Schema.String.annotations({
    title: "File name",
    description: "The attachment's name.",
    examples: ["A-1002.pdf"]
  }),
  mimeType: Schema.String.annotations({
    title: "Type",
    description: "The attachment's MIME type.",
    examples: ["application/pdf"]
  }),
  size: Schema.Number.annotations({ title: "Size", description: "Size in bytes." })
}).annotations({ title: "Attachment" })

/** A message, read, as the Gmail nodes return it. */
export const MessageOutput = Schema.Struct({
  id: Schema.String.annotations({ title: "Message id", description: "The message's id." }),
  threadId: Schema.String.annotations({
    title: "Thread id",
    description: "The conversation it belongs to."
  }),
  labelIds: Schema.Array(Schema.String).annotations({
    title: "Labels",
    description: "Its label ids (INBOX, UNREAD, Label_12, ...)."
  }),
  snippet: Schema.String.annotations({
    title: "Snippet",
    description: "The start of the text, as Gmail shows it in lists."
  }),
  receivedAt: Schema.optional(
    Schema.String.annotations({
      title: "Received",
      description: "When Gmail received it (ISO 8601)."
    })
  ),
  from: Schema.optional(
    Schema.String.annotations({
      title: "From",
      description: "The sender.",
      examples: ["Grace Hopper <grace@example.com>"]
    })
  ),
  to: Schema.optional(Schema.String.annotations({ title: "To", description: "The recipients." })),
  cc: Schema.optional(
    Schema.String.annotations({ title: "Cc", description: "The copy recipients." })
  ),
  subject: Schema.optional(
    Schema.String.annotations({ title: "Subject", description: "The subject." })
  ),
  date: Schema.optional(
    Schema.String.annotations({
      title: "Date",
      description: "The Date header, as the sender wrote it."
    })
  ),
  messageId: Schema.optional(
    Schema.String.annotations({
      title: "Message-ID",
      description: "The Message-ID header, for threading."
    })
  ),
  headers: Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
    title: "Headers",
    description: "Every header, by lower-case name (the first, when one repeats)."
  }),
  text: Schema.optional(
    Schema.String.annotations({ title: "Text", description: "The plain text body." })
  ),
  html: Schema.optional(
    Schema.String.annotations({ title: "HTML", description: "The HTML body." })
  ),
  attachments: Schema.Array(AttachmentOutput).annotations({
    title: "Attachments",
    description: "The message's attachments."
  })
}).annotations({ title: "Message" })

/** A read message as the nodes return it. */
export const messageOutput = (message: ReadMessage): typeof MessageOutput.Type => ({
  ...message,
  headers: message.headers
})
