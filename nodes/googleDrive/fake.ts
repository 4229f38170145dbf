/**
 * The sandbox fake of Google Drive API v3 on 127.0.0.1: a drive of folders and files
 * whose contents are kept on disk (a 50 MB upload costs the fake no memory), with Drive's
 * three upload protocols (multipart and media up to 5 MB, refused above with 413 as Drive
 * does, and resumable sessions answered with a session URI in `Location` and `308` with
 * `Range` until complete), downloads (`alt=media`) and exports of Google Docs (up to
 * Drive's 10 MB, `exportSizeLimitExceeded` above), the search language of `q`, `fields` masks,
 * page tokens, shared drives (seen only with `supportsAllDrives`), single parents,
 * permissions, and Drive's error bodies. It answers for `https://www.googleapis.com` in
 * `--sandbox` runs and starts with a few files and folders.
 *
 * A test can make the next resumable upload lose its connection once a given share of
 * the file has arrived, to check that the client asks where to resume and finishes.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { createReadStream, promises as fs, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import type { Scope } from "effect"
import { Effect } from "effect"
import { applyFieldMask, parseFieldMask } from "../google/fakeFields.js"
import { relatedBoundary, splitRelated } from "../google/fakeMultipart.js"
import { FakeResumableSessions } from "../google/fakeResumable.js"
import type {
  FakeReply,
  FakeRequest,
  FakeRoute,
  GoogleFakeOptions,
  GoogleFakeServer
} from "../google/fakeServer.js"
import { GoogleFault, startGoogleFakeServer } from "../google/fakeServer.js"
import { parseDriveQuery, type QueryableFile } from "./fakeQuery.js"

/** The origin the sandbox routes to this fake (Drive's API and upload paths). */
export const driveOrigin = "https://www.googleapis.com"

/** The MIME type of a Drive folder. */
export const folderMimeType = "application/vnd.google-apps.folder"

/** Id of the sandbox drive's "Reports" folder. */
export const sandboxReportsFolderId = "1FakeFolderReports000000000000000"

/** Id of the sandbox drive's "Meeting notes" Google Doc. */
export const sandboxMeetingNotesId = "1FakeDocMeetingNotes0000000000000"

/** Id of the sandbox's shared drive "Team". */
export const sandboxTeamDriveId = "0AFakeTeamDrive000000000000"

