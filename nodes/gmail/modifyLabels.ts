/**
 * Node `gmail.modifyLabels`: adds and removes labels on a message.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { gmailCategory, gmailCredentials, gmailDocs, MessageId, SentOutput } from "./fields.js"
import { labelIdsOf } from "./labels.js"
import { Gmail } from "./service.js"

const Labels = Schema.Array(Schema.NonEmptyTrimmedString)

/** Input of `gmail.modifyLabels`. */
export const ModifyLabelsInput = Schema.Struct({
  messageId: MessageId,
  add: Schema.optionalWith(
    Labels.annotations({
      title: "Add labels",
      description: "Labels to add, by name or id (`Invoices`, `STARRED`, `IMPORTANT`).",
      examples: [["Invoices"]]
    }),
    { default: () => [] }
  ),
  remove: Schema.optionalWith(
    Labels.annotations({
      title: "Remove labels",
      description:
        "Labels to remove, by name or id; remove `UNREAD` to mark as read, `INBOX` to archive.",
      examples: [["UNREAD", "INBOX"]]
    }),
    { default: () => [] }
  )
})
  .pipe(
    Schema.filter((input) =>
      input.add.length === 0 && input.remove.length === 0
        ? { path: ["add"], message: "Give labels to add, to remove, or both." }
        : undefined
    )
  )
  .annotations({ title: "Change labels", description: "Which message, and which labels." })

/**
 * Adds and removes labels in one call: file a message under a label, mark it read
 * (remove `UNREAD`), archive it (remove `INBOX`), star it. Fails with `NotFoundError`
 * for a label the mailbox does not have.
 */
export const modifyLabels = defineNode({
  type: "gmail.modifyLabels",
  version: 1,
  title: "Change labels",
  description: "Adds and removes labels on a message: file it, mark it read, archive or star it.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/modify"),
  scopes: [googleScopes.gmailModify],
  input: ModifyLabelsInput,
  output: SentOutput.annotations({ title: "Message" }),
  run: (input) =>
    Effect.gen(function* () {
      const gmail = yield* Gmail
      const ids = yield* labelIdsOf(gmail, [...input.add, ...input.remove])
      return yield* gmail.modify(
        input.messageId,
        ids.slice(0, input.add.length),
        ids.slice(input.add.length)
      )
    })
})
