/**
 * The `googleDrive` integration: list, upload, download, organise and share files in
 * Google Drive.
 *
 * @module
 */
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { googleCredentials } from "../google/credentials.js"
import { copyFile } from "./copyFile.js"
import { createFolder } from "./createFolder.js"
import { deleteFile } from "./deleteFile.js"
import { downloadFile } from "./downloadFile.js"
import { driveOrigin, startDriveFake } from "./fake.js"
import { getFile } from "./getFile.js"
import { listFiles } from "./listFiles.js"
import { moveFile } from "./moveFile.js"
import { GoogleDrive } from "./service.js"
import { shareFile } from "./shareFile.js"
import { trashFile } from "./trashFile.js"
import { uploadFile } from "./uploadFile.js"

export { copyFile } from "./copyFile.js"
export { createFolder } from "./createFolder.js"
export { deleteFile } from "./deleteFile.js"
export { downloadFile } from "./downloadFile.js"
export { getFile } from "./getFile.js"
export { listFiles } from "./listFiles.js"
export { moveFile } from "./moveFile.js"
export { GoogleDrive } from "./service.js"
export { shareFile } from "./shareFile.js"
export { trashFile } from "./trashFile.js"
export { uploadFile } from "./uploadFile.js"

/**
 * The `googleDrive` integration: ten nodes over Google Drive API v3, with the Google
 * account and service account credentials. Its sandbox is a Drive fake answering for
 * `https://www.googleapis.com` (API and uploads), with a few files and folders.
 */
export const integration = defineIntegration({
  name: "googleDrive",
  title: "Google Drive",
  description: "List, upload, download, move, copy, share and delete files in Google Drive.",
  icon: "nodes/googleDrive/icon.svg",
  credentialTypes: googleCredentials,
  nodes: [
    listFiles,
    getFile,
    uploadFile,
    downloadFile,
    createFolder,
    moveFile,
    copyFile,
    trashFile,
    deleteFile,
    shareFile
  ],
  layer: GoogleDrive.layer,
  sandbox: { origins: [driveOrigin], start: startDriveFake }
})
