/**
 * Node `gmail.listMessages`: lists and searches the mailbox.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { gmailCategory, gmailCredentials, gmailDocs, MessageId } from "./fields.js"
import { labelIdsOf } from "./labels.js"
import { readMessage } from "./message.js"
import { Gmail } from "./service.js"

/** Input of `gmail.listMessages`. */
export const ListMessagesInput = Schema.Struct({
  query: Schema.optional(
    Schema.String.annotations({
      title: "Search",
      description: "A Gmail search, as typed in Gmail's search box.",
      examples: [
        "from:grace@example.com is:unread has:attachment",
        "subject:invoice after:2024/06/01"
      ]
    })
  ),
  labels: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({
      title: "Labels",
      description:
        "Only messages with all of these labels, by name or id (`INBOX`, `UNREAD`, `Invoices`).",
      examples: [["INBOX", "UNREAD"]]
    })
  ),
  includeSpamTrash: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Include spam and trash",
      description: "Also list spam and trashed mail.",
      default: false
    }),
    { default: () => false }
  ),
  details: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "With details",
      description:
        "Also read each message's sender, recipients, subject, date and snippet (one more call per message).",
      default: true
    }),
    { default: () => true }
  ),
  returnAll: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Return all",
      description: "Read every page (up to the limit); otherwise only the first page.",
      default: false
    }),
    { default: () => false }
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Limit",
      description:
        "Most messages to return (default: one page of 100, or no limit with Return all).",
      examples: [20]
    })
  ),
  pageToken: Schema.optional(
    Schema.String.annotations({
      title: "Page token",
      description: "Go on from where an earlier step stopped: its `nextPageToken`."
    })
  )
}).annotations({ title: "List mail", description: "Which messages to list." })

/** One message of a list. */
export const ListedMessage = Schema.Struct({
  id: MessageId.annotations({
    title: "Message id",
    description: "The message's id, for the other Gmail nodes."
  }),
  threadId: Schema.String.annotations({
    title: "Thread id",
    description: "The conversation it belongs to."
  }),
  labelIds: Schema.optional(
    Schema.Array(Schema.String).annotations({ title: "Labels", description: "Its label ids." })
  ),
  snippet: Schema.optional(
    Schema.String.annotations({ title: "Snippet", description: "The start of its text." })
  ),
  from: Schema.optional(Schema.String.annotations({ title: "From", description: "The sender." })),
  to: Schema.optional(Schema.String.annotations({ title: "To", description: "The recipients." })),
  subject: Schema.optional(
    Schema.String.annotations({ title: "Subject", description: "The subject." })
  ),
  date: Schema.optional(
    Schema.String.annotations({ title: "Date", description: "The Date header." })
  ),
  receivedAt: Schema.optional(
    Schema.String.annotations({
      title: "Received",
      description: "When Gmail received it (ISO 8601)."
    })
  )
}).annotations({ title: "Message" })

/** Output of `gmail.listMessages`. */
export const ListMessagesOutput = Schema.Struct({
  messages: Schema.Array(ListedMessage).annotations({
    title: "Messages",
    description: "The messages found, newest first."
  }),
  count: Schema.Number.annotations({
    title: "Count",
    description: "How many messages were returned."
  }),
  nextPageToken: Schema.optional(
    Schema.String.annotations({
      title: "Next page token",
      description:
        "Set when more messages match; give it as Page token to a later step. It points just past the last message returned."
    })
  ),
  truncated: Schema.optional(
    Schema.Boolean.annotations({
      title: "Truncated",
      description:
        "True when Gmail answered with more messages than asked for, so the list was cut at the limit with no page token to go on from; raise the limit to get the rest."
    })
  )
}).annotations({ title: "Messages" })

/** Headers read for each message when details are asked for. */
const detailHeaders = ["From", "To", "Subject", "Date"]

/**
 * Lists messages matching a search and labels, newest first, page by page; with details,
 * reads each message's headers too (four at a time). Fails with `NotFoundError` for a
 * label the mailbox does not have.
 */
export const listMessages = defineNode({
  type: "gmail.listMessages",
  version: 1,
  title: "List mail",
  description: "Lists or searches messages, with sender, subject and snippet.",
  category: gmailCategory,
  credentials: gmailCredentials,
  docsUrl: gmailDocs("users.messages/list"),
  scopes: [googleScopes.gmailRead],
  input: ListMessagesInput,
  output: ListMessagesOutput,
  run: (input) =>
    Effect.gen(function* () {
      const gmail = yield* Gmail
      const labelIds =
        input.labels === undefined ? undefined : yield* labelIdsOf(gmail, input.labels)
      const listed = yield* gmail.list(
        {
          q: input.query,
          labelIds,
          includeSpamTrash: input.includeSpamTrash,
          pageToken: input.pageToken
        },
        { returnAll: input.returnAll, limit: input.limit }
      )
      const messages = input.details
        ? yield* Effect.forEach(
            listed.items,
            (ref) =>
              Effect.map(gmail.get(ref.id, "metadata", detailHeaders), (message) => {
                const read = readMessage(message)
                return {
                  id: read.id,
                  threadId: read.threadId,
                  labelIds: read.labelIds,
                  snippet: read.snippet,
                  from: read.from,
                  to: read.to,
                  subject: read.subject,
                  date: read.date,
                  receivedAt: read.receivedAt
                }
              }),
            { concurrency: 4 }
          )
        : listed.items
      return {
        messages,
        count: messages.length,
        nextPageToken: listed.nextPageToken,
        truncated: listed.truncated
      }
    })
})
