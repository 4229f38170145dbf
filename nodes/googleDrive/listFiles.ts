/**
 * Node `googleDrive.listFiles`: lists and searches files and folders.
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

/** Input of `googleDrive.listFiles`. */
export const ListFilesInput = Schema.Struct({
  query: Schema.optional(
    Schema.String.annotations({
      title: "Search",
      description:
        "A Drive search query, for example `name contains 'invoice' and mimeType = 'application/pdf'`. Combined with the folder and trash settings by `and`.",
      examples: ["name contains 'report'"]
    })
  ),
  folderId: Schema.optional(folderId({ description: "Only files directly in this folder." })),
  includeTrashed: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Include trash",
      description: "Also list files in the trash.",
      default: false
    }),
    { default: () => false }
  ),
  driveId: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Shared drive",
      description: "Search this shared drive (its id, from its link) instead of My Drive.",
      examples: ["0AFakeTeamDrive000000000000"]
    })
  ),
  allDrives: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "All drives",
      description: "Search My Drive and every shared drive the account belongs to.",
      default: false
    }),
    { default: () => false }
  ),
  fields: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Fields",
      description:
        "Which fields of each file to return, in Drive's syntax (`id,name,owners(emailAddress)`); by default id, name, type, folder, size, times and links.",
      examples: ["id,name,modifiedTime"]
    })
  ),
  orderBy: Schema.optional(
    Schema.String.annotations({
      title: "Order by",
      description:
        "Sort keys separated by commas, each optionally with `desc`: name, createdTime, modifiedTime, folder.",
      examples: ["modifiedTime desc"]
    })
  ),
  returnAll: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Return all",
      description: "Read every page (up to the limit); otherwise only the first page.",
      default: false
    }),
    { default: () => false }
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Limit",
      description: "Most files to return (default: one page of 100, or no limit with Return all).",
      examples: [50]
    })
  ),
  pageToken: Schema.optional(
    Schema.String.annotations({
      title: "Page token",
      description: "Go on from where an earlier step stopped: its `nextPageToken`."
    })
  )
}).annotations({ title: "List files", description: "Which files to list." })

/** Output of `googleDrive.listFiles`. */
export const ListFilesOutput = Schema.Struct({
  files: Schema.Array(FileOutput).annotations({
    title: "Files",
    description: "The files found, in order."
  }),
  count: Schema.Number.annotations({
    title: "Count",
    description: "How many files were returned."
  }),
  nextPageToken: Schema.optional(
    Schema.String.annotations({
      title: "Next page token",
      description:
        "Set when more files match; give it as Page token to a later step to go on. It points just past the last file returned."
    })
  ),
  truncated: Schema.optional(
    Schema.Boolean.annotations({
      title: "Truncated",
      description:
        "True when Drive answered with more files than asked for, so the list was cut at the limit with no page token to go on from; raise the limit to get the rest."
    })
  ),
  incompleteSearch: Schema.optional(
    Schema.Boolean.annotations({
      title: "Incomplete search",
      description:
        "True when Drive could not search everywhere it was asked to (some shared drives, with All drives), so files may be missing; search one shared drive at a time to be sure."
    })
  )
}).annotations({ title: "Files" })

/**
 * Lists files matching a search, page by page (each page one request, read only as far
 * as needed). Fails with `ValidationError` for a search Drive cannot read, and
 * `NotFoundError` for a shared drive the account is not a member of.
 */
export const listFiles = defineNode({
  type: "googleDrive.listFiles",
  version: 1,
  title: "List files",
  description: "Lists or searches files and folders in My Drive or a shared drive.",
  category: driveCategory,
  credentials: driveCredentials,
  docsUrl: driveDocs("files/list"),
  scopes: [googleScopes.driveRead],
  input: ListFilesInput,
  output: ListFilesOutput,
  run: (input) =>
    Effect.flatMap(GoogleDrive, (drive) =>
      drive.listFiles(
        {
          q: searchOf(input),
          fields: input.fields,
          orderBy: input.orderBy,
          driveId: input.driveId,
          allDrives: input.allDrives,
          pageToken: input.pageToken
        },
        { returnAll: input.returnAll, limit: input.limit }
      )
    ).pipe(
      Effect.map((listed) => ({
        files: listed.items.map(fileOutput),
        count: listed.items.length,
        nextPageToken: listed.nextPageToken,
        truncated: listed.truncated,
        incompleteSearch: listed.incompleteSearch
      }))
    )
})

/** The `q` of a list: the user's search, the folder and the trash setting, joined by `and`. */
const searchOf = (input: typeof ListFilesInput.Type): string | undefined => {
  const parts = [
    input.query === undefined || input.query.trim() === "" ? undefined : `(${input.query})`,
    input.folderId === undefined
      ? undefined
      : `'${input.folderId.replace(/['\\]/g, "\\$&")}' in parents`,
    input.includeTrashed ? undefined : "trashed = false"
  ].filter((part) => part !== undefined)
  return parts.length === 0 ? undefined : parts.join(" and ")
}
