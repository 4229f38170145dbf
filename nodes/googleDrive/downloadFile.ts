/**
 * Node `googleDrive.downloadFile`: downloads a file (or exports a Google Doc) to the
 * run's workspace.
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
  FileId,
  FileOutput,
  fileOutput
} from "./fields.js"
import { exportFormats } from "./formats.js"
import { GoogleDrive } from "./service.js"

const formatNames = Object.keys(exportFormats) as Array<keyof typeof exportFormats>

/** Input of `googleDrive.downloadFile`. */
export const DownloadFileInput = Schema.Struct({
  fileId: FileId,
  exportFormat: Schema.optional(
    Schema.Literal(...formatNames).annotations({
      title: "Export as",
      description:
        "For Google Docs, Sheets, Slides and Drawings, which have no file of their own: the format to export to. Default pdf (xlsx for Sheets). Ignored for other files.",
      examples: ["pdf", "docx", "xlsx", "csv"]
    })
  ),
  name: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Save as",
      description:
        "File name in the run's folder; by default the name in Drive (with the export's extension)."
    })
  )
}).annotations({ title: "Download file", description: "Which file, and in what format." })

/** Output of `googleDrive.downloadFile`. */
export const DownloadFileOutput = Schema.Struct({
  file: FileRef,
  source: FileOutput.annotations({
    title: "Drive file",
    description: "The Drive file it came from."
  })
}).annotations({ title: "Downloaded file" })

/**
 * Downloads a file's content to the run's folder, streamed to disk (memory stays flat
 * whatever the size); a Google Docs file is exported to the chosen format (Google
 * limits exports to 10 MB). Fails with `ValidationError` for a folder or a format the
 * file cannot be exported to, `ResponseTooLargeError` for an export over Drive's 10 MB,
 * and `NotFoundError` for an unknown file.
 */
export const downloadFile = defineNode({
  type: "googleDrive.downloadFile",
  version: 1,
  title: "Download file",
  description:
    "Downloads a file to the run's folder; Google Docs, Sheets and Slides are exported (PDF, Word, Excel, CSV, ...).",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/get"),
  scopes: [googleScopes.driveRead],
  input: DownloadFileInput,
  output: DownloadFileOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.downloadFile(input.fileId, { exportMimeType: input.exportFormat, name: input.name })
    ).pipe(
      Effect.map((downloaded) => ({
        file: downloaded.file,
        source: fileOutput(downloaded.metadata)
      }))
    )
})