/** A file as tests see it in the fake. */
export interface FakeDriveFile {
  readonly id: string
  readonly name: string
  readonly mimeType: string
  readonly parents: ReadonlyArray<string>
  readonly trashed: boolean
  readonly driveId?: string | undefined
  readonly size: number
  readonly md5Checksum?: string | undefined
  readonly permissions: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/** A running Drive fake, with a look inside for tests. */
export interface DriveFake extends GoogleFakeServer {
  /** Every file and folder, trashed ones included. */
  readonly files: () => ReadonlyArray<FakeDriveFile>
  /** Path on disk of a file's content. */
  readonly contentPath: (fileId: string) => string | undefined
  /** Adds a file; returns its id. */
  readonly seedFile: (file: {
    readonly name: string
    readonly mimeType?: string | undefined
    readonly parents?: ReadonlyArray<string> | undefined
    readonly content?: string | Uint8Array | undefined
    readonly driveId?: string | undefined
  }) => Promise<string>
  /** The next resumable upload loses its connection once this share (0 to 1) has arrived. */
  readonly dropUploadAt: (share: number) => void
  /** How many resumable sessions were started. */
  readonly sessionsStarted: () => number
  /**
   * Makes searches of every drive (`corpora=allDrives`) report `incompleteSearch: true`, as
   * Drive does when it could not search all of the account's shared drives.
   */
  readonly searchIncompletely: (incomplete: boolean) => void
}

/** The My Drive root folder's id; `root` is an alias of it. */
export const rootFolderId = "0AFakeMyDriveRoot00000000000"

/** Starts the fake on 127.0.0.1 with a free port; its content folder is removed on close. */
export const startDrive = async (options: GoogleFakeOptions = {}): Promise<DriveFake> => {
  const store = new Store(mkdtempSync(join(tmpdir(), "rpa-drive-fake-")))
  await seedSandbox(store)
  const server = await startGoogleFakeServer("drive.googleapis.com", routes(store), options)
  return {
    ...server,
    files: () => [...store.files.values()].filter((file) => file.parents.length > 0).map(viewOf),
    contentPath: (id) => (store.files.get(id)?.size === undefined ? undefined : store.blobPath(id)),
    seedFile: (file) => store.seed(file),
    dropUploadAt: (share) => store.uploads.dropAt(share),
    sessionsStarted: () => store.uploads.count(),
    searchIncompletely: (incomplete) => {
      store.incompleteAllDrives = incomplete
    },
    close: async () => {
      await server.close()
      rmSync(store.directory, { recursive: true, force: true })
    }
  }
}

/** Starts the fake for the scope of a sandbox run or a test. */
export const startDriveFake: Effect.Effect<{ readonly url: string }, never, Scope.Scope> =
  Effect.acquireRelease(
    Effect.promise(() => startDrive()),
    (fake) => Effect.promise(fake.close)
  ).pipe(Effect.map((fake) => ({ url: fake.url })))

// ---------------------------------------------------------------------------------------
// State

interface DriveFile {
  readonly id: string
  name: string
  mimeType: string
  parents: Array<string>
  trashed: boolean
  starred: boolean
  description?: string | undefined
  readonly driveId?: string | undefined
  readonly createdTime: string
  modifiedTime: string
  version: number
  /** Bytes of content, for files with binary content. */
  size?: number | undefined
  md5Checksum?: string | undefined
  /** Text of a Google Docs file, for exports and full-text search. */
  text?: string | undefined
  readonly permissions: Array<Record<string, unknown>>
}

const me = {
  kind: "drive#user",
  displayName: "Sandbox Robot",
  emailAddress: "robot@example.com",
  me: true
}

class Store {
  readonly files = new Map<string, DriveFile>()
  readonly uploads: FakeResumableSessions
  /** Searches of every drive report `incompleteSearch`. */
  incompleteAllDrives = false
  private made = 0

  constructor(readonly directory: string) {
    this.uploads = new FakeResumableSessions(directory)
  }

  newId(): string {
    this.made++
    return `1FakeFile${String(this.made).padStart(24, "0")}`
  }

  blobPath(id: string): string {
    return join(this.directory, `blob-${id}`)
  }

  add(
    file: Omit<
      DriveFile,
      "id" | "createdTime" | "modifiedTime" | "version" | "permissions" | "starred" | "trashed"
    > & { id?: string }
  ): DriveFile {
    const now = new Date().toISOString()
    const made: DriveFile = {
      starred: false,
      trashed: false,
      ...file,
      id: file.id ?? this.newId(),
      createdTime: now,
      modifiedTime: now,
      version: 1,
      permissions: [
        {
          kind: "drive#permission",
          id: "owner",
          type: "user",
          role: "owner",
          emailAddress: me.emailAddress
        }
      ]
    }
    this.files.set(made.id, made)
    return made
  }

  async seed(file: Parameters<DriveFake["seedFile"]>[0]): Promise<string> {
    const mimeType = file.mimeType ?? "text/plain"
    const google = mimeType.startsWith("application/vnd.google-apps.")
    const made = this.add({
      name: file.name,
      mimeType,
      parents: [...(file.parents ?? [file.driveId ?? rootFolderId])],
      driveId: file.driveId,
      text:
        google && file.content !== undefined
          ? Buffer.from(file.content).toString("utf8")
          : undefined
    })
    if (!google) await this.writeBlob(made, Buffer.from(file.content ?? ""))
    return made.id
  }

