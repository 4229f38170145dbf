/**
 * The `slack` integration: messages, channels, reactions, members and file uploads in a
 * Slack workspace, through the Slack Web API.
 *
 * @module
 */
import { Effect } from "effect"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { addReaction } from "./addReaction.js"
import { botToken, oauth2 } from "./credentials.js"
import { deleteMessage } from "./deleteMessage.js"
import { slackOrigins, startSlackFake } from "./fake.js"
import { listConversations } from "./listConversations.js"
import { lookupUserByEmail } from "./lookupUserByEmail.js"
import { postMessage } from "./postMessage.js"
import { readHistory } from "./readHistory.js"
import { scheduleMessage } from "./scheduleMessage.js"
import { Slack } from "./service.js"
import { updateMessage } from "./updateMessage.js"
import { uploadFile } from "./uploadFile.js"

export {
  addReaction,
  deleteMessage,
  listConversations,
  lookupUserByEmail,
  postMessage,
  readHistory,
  scheduleMessage,
  updateMessage,
  uploadFile
}

/** The Slack integration, as the registry loads it. */
export const integration = defineIntegration<Slack>({
  name: "slack",
  title: "Slack",
  description:
    "Send, schedule and edit messages, read channels, react, find members and share files in Slack.",
  icon: "nodes/slack/icon.svg",
  credentialTypes: [botToken, oauth2],
  nodes: [
    postMessage,
    updateMessage,
    deleteMessage,
    scheduleMessage,
    listConversations,
    readHistory,
    addReaction,
    lookupUserByEmail,
    uploadFile
  ],
  layer: Slack.layer,
  sandbox: {
    origins: slackOrigins,
    start: Effect.map(startSlackFake(), ({ url }) => ({ url }))
  }
})
