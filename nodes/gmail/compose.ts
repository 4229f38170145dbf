/**
 * Composing the mail the Gmail nodes send, with nodemailer's MIME composer: plain text
 * and HTML alternatives, attachments streamed from their files, non-ASCII subjects and
 * names as RFC 2047 encoded words and non-ASCII file names as RFC 2231 parameters, long
 * lines folded. The message is written to a file, so a large attachment never sits in
 * memory.
 *
 * Attachments are files on this machine, opened here and handed to nodemailer as streams;
 * nodemailer's own file and URL access is switched off, so a reference whose path is a
 * URL (`https:`, `data:`) is never fetched outside the kernel and the sandbox's network
 * rules. Such a reference is refused before anything is composed.
 *
 * @module
 */
import { createReadStream, createWriteStream, promises as fs, type ReadStream } from "node:fs"
import { pipeline } from "node:stream/promises"
import { Effect } from "effect"
import MailComposer from "nodemailer/lib/mail-composer"
import { InputError, type TransportError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import { unreadable } from "../google/multipartUpload.js"

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

/** A path that names a URL (`https:`, `data:`, `file:`) rather than a file on this machine. */
const urlScheme = /^[a-z][a-z0-9+.-]+:/i

/**
 * Checks that every attachment is a readable file on this machine before the mail is
 * composed. Fails with `InputError` for a reference whose path is a URL (download it in
 * an earlier step instead), and `TransportError` (reason `RequestBody`) for a file that
 * is missing or is not a file.
 */
export const checkAttachments = (
  attachments: ReadonlyArray<FileRef>
): Effect.Effect<void, InputError | TransportError> =>
  Effect.forEach(
    attachments,
    (file, i): Effect.Effect<unknown, InputError | TransportError> =>
      urlScheme.test(file.path)
        ? Effect.fail(
            new InputError({
              message: `The attachment "${file.name}" names a URL, not a file on this machine; attachments are read from files only: download it in an earlier step (\`http.request\` with response "file") and attach that file`,
              issues: [{ path: `attachments[${i}].path`, message: "is a URL, not a file path" }]
            })
          )
        : Effect.tryPromise({
            try: () => fs.stat(file.path),
            catch: (cause) => unreadable("gmail", file, cause)
          }).pipe(
            Effect.filterOrFail(
              (stats) => stats.isFile(),
              () => unreadable("gmail", file, { code: "not a file" })
            )
          ),
    { discard: true }
  )

/**
 * Writes the mail as an RFC 5322 message to `path`; attachments are streamed in from
 * their files, and nodemailer may read no file or URL by itself.
 */
export const writeMessage = async (mail: OutgoingMail, path: string): Promise<void> => {
  const files = (mail.attachments ?? []).map((file) => {
    const content = createReadStream(file.path)
    // nodemailer reports a read error through the message; this keeps one raised before
    // nodemailer listens from ending the process.
    content.on("error", () => {})
    return { file, content }
  })
  try {
    await compose(mail, files, path)
  } finally {
    for (const { content } of files) content.destroy()
  }
}

const compose = async (
  mail: OutgoingMail,
  files: ReadonlyArray<{ readonly file: FileRef; readonly content: ReadStream }>,
  path: string
): Promise<void> => {
  const composer = new MailComposer({
    disableFileAccess: true,
    disableUrlAccess: true,
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
    attachments: files.map(({ file, content }) => ({
      content,
      filename: file.name,
      contentType: file.mimeType
    }))
  })
  const message = composer.compile()
  message.keepBcc = true
  await pipeline(message.createReadStream(), createWriteStream(path))
}
