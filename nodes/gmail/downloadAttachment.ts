/**
 * Node `gmail.downloadAttachment`: saves a message's attachment to the run's workspace.
 *
 * @module
 */
import { writeFile } from "node:fs/promises"
import { Effect, Schema } from "effect"
import { NotFoundError } from "../../src/http/errors.js"
import { FileRef } from "../../src/http/files.js"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { writeWorkspaceFile } from "../google/workspaceFile.js"
import { gmailCategory, gmailCredentials, gmailDocs, MessageId } from "./fields.js"
import { inlineBytes, leavesOf } from "./message.js"
import { Gmail } from "./service.js"

/** Input of `gmail.downloadAttachment`. */
export const DownloadAttachmentInput = Schema.Struct({
  messageId: MessageId,
  attachment: Schema.NonEmptyTrimmedString.annotations({
    title: "Attachment",
    description:
      "Which attachment: its file name, its part (`partId` from Get mail), or its attachment id.",
    examples: ["A-1002.pdf", "1"]
  }),
  name: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Save as",
      description: "File name in the run's folder; by default the attachment's."
    })
  )
}).annotations({ title: "Download attachment", description: "Which message and attachment." })

/**
 * Saves an attachment to the run's folder and returns the file for later steps (to
 * upload to Drive, for example). Fails with `NotFoundError` when the message has no such
 * attachment (the message names the ones it has).
 */
export const downloadAttachment = defineNode({
  type: "gmail.downloadAttachment",
  version: 1,
  title: "Download attachment",
  description: "Saves an attachment of a message as a file for later steps.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages.attachments/get"),
  scopes: [googleScopes.gmailRead],
  input: DownloadAttachmentInput,
  output: Schema.Struct({ file: FileRef }).annotations({ title: "Attachment file" }),
  run: (input) =>
    Effect.gen(function* () {
      const gmail = yield* Gmail
      const message = yield* gmail.get(input.messageId, "full")
      const parts = leavesOf(message.payload).filter((part) => (part.filename ?? "") !== "")
      const part =
        parts.find((p) => p.partId === input.attachment) ??
        parts.find((p) => p.filename === input.attachment) ??
        parts.find((p) => p.body?.attachmentId === input.attachment)
      if (part === undefined) {
        return yield* Effect.fail(
          new NotFoundError({
            integration: "gmail",
            message: `The message has no attachment "${input.attachment}"; its attachments are ${parts.map((p) => `"${p.filename}" (part ${p.partId})`).join(", ") || "none"}`
          })
        )
      }
      const attachmentId = part.body?.attachmentId
      const bytes =
        inlineBytes(part) ??
        (attachmentId === undefined
          ? Buffer.alloc(0)
          : yield* gmail.attachment(input.messageId, attachmentId))
      const file = yield* writeWorkspaceFile(
        "gmail",
        input.name ?? part.filename ?? "attachment",
        part.mimeType ?? "application/octet-stream",
        (path) => writeFile(path, bytes)
      )
      return { file }
    })
})
