/**
 * Node `googleDrive.getFile`: reads a file's metadata.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  driveCategory,
  driveCredentials,
  driveDocs,
  FileId,
  FileOutput,
  fileOutput
} from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.getFile`. */
export const GetFileInput = Schema.Struct({
  fileId: FileId,
  fields: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Fields",
      description:
        "Which fields to return, in Drive's syntax (`id,name,owners(emailAddress)`, or `*` for all).",
      examples: ["id,name,size,owners(emailAddress)"]
    })
  )
}).annotations({ title: "Get file", description: "Which file to read." })

/**
 * Reads a file's or folder's metadata (name, type, size, folder, times, links). Fails
 * with `NotFoundError` when the file does not exist or is not shared with the account.
 */
export const getFile = defineNode({
  type: "googleDrive.getFile",
  version: 1,
  title: "Get file",
  description: "Reads a file's metadata: name, type, size, folder, times and links.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/get"),
  scopes: [googleScopes.driveRead],
  input: GetFileInput,
  output: FileOutput,
  run: (input) =>
    Effect.map(
      Effect.flatMap(GoogleDrive, (drive) => drive.getFile(input.fileId, input.fields)),
      fileOutput
    )
})
