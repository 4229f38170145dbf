/**
 * Node `gmail.trashMessage`: moves a message to the trash.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { gmailCategory, gmailCredentials, gmailDocs, MessageId, SentOutput } from "./fields.js"
import { Gmail } from "./service.js"

/** Input of `gmail.trashMessage`. */
export const TrashMessageInput = Schema.Struct({ messageId: MessageId }).annotations({
  title: "Move mail to trash",
  description: "Which message."
})

/**
 * Moves a message to the trash, where Gmail deletes it for good after 30 days. Fails
 * with `NotFoundError` for an unknown message.
 */
export const trashMessage = defineNode({
  type: "gmail.trashMessage",
  version: 1,
  title: "Move mail to trash",
  description: "Moves a message to the trash; Gmail deletes it for good after 30 days.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/trash"),
  scopes: [googleScopes.gmailModify],
  input: TrashMessageInput,
  output: SentOutput.annotations({ title: "Message" }),
  run: (input) => Effect.flatMap(Gmail, (gmail) => gmail.trash(input.messageId))
})
