/**
 * The `googleDrive` integration's service: Google Drive API v3 over the kernel.
 *
 * Every call names the file fields it reads (`fields`), and says it supports shared
 * drives (`supportsAllDrives`), so files in shared drives work like the rest. Uploads
 * up to 5 MB go in one multipart request, larger ones through a resumable session;
 * downloads stream to the run's workspace, Google Docs exported to a chosen format.
 *
 * @module
 */
import { Context, Effect, FiberRef, Layer, Schema } from "effect"
import { StepAttempts } from "../../src/http/attempts.js"
import type { KernelError } from "../../src/http/errors.js"
import { ValidationError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { QueryValue } from "../../src/http/request.js"
import type { Workspace } from "../../src/http/workspace.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import type { Listed, ListLimit } from "../google/client.js"
import { defined, googleClientConfig, listPages } from "../google/client.js"
import { multipartLimitBytes, multipartUpload, withSizeOnDisk } from "../google/multipartUpload.js"
import { driveRateLimits, googleQuotas } from "../google/rateLimits.js"
import { resumableUpload } from "../google/resumableUpload.js"
import { exportFormatFor, isGoogleFile } from "./formats.js"

/** Drive API v3's base URL. */
export const driveApiUrl = "https://www.googleapis.com/drive/v3"

/** Drive's upload URL for new files. */
export const driveUploadUrl = "https://www.googleapis.com/upload/drive/v3/files"

/** The MIME type of a Drive folder. */
export const folderMimeType = "application/vnd.google-apps.folder"

/** The file fields the nodes read and return. */
export const fileFields =
  "id,name,mimeType,description,parents,size,md5Checksum,createdTime,modifiedTime,webViewLink,webContentLink,trashed,starred,driveId"

/** A Drive file's metadata, as the API returns it (only the fields asked for are set). */
export const DriveFile = Schema.Struct(
  {
    id: Schema.optional(Schema.String),
    name: Schema.optional(Schema.String),
    mimeType: Schema.optional(Schema.String),
    description: Schema.optional(Schema.String),
    parents: Schema.optional(Schema.Array(Schema.String)),
    size: Schema.optional(Schema.NumberFromString),
    md5Checksum: Schema.optional(Schema.String),
    createdTime: Schema.optional(Schema.String),
    modifiedTime: Schema.optional(Schema.String),
    webViewLink: Schema.optional(Schema.String),
    webContentLink: Schema.optional(Schema.String),
    trashed: Schema.optional(Schema.Boolean),
    starred: Schema.optional(Schema.Boolean),
    driveId: Schema.optional(Schema.String)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
/** A Drive file's metadata. */
export type DriveFile = typeof DriveFile.Type

/** A permission on a file: who may do what. */
export const DrivePermission = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  role: Schema.String,
  emailAddress: Schema.optional(Schema.String),
  domain: Schema.optional(Schema.String),
  allowFileDiscovery: Schema.optional(Schema.Boolean)
})
/** A permission on a file. */
export type DrivePermission = typeof DrivePermission.Type

/** Which files to list. */
export interface FileQuery {
  /** Drive's search query, for example `name contains 'report' and trashed = false`. */
  readonly q?: string | undefined
  /** Fields of each file to read, in Drive's field syntax; default {@link fileFields}. */
  readonly fields?: string | undefined
  readonly orderBy?: string | undefined
  /** A shared drive to search; without it, My Drive (and all drives with `allDrives`). */
  readonly driveId?: string | undefined
  /** Search My Drive and every shared drive the account is a member of. */
  readonly allDrives?: boolean | undefined
  /** Start from this page instead of the first. */
  readonly pageToken?: string | undefined
  /** Largest page to ask for; default Drive's largest (1000), or 100 for one page. */
  readonly pageSize?: number | undefined
}

/** A file to upload. */
export interface FileUpload {
  readonly file: FileRef
  /** Name in Drive; default the file's own. */
  readonly name?: string | undefined
  /** Media type of the content; default the file's own. */
  readonly mimeType?: string | undefined
  /** Folder to put the file in; default the root of My Drive. */
  readonly folderId?: string | undefined
  readonly description?: string | undefined
  /** Convert to this Google type (`application/vnd.google-apps.spreadsheet`) on upload. */
  readonly convertTo?: string | undefined
  /** Bytes per chunk of a resumable upload. */
  readonly chunkBytes?: number | undefined
}

/** A change to a file's name, folder, description or trash state. */
export interface FileChange {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly trashed?: boolean | undefined
  /** Folder to move the file into; its current folders are left. */
  readonly moveTo?: string | undefined
}

/** A permission to grant. */
export interface NewPermission {
  readonly role: "reader" | "commenter" | "writer" | "fileOrganizer" | "organizer" | "owner"
  readonly type: "user" | "group" | "domain" | "anyone"
  readonly emailAddress?: string | undefined
  readonly domain?: string | undefined
  readonly allowFileDiscovery?: boolean | undefined
  readonly sendNotificationEmail?: boolean | undefined
  readonly emailMessage?: string | undefined
  readonly transferOwnership?: boolean | undefined
}

/** Google Drive, as the Drive nodes use it; every method fails with a typed error. */
export interface DriveApi {
  /** Lists or searches files (`files.list`), one page or every page up to a limit. */
  readonly listFiles: (
    query: FileQuery,
    how: ListLimit
  ) => Effect.Effect<Listed<DriveFile>, KernelError>
  /** Reads a file's metadata (`files.get`). */
  readonly getFile: (fileId: string, fields?: string) => Effect.Effect<DriveFile, KernelError>
  /** Uploads a file: multipart up to 5 MB, a resumable session above. */
  readonly uploadFile: (upload: FileUpload) => Effect.Effect<DriveFile, KernelError>
  /**
   * Downloads a file's content to the run's workspace (`files.get?alt=media`), or exports
   * a Google Docs file (`files.export`) to `exportMimeType` or its default format.
   */
  readonly downloadFile: (
    fileId: string,
    options: { readonly exportMimeType?: string | undefined; readonly name?: string | undefined }
  ) => Effect.Effect<
    { readonly file: FileRef; readonly metadata: DriveFile },
    KernelError,
    Workspace
  >
  /** Creates a folder (`files.create` without content). */
  readonly createFolder: (name: string, parentId?: string) => Effect.Effect<DriveFile, KernelError>
  /** Renames, moves, describes or trashes a file (`files.update`). */
  readonly updateFile: (fileId: string, change: FileChange) => Effect.Effect<DriveFile, KernelError>
  /** Copies a file (`files.copy`). */
  readonly copyFile: (
    fileId: string,
    copy: { readonly name?: string | undefined; readonly folderId?: string | undefined }
  ) => Effect.Effect<DriveFile, KernelError>
  /** Deletes a file for good, skipping the trash (`files.delete`). */
  readonly deleteFile: (fileId: string) => Effect.Effect<void, KernelError>
  /** Shares a file (`permissions.create`). */
  readonly share: (
    fileId: string,
    permission: NewPermission
  ) => Effect.Effect<DrivePermission, KernelError>
}

/** The `googleDrive` integration's service, one per step credential. */
export class GoogleDrive extends Context.Tag("rpa/GoogleDrive")<GoogleDrive, DriveApi>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (
    context: IntegrationContext
  ): Layer.Layer<GoogleDrive, never, HttpKernel> =>
    Layer.effect(
      GoogleDrive,
      Effect.gen(function* () {
        const kernel = yield* HttpKernel
        const quotas = yield* googleQuotas
        const config = googleClientConfig("googleDrive", context, (key) =>
          driveRateLimits(key, quotas)
        )
        return makeDrive(kernel.client(config))
      })
    )
}

