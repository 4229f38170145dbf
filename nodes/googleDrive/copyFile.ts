/**
 * Node `googleDrive.copyFile`: copies a file.
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
  fileOutput,
  folderId
} from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.copyFile`. */
export const CopyFileInput = Schema.Struct({
  fileId: FileId,
  name: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Name",
      description: "The copy's name; by default `Copy of <name>`."
    })
  ),
  folderId: Schema.optional(
    folderId({
      title: "To folder",
      description: "Where to put the copy; by default next to the original."
    })
  )
}).annotations({ title: "Copy file", description: "Which file to copy, and where." })

/**
 * Copies a file (folders cannot be copied). Fails with `PermissionError` for a folder or
 * a file whose owner disabled copying, and `NotFoundError` for an unknown file.
 */
export const copyFile = defineNode({
  type: "googleDrive.copyFile",
  version: 1,
  title: "Copy file",
  description: "Makes a copy of a file, with a new name or in another folder.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/copy"),
  scopes: [googleScopes.drive],
  input: CopyFileInput,
  output: FileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.copyFile(input.fileId, { name: input.name, folderId: input.folderId })
    ).pipe(Effect.map(fileOutput))
})
