/**
 * The `gmail` integration: send, reply to, search, read, label and trash mail in Gmail.
 *
 * @module
 */
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { googleCredentials } from "../google/credentials.js"
import { downloadAttachment } from "./downloadAttachment.js"
import { gmailOrigin, startGmailFake } from "./fake.js"
import { getMessage } from "./getMessage.js"
import { listMessages } from "./listMessages.js"
import { modifyLabels } from "./modifyLabels.js"
import { replyToMessage } from "./replyToMessage.js"
import { sendMessage } from "./sendMessage.js"
import { Gmail } from "./service.js"
import { trashMessage } from "./trashMessage.js"

export { downloadAttachment } from "./downloadAttachment.js"
export { getMessage } from "./getMessage.js"
export { listMessages } from "./listMessages.js"
export { modifyLabels } from "./modifyLabels.js"
export { replyToMessage } from "./replyToMessage.js"
export { sendMessage } from "./sendMessage.js"
export { Gmail } from "./service.js"
export { trashMessage } from "./trashMessage.js"

/**
 * The `gmail` integration: seven nodes over the Gmail API v1, with the Google account
 * and service account (domain-wide delegation) credentials. Its sandbox is a Gmail fake
 * answering for `https://gmail.googleapis.com`, with a few messages in the inbox.
 */
export const integration = defineIntegration({
  name: "gmail",
  title: "Gmail",
  description:
    "Send and reply to mail with attachments, search and read messages, label and trash them.",
  icon: "nodes/gmail/icon.svg",
  credentialTypes: googleCredentials,
  nodes: [
    sendMessage,
    replyToMessage,
    listMessages,
    getMessage,
    downloadAttachment,
    modifyLabels,
    trashMessage
  ],
  layer: Gmail.layer,
  sandbox: { origins: [gmailOrigin], start: startGmailFake }
})