/** Parameters every call that names a file sends. */
const allDrives = { supportsAllDrives: true } as const

/** Google Drive over one kernel client. */
export const makeDrive = (client: HttpClient): DriveApi => {
  const file = (id: string) => `${driveApiUrl}/files/${encodeURIComponent(id)}`
  const json = (
    method: "GET" | "POST" | "PATCH",
    url: string,
    query: Record<string, QueryValue | undefined>,
    body?: unknown
  ) =>
    client.json(
      {
        method,
        url,
        query: { ...allDrives, fields: fileFields, ...defined(query) },
        body: body === undefined ? undefined : { _tag: "Json", value: body }
      },
      DriveFile
    )

  const getFile: DriveApi["getFile"] = (fileId, fields) => json("GET", file(fileId), { fields })

  return {
    listFiles: (query, how) =>
      listPages(
        client,
        {
          method: "GET",
          url: `${driveApiUrl}/files`,
          query: {
            q: query.q,
            fields: `nextPageToken,incompleteSearch,files(${query.fields ?? fileFields})`,
            orderBy: query.orderBy,
            pageToken: query.pageToken,
            ...(query.driveId !== undefined
              ? {
                  corpora: "drive",
                  driveId: query.driveId,
                  includeItemsFromAllDrives: true,
                  supportsAllDrives: true
                }
              : query.allDrives === true
                ? { corpora: "allDrives", includeItemsFromAllDrives: true, supportsAllDrives: true }
                : {})
          }
        },
        "files",
        DriveFile,
        {
          param: "pageSize",
          max: Math.min(drivePageMax, query.pageSize ?? drivePageMax),
          first: 100
        },
        how
      ),

    getFile,

    uploadFile: (upload) => {
      const metadata = defined({
        name: upload.name ?? upload.file.name,
        mimeType: upload.convertTo,
        description: upload.description,
        parents: upload.folderId === undefined ? undefined : [upload.folderId]
      })
      return Effect.flatMap(withSizeOnDisk("googleDrive", upload.file), (file) => {
        const request = {
          url: driveUploadUrl,
          query: { ...allDrives, fields: fileFields },
          metadata,
          file,
          contentType: upload.mimeType ?? file.mimeType
        }
        return file.size <= multipartLimitBytes
          ? multipartUpload(client, request, DriveFile)
          : resumableUpload(client, { ...request, chunkBytes: upload.chunkBytes }, DriveFile)
      })
    },

    downloadFile: (fileId, options) =>
      Effect.gen(function* () {
        const metadata = yield* getFile(fileId, "id,name,mimeType,size,md5Checksum")
        const mimeType = metadata.mimeType ?? "application/octet-stream"
        const name = metadata.name ?? fileId
        if (mimeType === folderMimeType) {
          return yield* Effect.fail(
            new ValidationError({
              integration: "googleDrive",
              message: `"${name}" is a folder, which has no content to download; list its files and download them`,
              issues: [{ path: "fileId", message: "is a folder" }]
            })
          )
        }
        if (!isGoogleFile(mimeType)) {
          const downloaded = yield* client.download(
            { method: "GET", url: file(fileId), query: { ...allDrives, alt: "media" } },
            { name: options.name ?? name }
          )
          return { file: { ...downloaded.file, mimeType }, metadata }
        }
        const format = yield* exportFormatFor(mimeType, options.exportMimeType, name)
        const exported = yield* client.download(
          { method: "GET", url: `${file(fileId)}/export`, query: { mimeType: format.mimeType } },
          { name: options.name ?? format.fileName }
        )
        return { file: { ...exported.file, mimeType: format.mimeType }, metadata }
      }),

    createFolder: (name, parentId) =>
      json(
        "POST",
        `${driveApiUrl}/files`,
        {},
        defined({
          name,
          mimeType: folderMimeType,
          parents: parentId === undefined ? undefined : [parentId]
        })
      ),

    updateFile: (fileId, change) =>
      Effect.gen(function* () {
        const removeParents =
          change.moveTo === undefined
            ? undefined
            : ((yield* getFile(fileId, "parents")).parents ?? []).join(",")
        return yield* json(
          "PATCH",
          file(fileId),
          {
            addParents: change.moveTo,
            removeParents: removeParents === "" ? undefined : removeParents
          },
          defined({ name: change.name, description: change.description, trashed: change.trashed })
        )
      }),

    copyFile: (fileId, copy) =>
      json(
        "POST",
        `${file(fileId)}/copy`,
        {},
        defined({
          name: copy.name,
          parents: copy.folderId === undefined ? undefined : [copy.folderId]
        })
      ),

    deleteFile: (fileId) =>
      retriedIsDone(
        client.request({ method: "DELETE", url: file(fileId), query: allDrives }),
        fileId
      ),

    share: (fileId, permission) =>
      client.json(
        {
          method: "POST",
          url: `${file(fileId)}/permissions`,
          query: {
            ...allDrives,
            fields: "id,type,role,emailAddress,domain,allowFileDiscovery",
            sendNotificationEmail: permission.sendNotificationEmail,
            emailMessage: permission.emailMessage,
            transferOwnership: permission.transferOwnership
          },
          body: {
            _tag: "Json",
            value: defined({
              role: permission.role,
              type: permission.type,
              emailAddress: permission.emailAddress,
              domain: permission.domain,
              allowFileDiscovery: permission.allowFileDiscovery
            })
          }
        },
        DrivePermission
      )
  }
}

