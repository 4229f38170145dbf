/**
 * Node `googleDrive.trashFile`: moves a file to the trash, or restores it.
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

/** Input of `googleDrive.trashFile`. */
export const TrashFileInput = Schema.Struct({
  fileId: FileId,
  restore: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Restore",
      description: "Take the file out of the trash instead.",
      default: false
    }),
    { default: () => false }
  )
}).annotations({ title: "Move to trash", description: "Which file." })

/**
 * Moves a file or folder to the trash, where Drive keeps it for 30 days, or restores it.
 * Fails with `PermissionError` when the account may not edit the file.
 */
export const trashFile = defineNode({
  type: "googleDrive.trashFile",
  version: 1,
  title: "Move to trash",
  description:
    "Moves a file or folder to the trash (or restores it); Drive empties the trash after 30 days.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/update"),
  scopes: [googleScopes.drive],
  input: TrashFileInput,
  output: FileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.updateFile(input.fileId, { trashed: !input.restore })
    ).pipe(Effect.map(fileOutput))
})
