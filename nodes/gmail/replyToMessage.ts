/**
 * Node `gmail.replyToMessage`: replies to a message, in its thread.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import addressparser from "nodemailer/lib/addressparser"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  contentFields,
  gmailCategory,
  gmailCredentials,
  gmailDocs,
  hasBody,
  MessageId,
  SentOutput
} from "./fields.js"
import { readMessage } from "./message.js"
import { Gmail } from "./service.js"

/** Input of `gmail.replyToMessage`. */
export const ReplyToMessageInput = Schema.Struct({
  messageId: MessageId.annotations({ description: "The message to answer." }),
  ...contentFields,
  replyAll: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Reply to all",
      description: "Also send to everyone the message went to (To and Cc), except yourself.",
      default: false
    }),
    { default: () => false }
  )
})
  .pipe(Schema.filter(hasBody))
  .annotations({ title: "Reply", description: "Which message to answer, and what to say." })

/** Headers a reply is built from. */
const replyHeaders = ["From", "Reply-To", "To", "Cc", "Subject", "Message-ID", "References"]

/**
 * Replies to a message so it lands in the same conversation for everyone: to its
 * Reply-To (or sender; to its recipients when you sent it), with `Re:` before the
 * subject, `In-Reply-To` and `References` set, in its Gmail thread. Fails with
 * `NotFoundError` for an unknown message.
 */
export const replyToMessage = defineNode({
  type: "gmail.replyToMessage",
  version: 1,
  title: "Reply to mail",
  description: "Replies to a mail in its conversation, to the sender or to everyone.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/send"),
  scopes: [googleScopes.gmailSend, googleScopes.gmailRead],
  input: ReplyToMessageInput,
  output: SentOutput,
  run: (input) =>
    Effect.gen(function* () {
      const gmail = yield* Gmail
      const original = readMessage(yield* gmail.get(input.messageId, "metadata", replyHeaders))
      const sentByMe = original.labelIds.includes("SENT")
      const to = sentByMe
        ? addresses(original.to)
        : addresses(original.headers["reply-to"] ?? original.from)
      const me = input.replyAll ? (yield* gmail.address).toLowerCase() : undefined
      const others = input.replyAll ? [...addresses(original.to), ...addresses(original.cc)] : []
      const cc = [
        ...others.filter((address) => address.toLowerCase() !== me && !to.includes(address)),
        ...(input.cc ?? [])
      ]
      const subject = original.subject ?? ""
      const messageId = original.messageId
      const references = [
        ...(original.headers.references ?? "").split(/\s+/).filter(Boolean),
        ...(messageId === undefined ? [] : [messageId])
      ]
      return yield* gmail.send(
        {
          to,
          cc: cc.length === 0 ? undefined : cc,
          bcc: input.bcc,
          subject: /^re:/i.test(subject.trim()) ? subject : `Re: ${subject}`,
          text: input.text,
          html: input.html,
          attachments: input.attachments,
          inReplyTo: messageId,
          references
        },
        original.threadId
      )
    })
})

/** The plain addresses of an address header. */
const addresses = (header: string | undefined): Array<string> =>
  header === undefined
    ? []
    : addressparser(header, { flatten: true }).flatMap((entry) =>
        entry.address ? [entry.address] : []
      )