  async writeBlob(file: DriveFile, content: Buffer): Promise<void> {
    await fs.writeFile(this.blobPath(file.id), content)
    file.size = content.length
    file.md5Checksum = createHash("md5").update(content).digest("hex")
  }
}

const seedSandbox = async (store: Store) => {
  store.add({ id: rootFolderId, name: "My Drive", mimeType: folderMimeType, parents: [] })
  store.add({
    id: sandboxTeamDriveId,
    name: "Team",
    mimeType: folderMimeType,
    parents: [],
    driveId: sandboxTeamDriveId
  })
  store.add({
    id: sandboxReportsFolderId,
    name: "Reports",
    mimeType: folderMimeType,
    parents: [rootFolderId]
  })
  store.add({
    id: sandboxMeetingNotesId,
    name: "Meeting notes",
    mimeType: "application/vnd.google-apps.document",
    parents: [rootFolderId],
    text: "Meeting notes\n\n- Ship the unpaid orders report every Monday.\n"
  })
  await store.seed({
    name: "readme.txt",
    content: "Files made by the sandbox's flows land in Reports.\n"
  })
  await store.seed({ name: "plan.txt", content: "Team plan\n", driveId: sandboxTeamDriveId })
}

const viewOf = (file: DriveFile): FakeDriveFile => ({
  id: file.id,
  name: file.name,
  mimeType: file.mimeType,
  parents: file.parents,
  trashed: file.trashed,
  driveId: file.driveId,
  size: file.size ?? 0,
  md5Checksum: file.md5Checksum,
  permissions: file.permissions
})

// ---------------------------------------------------------------------------------------
// Routes

const auth = "https://www.googleapis.com/auth/"
const scopes = (...names: Array<string>) => names.map((name) => `${auth}${name}`)
const readScopes = scopes(
  "drive",
  "drive.appdata",
  "drive.file",
  "drive.meet.readonly",
  "drive.metadata",
  "drive.metadata.readonly",
  "drive.photos.readonly",
  "drive.readonly"
)
const writeScopes = scopes("drive", "drive.appdata", "drive.file")
const updateScopes = scopes(
  "drive",
  "drive.appdata",
  "drive.file",
  "drive.metadata",
  "drive.scripts"
)
const exportScopes = scopes("drive", "drive.file", "drive.meet.readonly", "drive.readonly")

const api = "/drive/v3"
const upload = "/upload/drive/v3"

const routes = (store: Store): ReadonlyArray<FakeRoute> => [
  { method: "GET", path: `${api}/files`, scopes: readScopes, handle: (req) => list(store, req) },
  {
    method: "POST",
    path: `${api}/files`,
    scopes: writeScopes,
    handle: async (req) => createMetadata(store, req, await req.json())
  },
  {
    method: "GET",
    path: `${api}/files/{fileId}/export`,
    scopes: exportScopes,
    handle: (req) => exportFile(store, req)
  },
  {
    method: "POST",
    path: `${api}/files/{fileId}/copy`,
    scopes: scopes("drive", "drive.appdata", "drive.file", "drive.photos.readonly"),
    handle: async (req) => copy(store, req, await req.json())
  },
  {
    method: "POST",
    path: `${api}/files/{fileId}/permissions`,
    scopes: scopes("drive", "drive.file"),
    handle: async (req) => share(store, req, await req.json())
  },
  {
    method: "GET",
    path: `${api}/files/{fileId}`,
    scopes: readScopes,
    handle: (req) => get(store, req)
  },
  {
    method: "PATCH",
    path: `${api}/files/{fileId}`,
    scopes: updateScopes,
    handle: async (req) => update(store, req, await req.json())
  },
  {
    method: "DELETE",
    path: `${api}/files/{fileId}`,
    scopes: writeScopes,
    handle: (req) => remove(store, req)
  },
  {
    method: "POST",
    path: `${upload}/files`,
    scopes: writeScopes,
    handle: (req) => startUpload(store, req)
  },
  {
    method: "PUT",
    path: `${upload}/files`,
    scopes: writeScopes,
    handle: (req) => uploadChunk(store, req)
  }
]

const notFound = (id: string) =>
  new GoogleFault(404, "notFound", `File not found: ${id}.`, { location: "fileId" })

const badRequest = (message: string, location?: string) =>
  new GoogleFault(400, location === undefined ? "badRequest" : "invalid", message, { location })

const flag = (req: FakeRequest, name: string) => req.query.get(name) === "true"

/** A file the request may see: shared-drive files need `supportsAllDrives=true`. */
const find = (store: Store, req: FakeRequest, id: string): DriveFile => {
  const file = store.files.get(id === "root" ? rootFolderId : id)
  if (file === undefined || (file.driveId !== undefined && !flag(req, "supportsAllDrives")))
    throw notFound(id)
  return file
}

const masked = (value: unknown, fields: string | null, fallback: string) => {
  const mask = parseFieldMask(fields ?? fallback)
  if (mask === undefined) throw badRequest(`Invalid field selection ${fields}`, "fields")
  return applyFieldMask(value, mask)
}

const defaultFileFields = "kind,id,name,mimeType"

/** A file as Drive's API shows it (before the field mask). */
const json = (file: DriveFile) => ({
  kind: "drive#file",
  id: file.id,
  name: file.name,
  mimeType: file.mimeType,
  ...(file.description === undefined ? {} : { description: file.description }),
  starred: file.starred,
  trashed: file.trashed,
  parents: file.parents,
  ...(file.driveId === undefined ? {} : { driveId: file.driveId }),
  version: String(file.version),
  webViewLink: viewLink(file),
  ...(file.size === undefined
    ? {}
    : {
        size: String(file.size),
        md5Checksum: file.md5Checksum,
        webContentLink: `https://drive.google.com/uc?id=${file.id}&export=download`,
        originalFilename: file.name
      }),
  createdTime: file.createdTime,
  modifiedTime: file.modifiedTime,
  ownedByMe: file.driveId === undefined,
  ...(file.driveId === undefined ? { owners: [me] } : {}),
  shared: file.permissions.length > 1
})

const viewLink = (file: DriveFile) => {
  switch (file.mimeType) {
    case folderMimeType:
      return `https://drive.google.com/drive/folders/${file.id}`
    case "application/vnd.google-apps.document":
      return `https://docs.google.com/document/d/${file.id}/edit?usp=drivesdk`
    case "application/vnd.google-apps.spreadsheet":
      return `https://docs.google.com/spreadsheets/d/${file.id}/edit?usp=drivesdk`
    default:
      return `https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`
  }
}

const fileReply = (
  file: DriveFile,
  req: FakeRequest,
  fields = req.query.get("fields"),
  status = 200
): FakeReply => ({
  status,
  json: masked(json(file), fields, defaultFileFields)
})

// ---------------------------------------------------------------------------------------
// Listing

const list = (store: Store, req: FakeRequest): FakeReply => {
  const q = req.query.get("q")
  const test = q === null ? () => true : parseDriveQuery(q)
  if (test === undefined) throw badRequest("Invalid Value", "q")
  const pageSize = Number(req.query.get("pageSize") ?? 100)
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    throw badRequest("Invalid Value", "pageSize")

  const visible = visibleIn(req)
  const order = orderOf(req.query.get("orderBy"))
  const matching = [...store.files.values()]
    .filter((file) => visible(file) && test(queryable(file)))
    .sort(order)

  const key = createHash("sha256")
    .update(`${req.url.pathname}?${withoutPaging(req.query)}`)
    .digest("hex")
    .slice(0, 12)
  const offset = offsetOf(req.query.get("pageToken"), key)
  const page = matching.slice(offset, offset + pageSize)
  const next = offset + pageSize < matching.length ? tokenOf(offset + pageSize, key) : undefined
  const body = {
    kind: "drive#fileList",
    incompleteSearch: store.incompleteAllDrives && req.query.get("corpora") === "allDrives",
    files: page.map(json),
    ...(next === undefined ? {} : { nextPageToken: next })
  }
  return {
    status: 200,
    json: masked(
      body,
      req.query.get("fields"),
      `kind,incompleteSearch,nextPageToken,files(${defaultFileFields})`
    )
  }
}

/** Which files a list may return, by corpora, drive and the all-drives flags. */
const visibleIn = (req: FakeRequest): ((file: DriveFile) => boolean) => {
  const corpora = req.query.get("corpora") ?? "user"
  const driveId = req.query.get("driveId")
  const allDrives = flag(req, "includeItemsFromAllDrives")
  if (
    (driveId !== null || corpora === "drive" || corpora === "allDrives") &&
    !(allDrives && flag(req, "supportsAllDrives"))
  ) {
    throw badRequest(
      "The includeItemsFromAllDrives and supportsAllDrives parameters must be true to search shared drives."
    )
  }
  const isRoot = (file: DriveFile) => file.parents.length === 0
  if (corpora === "drive") {
    if (driveId === null)
      throw badRequest("The driveId parameter must be specified when corpora is drive.")
    return (file) => file.driveId === driveId && !isRoot(file)
  }
  if (corpora === "allDrives") return (file) => !isRoot(file)
  if (corpora !== "user" && corpora !== "domain") throw badRequest("Invalid Value", "corpora")
  return (file) => file.driveId === undefined && !isRoot(file)
}

const queryable = (file: DriveFile): QueryableFile => ({
  ...file,
  parents: file.parents.flatMap((parent) => (parent === rootFolderId ? [parent, "root"] : [parent]))
})

const orderOf = (orderBy: string | null): ((a: DriveFile, b: DriveFile) => number) => {
  const keys = (orderBy ?? "name").split(",").map((part) => {
    const [key = "", direction] = part.trim().split(/\s+/)
    if (
      !["name", "name_natural", "createdTime", "modifiedTime", "folder"].includes(key) ||
      (direction !== undefined && direction !== "desc")
    ) {
      throw badRequest("Invalid Value", "orderBy")
    }
    return { key, sign: direction === "desc" ? -1 : 1 }
  })
  return (a, b) => {
    for (const { key, sign } of keys) {
      const [x, y] =
        key === "folder"
          ? [Number(b.mimeType === folderMimeType), Number(a.mimeType === folderMimeType)]
          : key.startsWith("name")
            ? [a.name.toLowerCase(), b.name.toLowerCase()]
            : [a[key as "createdTime"], b[key as "createdTime"]]
      if (x < y) return -sign
      if (x > y) return sign
    }
    return a.id < b.id ? -1 : 1
  }
}

const withoutPaging = (query: URLSearchParams) => {
  const copy = new URLSearchParams(query)
  copy.delete("pageToken")
  copy.delete("pageSize")
  copy.delete("fields")
  return copy.toString()
}

const tokenOf = (offset: number, key: string) =>
  Buffer.from(`${key}:${offset}`).toString("base64url")

const offsetOf = (token: string | null, key: string): number => {
  if (token === null) return 0
  const [tokenKey, offset] = Buffer.from(token, "base64url").toString("utf8").split(":")
  const n = Number(offset)
  if (tokenKey !== key || !Number.isInteger(n) || n < 0)
    throw badRequest("Invalid Value", "pageToken")
  return n
}

// ---------------------------------------------------------------------------------------
// Reading

const get = (store: Store, req: FakeRequest): FakeReply => {
  const file = find(store, req, req.params.fileId!)
  if (req.query.get("alt") !== "media") return fileReply(file, req)
  if (file.size === undefined) {
    throw new GoogleFault(
      403,
      "fileNotDownloadable",
      "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
      { location: "alt" }
    )
  }
  return {
    status: 200,
    media: createReadStream(store.blobPath(file.id)),
    headers: { "content-type": file.mimeType, "content-length": String(file.size) }
  }
}

/** Largest export Drive makes of a Google Docs file (`files.export`): 10 MB. */
const exportLimitBytes = 10 * 1024 * 1024

/** What each kind of Google file exports to. */
const exportFormats: Readonly<Record<string, ReadonlyArray<string>>> = {
  "application/vnd.google-apps.document": [
    "text/plain",
    "text/html",
    "application/pdf",
    "application/rtf",
    "text/markdown",
    "application/epub+zip",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
  ],
  "application/vnd.google-apps.spreadsheet": [
    "text/csv",
    "text/tab-separated-values",
    "application/pdf",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  ],
  "application/vnd.google-apps.presentation": [
    "text/plain",
    "application/pdf",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation"
  ],
  "application/vnd.google-apps.drawing": [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/svg+xml"
  ]
}

const exportFile = (store: Store, req: FakeRequest): FakeReply => {
  const file = find(store, req, req.params.fileId!)
  const wanted = req.query.get("mimeType")
  if (wanted === null) throw badRequest("Required parameter: mimeType", "mimeType")
  const formats = exportFormats[file.mimeType]
  if (formats === undefined) {
    throw new GoogleFault(403, "fileNotExportable", "Export only supports Docs Editors files.")
  }
  if (!formats.includes(wanted))
    throw badRequest("The requested conversion is not supported.", "convertTo")
  const text = file.text ?? ""
  const content = wanted.startsWith("text/")
    ? Buffer.from(text)
    : Buffer.from(`%${wanted} export of ${file.name}\n${text}`)
  if (content.length > exportLimitBytes) {
    throw new GoogleFault(403, "exportSizeLimitExceeded", "This file is too large to be exported.")
  }
  return {
    status: 200,
    media: Readable.from([content]),
    headers: { "content-type": wanted, "content-length": String(content.length) }
  }
}

// ---------------------------------------------------------------------------------------
// Writing metadata

/** Metadata fields a client may set, as `File` resources carry them. */
interface FileInput {
  readonly name?: string
  readonly mimeType?: string
  readonly parents?: ReadonlyArray<string>
  readonly description?: string
  readonly starred?: boolean
  readonly trashed?: boolean
}

const parentsFor = (store: Store, req: FakeRequest, parents: ReadonlyArray<string> | undefined) => {
  const resolved = (parents ?? ["root"]).map((id) => find(store, req, id))
  if (resolved.length > 1) {
    throw new GoogleFault(
      403,
      "cannotAddParent",
      "Increasing the number of parents is not allowed."
    )
  }
  for (const parent of resolved) {
    if (parent.mimeType !== folderMimeType && parent.id !== parent.driveId) {
      throw badRequest(`The parent ${parent.id} is not a folder.`, "parents")
    }
  }
  return resolved
}

const createMetadata = (store: Store, req: FakeRequest, body: unknown): FakeReply => {
  const input = (body ?? {}) as FileInput
  const [parent] = parentsFor(store, req, input.parents)
  const file = store.add({
    name: input.name ?? "Untitled",
    mimeType: input.mimeType ?? "application/octet-stream",
    parents: [parent!.id],
    description: input.description,
    driveId: parent!.driveId
  })
  return fileReply(file, req)
}

const update = (store: Store, req: FakeRequest, body: unknown): FakeReply => {
  const file = find(store, req, req.params.fileId!)
  const input = (body ?? {}) as FileInput
  if (input.parents !== undefined) {
    throw new GoogleFault(
      403,
      "fieldNotWritable",
      "The resource body includes fields which are not directly writable.",
      { location: "parents" }
    )
  }
  const add = (req.query.get("addParents") ?? "").split(",").filter(Boolean)
  const removeIds = (req.query.get("removeParents") ?? "").split(",").filter(Boolean)
  const added = add.map((id) => find(store, req, id))
  for (const parent of added) {
    if (parent.mimeType !== folderMimeType)
      throw badRequest(`The parent ${parent.id} is not a folder.`, "addParents")
  }
  const removed = removeIds.map((id) => (id === "root" ? rootFolderId : id))
  const parents = [...file.parents.filter((id) => !removed.includes(id)), ...added.map((p) => p.id)]
  if (parents.length > 1) {
    throw new GoogleFault(
      403,
      "cannotAddParent",
      "Increasing the number of parents is not allowed. Remove the old parent in the same request."
    )
  }
  file.parents = [...new Set(parents)]
  if (input.name !== undefined) file.name = input.name
  if (input.description !== undefined) file.description = input.description
  if (input.starred !== undefined) file.starred = input.starred
  if (input.trashed !== undefined) file.trashed = input.trashed
  file.modifiedTime = new Date().toISOString()
  file.version++
  return fileReply(file, req)
}

const copy = async (store: Store, req: FakeRequest, body: unknown): Promise<FakeReply> => {
  const source = find(store, req, req.params.fileId!)
  if (source.mimeType === folderMimeType) {
    throw new GoogleFault(403, "cannotCopyFile", "This file cannot be copied by the user.")
  }
  const input = (body ?? {}) as FileInput
  const [parent] = parentsFor(store, req, input.parents ?? source.parents)
  const made = store.add({
    name: input.name ?? `Copy of ${source.name}`,
    mimeType: source.mimeType,
    parents: [parent!.id],
    description: input.description ?? source.description,
    driveId: parent!.driveId,
    text: source.text
  })
  if (source.size !== undefined) {
    await fs.copyFile(store.blobPath(source.id), store.blobPath(made.id))
    made.size = source.size
    made.md5Checksum = source.md5Checksum
  }
  return fileReply(made, req)
}

const remove = async (store: Store, req: FakeRequest): Promise<FakeReply> => {
  const file = find(store, req, req.params.fileId!)
  const doomed = [file.id]
  for (let i = 0; i < doomed.length; i++) {
    for (const child of store.files.values())
      if (child.parents.includes(doomed[i]!)) doomed.push(child.id)
  }
  for (const id of doomed) {
    store.files.delete(id)
    await fs.rm(store.blobPath(id), { force: true })
  }
  return { status: 204 }
}

const roles = ["owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"]
const granteeTypes = ["user", "group", "domain", "anyone"]

const share = (store: Store, req: FakeRequest, body: unknown): FakeReply => {
  const file = find(store, req, req.params.fileId!)
  const input = (body ?? {}) as Record<string, unknown>
  const role = String(input.role ?? "")
  const type = String(input.type ?? "")
  if (!roles.includes(role))
    throw badRequest("The permission role field is required and must be valid.", "permission.role")
  if (!granteeTypes.includes(type))
    throw badRequest("The permission type field is required and must be valid.", "permission.type")
  if ((type === "user" || type === "group") && typeof input.emailAddress !== "string") {
    throw badRequest(
      "The permission emailAddress field is required for users and groups.",
      "permission.emailAddress"
    )
  }
  if (type === "domain" && typeof input.domain !== "string") {
    throw badRequest("The permission domain field is required for domains.", "permission.domain")
  }
  if (role === "owner" && !flag(req, "transferOwnership")) {
    throw new GoogleFault(
      403,
      "forbidden",
      "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
      { location: "transferOwnership" }
    )
  }
  if (req.query.get("sendNotificationEmail") === "false" && req.query.has("emailMessage")) {
    throw badRequest(
      "An email message cannot be sent without a notification email.",
      "emailMessage"
    )
  }
  const permission = {
    kind: "drive#permission",
    id: type === "anyone" ? "anyoneWithLink" : `perm-${file.permissions.length}`,
    type,
    role,
    ...(typeof input.emailAddress === "string" ? { emailAddress: input.emailAddress } : {}),
    ...(typeof input.domain === "string" ? { domain: input.domain } : {}),
    ...(typeof input.allowFileDiscovery === "boolean"
      ? { allowFileDiscovery: input.allowFileDiscovery }
      : {})
  }
  file.permissions.push(permission)
  return { status: 200, json: masked(permission, req.query.get("fields"), "kind,id,type,role") }
}

// ---------------------------------------------------------------------------------------
// Uploads

/**
 * Largest media Drive takes in one request (`uploadType=media` or `multipart`): 5 MB.
 * Larger files must go through a resumable session.
 */
const singleRequestLimitBytes = 5 * 1024 * 1024

/** Room for the metadata part and the boundaries around the media of a multipart body. */
const multipartOverheadBytes = 64 * 1024

/** Drive's answer to media over 5 MB sent in one request. */
const uploadTooLarge = () => new GoogleFault(413, "uploadTooLarge", "Request is too large.")

/** Refuses a single-request upload whose declared length is too large, before reading it. */
const checkDeclaredLength = (req: FakeRequest, allowance: number) => {
  const length = Number(req.headers["content-length"] ?? Number.NaN)
  if (Number.isFinite(length) && length > singleRequestLimitBytes + allowance) {
    throw uploadTooLarge()
  }
}

const startUpload = async (store: Store, req: FakeRequest): Promise<FakeReply> => {
  switch (req.query.get("uploadType")) {
    case "multipart":
      return multipartUpload(store, req)
    case "media": {
      checkDeclaredLength(req, 0)
      const media = await req.body()
      if (media.length > singleRequestLimitBytes) throw uploadTooLarge()
      const file = await newFile(
        store,
        req,
        {},
        req.headers["content-type"] ?? "application/octet-stream"
      )
      await store.writeBlob(file, media)
      return fileReply(file, req)
    }
    case "resumable":
      return startSession(store, req)
    default:
      throw badRequest("Invalid Value", "uploadType")
  }
}

const newFile = async (store: Store, req: FakeRequest, input: FileInput, mediaType: string) => {
  const [parent] = parentsFor(store, req, input.parents)
  return store.add({
    name: input.name ?? "Untitled",
    mimeType: input.mimeType ?? mediaType,
    parents: [parent!.id],
    description: input.description,
    driveId: parent!.driveId
  })
}

const multipartUpload = async (store: Store, req: FakeRequest): Promise<FakeReply> => {
  const boundary = relatedBoundary(req.headers["content-type"])
  if (boundary === undefined) throw badRequest("Multipart uploads need a multipart/related body.")
  checkDeclaredLength(req, multipartOverheadBytes)
  const [metadata, media] = splitRelated(await req.body(), boundary)
  if (metadata === undefined || media === undefined)
    throw badRequest("A multipart upload has a metadata part and a media part.")
  if (media.body.length > singleRequestLimitBytes) throw uploadTooLarge()
  const input = parseJson(metadata.body) as FileInput
  const file = await newFile(
    store,
    req,
    input,
    media.headers["content-type"] ?? "application/octet-stream"
  )
  await store.writeBlob(file, media.body)
  return fileReply(file, req)
}

const parseJson = (bytes: Buffer): unknown => {
  if (bytes.length === 0) return {}
  try {
    return JSON.parse(bytes.toString("utf8"))
  } catch {
    throw new GoogleFault(400, "parseError", "Invalid JSON payload received.")
  }
}

const startSession = async (store: Store, req: FakeRequest): Promise<FakeReply> => {
  const metadata = parseJson(await req.body()) as Record<string, unknown>
  parentsFor(store, req, metadata.parents as ReadonlyArray<string> | undefined)
  return store.uploads.start(req, metadata, `${upload}/files`)
}

const uploadChunk = async (store: Store, req: FakeRequest): Promise<FakeReply> => {
  const received = await store.uploads.receive(req)
  if (!("complete" in received)) return received
  const session = received.complete
  const file = await newFile(store, req, session.metadata as FileInput, session.mediaType)
  await fs.rename(session.path, store.blobPath(file.id))
  file.size = session.received
  file.md5Checksum = await md5Of(store.blobPath(file.id))
  return store.uploads.complete(session, fileReply(file, req, session.fields))
}

const md5Of = async (path: string) => {
  const hash = createHash("md5")
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest("hex")
}
