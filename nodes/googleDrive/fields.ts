/**
 * Fields shared by the Google Drive nodes' input and output schemas, annotated once.
 *
 * @module
 */
import { Schema } from "effect"
import { googleCredentialTypes } from "../google/credentialTypes.js"
import type { DriveFile } from "./service.js"

/** Credential types every Drive node accepts. */
export const driveCredentials = { types: googleCredentialTypes, required: true } as const

/** The palette group of the Drive nodes. */
export const driveCategory = "Files"

/** Where Google documents a Drive API method. */
export const driveDocs = (path: string) =>
  `https://developers.google.com/workspace/drive/api/reference/rest/v3/${path}`

/** How a form shows an id field: its title, description and examples. */
interface IdAnnotations {
  readonly title: string
  readonly description: string
  readonly examples?: readonly [string, ...Array<string>] | undefined
}

/** A field that takes an id or a Drive link and decodes to the id. */
const idField = (annotations: IdAnnotations) =>
  Schema.transform(Schema.NonEmptyTrimmedString.annotations({ ...annotations }), Schema.String, {
    strict: true,
    decode: (text) => driveIdOf(text),
    encode: (id) => id
  })

/** A file or folder id, or its link; decodes to the id. */
export const FileId = idField({
  title: "File",
  description:
    "The file's (or folder's) id, or its link as copied from Drive (`https://drive.google.com/file/d/<id>/view`).",
  examples: ["1FakeFolderReports000000000000000"]
})

/** A folder field, by id or link; the annotations say what the folder is for. */
export const folderId = (annotations: Partial<IdAnnotations> = {}) =>
  idField({
    title: "Folder",
    description:
      "The folder's id, or its link (`https://drive.google.com/drive/folders/<id>`); `root` is the top of My Drive.",
    examples: ["1FakeFolderReports000000000000000", "root"],
    ...annotations
  })

/** A file's metadata, as the Drive nodes return it. */
export const FileOutput = Schema.Struct(
  {
    id: Schema.optional(
      Schema.String.annotations({
        title: "Id",
        description: "The file's id, for the other Drive nodes."
      })
    ),
    name: Schema.optional(
      Schema.String.annotations({
        title: "Name",
        description: "The file's name.",
        examples: ["unpaid-orders.csv"]
      })
    ),
    mimeType: Schema.optional(
      Schema.String.annotations({
        title: "Type",
        description:
          "The file's MIME type; Google Docs files and folders have `application/vnd.google-apps.*` types.",
        examples: ["text/csv"]
      })
    ),
    description: Schema.optional(
      Schema.String.annotations({ title: "Description", description: "The file's description." })
    ),
    parents: Schema.optional(
      Schema.Array(Schema.String).annotations({
        title: "Folder",
        description: "The id of the folder the file is in."
      })
    ),
    size: Schema.optional(
      Schema.Number.annotations({
        title: "Size",
        description: "Size in bytes; Google Docs files have none."
      })
    ),
    md5Checksum: Schema.optional(
      Schema.String.annotations({ title: "MD5", description: "MD5 checksum of the content." })
    ),
    createdTime: Schema.optional(
      Schema.String.annotations({
        title: "Created",
        description: "When it was created (RFC 3339)."
      })
    ),
    modifiedTime: Schema.optional(
      Schema.String.annotations({
        title: "Modified",
        description: "When it last changed (RFC 3339)."
      })
    ),
    webViewLink: Schema.optional(
      Schema.String.annotations({
        title: "Link",
        description: "The link that opens it in the browser."
      })
    ),
    webContentLink: Schema.optional(
      Schema.String.annotations({
        title: "Download link",
        description: "A link that downloads the content, for files with content."
      })
    ),
    trashed: Schema.optional(
      Schema.Boolean.annotations({ title: "In trash", description: "Whether it is in the trash." })
    ),
    starred: Schema.optional(
      Schema.Boolean.annotations({ title: "Starred", description: "Whether it is starred." })
    ),
    driveId: Schema.optional(
      Schema.String.annotations({
        title: "Shared drive",
        description: "The shared drive it is in, if any."
      })
    )
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ title: "Drive file", description: "A file or folder in Google Drive." })

/** A file's metadata as a node returns it: every field the API gave, as it gave it. */
export const fileOutput = (file: DriveFile): typeof FileOutput.Type => file

/** The id in what a person pasted: the id itself, or a Drive or Docs link. */
export const driveIdOf = (text: string): string => {
  const trimmed = text.trim()
  const fromPath =
    /\/(?:file|document|spreadsheets|presentation|drawings|forms)\/d\/([A-Za-z0-9_-]+)/.exec(
      trimmed
    )?.[1]
  const fromFolder = /\/folders\/([A-Za-z0-9_-]+)/.exec(trimmed)?.[1]
  const fromQuery = /[?&]id=([A-Za-z0-9_-]+)/.exec(trimmed)?.[1]
  return fromPath ?? fromFolder ?? fromQuery ?? trimmed
}