/**
 * Runs a DELETE, counting a `NotFoundError` after the kernel sent it again as done: an
 * earlier attempt may have deleted the file and lost its answer (a dropped connection, a
 * timeout), so the 404 of the re-sent DELETE means the file is gone, which is what the
 * step wanted. The kernel counts every re-send in the step's `StepAttempts` counter; the
 * DELETE runs with a counter of its own (added to the step's afterwards), so only its
 * own re-sends count. A 404 at the first attempt is still a `NotFoundError`.
 */
const retriedIsDone = (
  remove: Effect.Effect<unknown, KernelError>,
  fileId: string
): Effect.Effect<void, KernelError> =>
  Effect.flatMap(FiberRef.get(StepAttempts), (step) => {
    const own = { retries: 0, maxAttempts: step.maxAttempts }
    return remove.pipe(
      Effect.locally(StepAttempts, own),
      Effect.ensuring(
        Effect.sync(() => {
          step.retries += own.retries
        })
      ),
      Effect.asVoid,
      Effect.catchTag("NotFoundError", (error) =>
        own.retries === 0
          ? Effect.fail(error)
          : Effect.logInfo(
              "The re-sent DELETE found no file: an earlier attempt deleted it and its answer was lost"
            ).pipe(Effect.annotateLogs({ integration: "googleDrive", fileId }))
      )
    )
  })

/** Drive's largest page of files. */
const drivePageMax = 1000
