/**
 * Node `googleDrive.moveFile`: moves a file to another folder, renames it, or both.
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

/** Input of `googleDrive.moveFile`. */
export const MoveFileInput = Schema.Struct({
  fileId: FileId,
  folderId: Schema.optional(
    folderId({ title: "To folder", description: "The folder to move it into." })
  ),
  name: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "New name",
      description: "The file's new name.",
      examples: ["orders-2024-06.csv"]
    })
  )
})
  .pipe(
    Schema.filter((input) =>
      input.folderId === undefined && input.name === undefined
        ? { path: ["folderId"], message: "Give a folder to move to, a new name, or both." }
        : undefined
    )
  )
  .annotations({ title: "Move or rename file", description: "Which file, and where or what to." })

/**
 * Moves a file into a folder (leaving the folder it was in) and renames it. Fails with
 * `NotFoundError` for an unknown file or folder, and `PermissionError` when the account
 * may not edit the file.
 */
export const moveFile = defineNode({
  type: "googleDrive.moveFile",
  version: 1,
  title: "Move or rename file",
  description: "Moves a file or folder to another folder, renames it, or both.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/update"),
  scopes: [googleScopes.drive],
  input: MoveFileInput,
  output: FileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.updateFile(input.fileId, { moveTo: input.folderId, name: input.name })
    ).pipe(Effect.map(fileOutput))
})
