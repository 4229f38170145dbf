/**
 * Node `slack.uploadFile`: uploads a file and shares it in a channel.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { defineNode } from "../../src/node/defineNode.js"
import {
  atMostCharacters,
  ChannelId,
  ConversationId,
  slackCategory,
  slackCredentials,
  slackDocs,
  Ts,
  Warnings
} from "./fields.js"
import { fileScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.uploadFile`. */
export const UploadFileInput = Schema.Struct({
  file: FileRef.annotations({ description: "The file to upload, as another step produced it." }),
  channel: Schema.optional(
    ChannelId.annotations({
      description:
        "Id of the conversation to share the file in, for example `C0123ABCD`; Slack needs the id, a name such as `#general` is not found (List conversations, slack.listConversations, gives each channel's id). Without one the file stays private to the app."
    })
  ),
  threadTs: Schema.optional(
    Ts.annotations({
      title: "Reply in thread",
      description: "Share it as a reply in this message's thread."
    })
  ),
  title: Schema.optional(
    Schema.String.annotations({ title: "Title", description: "Title shown above the file." })
  ),
  initialComment: Schema.optional(
    Schema.String.annotations({ title: "Message", description: "Message posted with the file." })
  ),
  altText: Schema.optional(
    Schema.String.pipe(atMostCharacters(1000, "Slack's limit for alt text")).annotations({
      title: "Alt text",
      description: "Description of an image for screen readers."
    })
  )
}).annotations({ title: "Upload file" })

/** Output of `slack.uploadFile`. */
export const UploadFileOutput = Schema.Struct({
  fileId: Schema.String.annotations({ title: "File id", examples: ["F0123ABCD"] }),
  name: Schema.String.annotations({ title: "File name" }),
  title: Schema.String.annotations({ title: "Title" }),
  size: Schema.optional(
    Schema.Number.annotations({ title: "Size", description: "Size in bytes." })
  ),
  permalink: Schema.optional(
    Schema.String.annotations({ title: "Link", description: "Link to the file in Slack." })
  ),
  channel: Schema.optional(
    ConversationId.annotations({ description: "Id of the conversation it was shared in." })
  ),
  warnings: Warnings
}).annotations({ title: "Uploaded file" })

/**
 * Uploads a file in Slack's three steps: asks for an upload URL, streams the bytes from
 * disk to it, then completes the upload and shares it. Fails with `PermissionError` when
 * uploads are disabled or the app lacks `files:write`.
 */
export const uploadFile = defineNode({
  type: "slack.uploadFile",
  version: 1,
  title: "Upload file",
  description:
    "Uploads a file from the robot's disk to Slack and shares it in a channel or thread.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("files.getUploadURLExternal"),
  scopes: fileScopes,
  input: UploadFileInput,
  output: UploadFileOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) => slack.uploadFile(input)).pipe(
      Effect.map(({ file, channel, warnings }) => ({
        fileId: file.id,
        name: file.name ?? input.file.name,
        title: file.title ?? input.title ?? input.file.name,
        size: file.size,
        permalink: file.permalink,
        channel,
        warnings
      }))
    )
})
