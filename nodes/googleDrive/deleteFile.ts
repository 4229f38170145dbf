/**
 * Node `googleDrive.deleteFile`: deletes a file for good.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { driveCategory, driveCredentials, driveDocs, FileId } from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.deleteFile`. */
export const DeleteFileInput = Schema.Struct({ fileId: FileId }).annotations({
  title: "Delete file",
  description: "Which file to delete."
})

/** Output of `googleDrive.deleteFile`. */
export const DeleteFileOutput = Schema.Struct({
  deleted: Schema.String.annotations({
    title: "Deleted",
    description: "The id of the deleted file."
  })
}).annotations({ title: "Deleted" })

/**
 * Deletes a file, or a folder with everything in it, without the trash: it cannot be
 * restored. Only the owner (or, in a shared drive, an organizer) may. Fails with
 * `PermissionError` otherwise, and `NotFoundError` for an unknown file. When a DELETE is
 * sent again after its answer was lost, a "not found" means the first one deleted the
 * file, and the step succeeds.
 */
export const deleteFile = defineNode({
  type: "googleDrive.deleteFile",
  version: 1,
  title: "Delete file",
  description: "Deletes a file or folder for good, skipping the trash.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/delete"),
  scopes: [googleScopes.drive],
  input: DeleteFileInput,
  output: DeleteFileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) => drive.deleteFile(input.fileId)).pipe(
      Effect.as({ deleted: input.fileId })
    )
})
