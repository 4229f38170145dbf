/**
 * Node `googleDrive.createFolder`: creates a folder.
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
  FileOutput,
  fileOutput,
  folderId
} from "./fields.js"
import { GoogleDrive } from "./service.js"

/** Input of `googleDrive.createFolder`. */
export const CreateFolderInput = Schema.Struct({
  name: Schema.NonEmptyTrimmedString.annotations({
    title: "Name",
    description: "The new folder's name. Drive allows two folders with the same name.",
    examples: ["2024-06 reports"]
  }),
  parentId: Schema.optional(
    folderId({
      title: "In folder",
      description: "Where to create it; by default the top of My Drive."
    })
  )
}).annotations({ title: "Create folder", description: "The new folder." })

/** Creates a folder. Fails with `NotFoundError` for a parent folder the account cannot see. */
export const createFolder = defineNode({
  type: "googleDrive.createFolder",
  version: 1,
  title: "Create folder",
  description: "Creates a folder in My Drive, a shared drive, or another folder.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/create"),
  scopes: [googleScopes.drive],
  input: CreateFolderInput,
  output: FileOutput,
  run: (input) =>
    Effect.map(
      Effect.flatMap(GoogleDrive, (drive) => drive.createFolder(input.name, input.parentId)),
      fileOutput
    )
})
