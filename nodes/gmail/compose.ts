/**
 * Composing the mail the Gmail nodes send, with nodemailer's MIME composer: plain text
 * and HTML alternatives, attachments streamed from their files, non-ASCII subjects and
 * names as RFC 2047 encoded words and non-ASCII file names as RFC 2231 parameters, long
 * lines folded. The message is written to a file, so a large attachment never sits in
 * memory.
 *
 * @module
 */
import { createWriteStream } from "node:fs"
import { pipeline } from "node:stream/promises"
import MailComposer from "nodemailer/lib/mail-composer"
import type { FileRef } from "../../src/http/files.js"

/** A mail to send. Addresses may carry a name: `Ada Lovelace <ada@example.com>`. */
export interface OutgoingMail {
  /** The sender; Gmail uses the account's address when it is left out. */
  readonly from?: string | undefined
  readonly to: ReadonlyArray<string>
  readonly cc?: ReadonlyArray<string> | undefined
  /** Kept in the message for Gmail, which delivers to them and removes the header. */
  readonly bcc?: ReadonlyArray<string> | undefined
  readonly replyTo?: string | undefined
  readonly subject: string
  readonly text?: string | undefined
  readonly html?: string | undefined
  readonly attachments?: ReadonlyArray<FileRef> | undefined
  /** The `Message-ID` of the message this one answers. */
  readonly inReplyTo?: string | undefined
  /** The `Message-ID`s of the thread so far, oldest first. */
  readonly references?: ReadonlyArray<string> | undefined
}

/** Writes the mail as an RFC 5322 message to `path`; attachments are streamed in. */
export const writeMessage = async (mail: OutgoingMail, path: string): Promise<void> => {
  const composer = new MailComposer({
    from: mail.from,
    to: [...mail.to],
    cc: mail.cc === undefined ? undefined : [...mail.cc],
    bcc: mail.bcc === undefined ? undefined : [...mail.bcc],
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    inReplyTo: mail.inReplyTo,
    references: mail.references === undefined ? undefined : [...mail.references],
    attachments: (mail.attachments ?? []).map((file) => ({
      path: file.path,
      filename: file.name,
      contentType: file.mimeType
    }))
  })
  const message = composer.compile()
  message.keepBcc = true
  await pipeline(message.createReadStream(), createWriteStream(path))
}
