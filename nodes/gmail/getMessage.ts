/**
 * Node `gmail.getMessage`: reads a message: headers, text, HTML and attachment list.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  gmailCategory,
  gmailCredentials,
  gmailDocs,
  MessageId,
  MessageOutput,
  messageOutput
} from "./fields.js"
import { readMessage } from "./message.js"
import { Gmail } from "./service.js"

/** Input of `gmail.getMessage`. */
export const GetMessageInput = Schema.Struct({ messageId: MessageId }).annotations({
  title: "Get mail",
  description: "Which message to read."
})

/**
 * Reads a message: its headers (decoded), its text and HTML bodies in their charset,
 * and the list of its attachments (to download with Download attachment). Fails with
 * `NotFoundError` for an unknown message.
 */
export const getMessage = defineNode({
  type: "gmail.getMessage",
  version: 1,
  title: "Get mail",
  description: "Reads a message: sender, recipients, subject, text, HTML and attachments.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/get"),
  scopes: [googleScopes.gmailRead],
  input: GetMessageInput,
  output: MessageOutput,
  run: (input) =>
    Effect.flatMap(Gmail, (gmail) => gmail.get(input.messageId, "full")).pipe(
      Effect.map((message) => messageOutput(readMessage(message)))
    )
})
