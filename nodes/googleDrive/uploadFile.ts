/**
 * Node `googleDrive.uploadFile`: uploads a file from the run's workspace to Drive.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  driveCategory,
  driveCredentials,
  driveDocs,
  FileOutput,
  fileOutput,
  folderId
} from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.uploadFile`. */
export const UploadFileInput = Schema.Struct({
  file: FileRef.annotations({
    description: "The file to upload, as an earlier step made or downloaded it."
  }),
  name: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Name",
      description: "Name in Drive; by default the file's own name.",
      examples: ["unpaid-orders.csv"]
    })
  ),
  folderId: Schema.optional(
    folderId({ description: "Folder to upload into; by default the top of My Drive." })
  ),
  description: Schema.optional(
    Schema.String.annotations({
      title: "Description",
      description: "A description shown in Drive."
    })
  ),
  mimeType: Schema.optional(
    Schema.String.annotations({
      title: "Content type",
      description: "The content's MIME type; by default the file's own.",
      examples: ["text/csv"]
    })
  ),
  convertTo: Schema.optional(
    Schema.Literal("document", "spreadsheet", "presentation").annotations({
      title: "Convert to",
      description:
        "Turn the upload into a Google Doc, Sheet or Slides deck (for example a CSV into a Sheet)."
    })
  )
}).annotations({ title: "Upload file", description: "The file, and where it goes." })

/**
 * Uploads a file, streamed from disk: up to 5 MB in one request, larger files in 8 MB
 * chunks through a resumable session that picks up where it stopped after a dropped
 * connection. Fails with `NotFoundError` for a folder the account cannot see,
 * `QuotaExceededError` when the account's storage is full, and `TransportError` when the
 * file cannot be read. The upload is chosen by the file's size on disk, whatever size the
 * file reference gives.
 */
export const uploadFile = defineNode({
  type: "googleDrive.uploadFile",
  version: 1,
  title: "Upload file",
  description:
    "Uploads a file to Drive, into a folder of your choice; large files resume after a dropped connection.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/create"),
  scopes: [googleScopes.drive],
  input: UploadFileInput,
  output: FileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.uploadFile({
        file: input.file,
        name: input.name,
        folderId: input.folderId,
        description: input.description,
        mimeType: input.mimeType,
        convertTo:
          input.convertTo === undefined
            ? undefined
            : `application/vnd.google-apps.${input.convertTo}`
      })
    ).pipe(Effect.map(fileOutput))
})
