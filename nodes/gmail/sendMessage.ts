/**
 * Node `gmail.sendMessage`: sends a mail with text, HTML and attachments.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  addresses,
  contentFields,
  gmailCategory,
  gmailCredentials,
  gmailDocs,
  hasBody,
  SentOutput
} from "./fields.js"
import { Gmail } from "./service.js"

/** Input of `gmail.sendMessage`. */
export const SendMessageInput = Schema.Struct({
  to: addresses({ title: "To", description: "Who the mail is for." }),
  subject: Schema.String.annotations({
    title: "Subject",
    description: "The subject; any language, any characters.",
    examples: ["Unpaid orders: 3 to chase"]
  }),
  ...contentFields,
  from: Schema.optional(
    Schema.String.annotations({
      title: "From",
      description:
        "The sender, with a name if you like (`Billing robot <robot@example.com>`); the address must be the account's or one of its Send-as aliases. By default the account's address."
    })
  ),
  replyTo: Schema.optional(
    Schema.String.annotations({
      title: "Reply to",
      description: "Where replies should go, when not to the sender."
    })
  )
})
  .pipe(Schema.filter(hasBody))
  .annotations({ title: "Send mail", description: "Who to send to, and what." })

/**
 * Sends a mail from the credential's Gmail account, as text, HTML or both, with files
 * attached from earlier steps (streamed from disk). Non-ASCII subjects, names and file
 * names are encoded so every mail app shows them. Fails with `ValidationError` when
 * Gmail rejects an address, `QuotaExceededError` when the account's daily sending limit
 * is reached, and `TransportError` when an attachment cannot be read.
 */
export const sendMessage = defineNode({
  type: "gmail.sendMessage",
  version: 1,
  title: "Send mail",
  description: "Sends a mail with text or HTML and attachments from your Gmail account.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/send"),
  scopes: [googleScopes.gmailSend],
  input: SendMessageInput,
  output: SentOutput,
  run: (input) => Effect.flatMap(Gmail, (gmail) => gmail.send(input))
})
