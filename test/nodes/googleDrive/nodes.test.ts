import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  type DriveFake,
  driveOrigin,
  folderMimeType,
  sandboxMeetingNotesId,
  sandboxReportsFolderId,
  sandboxTeamDriveId,
  startDrive
} from "../../../nodes/googleDrive/fake.js"
import {
  copyFile,
  createFolder,
  deleteFile,
  downloadFile,
  getFile,
  listFiles,
  moveFile,
  shareFile,
  trashFile,
  uploadFile
} from "../../../nodes/googleDrive/index.js"
import { GoogleDrive } from "../../../nodes/googleDrive/service.js"
import { StepAttempts } from "../../../src/http/attempts.js"
import type { FileRef } from "../../../src/http/files.js"
import { errorOf, type Harness, startHarness, succeeded } from "../../support/discoveryHarness.js"

let h: Harness<DriveFake, GoogleDrive>
beforeAll(async () => {
  h = await startHarness({
    api: "drive",
    start: startDrive,
    origins: [driveOrigin],
    layer: GoogleDrive.layer
  })
})
afterEach(() => {
  h.fake.clearFaults()
  expect(h.contractProblems()).toEqual([])
})
afterAll(() => h.close())

const localFile = (name: string, content: string | Buffer, mimeType = "text/plain"): FileRef => {
  const path = join(h.workspace, name)
  writeFileSync(path, content)
  return { path, name, mimeType, size: Buffer.byteLength(content) }
}

const folder = async (name: string) => {
  const made = succeeded(await h.runNode(createFolder, { name }))
  return made.id as string
}

describe("googleDrive.listFiles", () => {
  it("lists My Drive's files, without the trash and without shared drives", async () => {
    const out = succeeded(
      await h.runNode(listFiles, { query: "name = 'readme.txt' or name = 'plan.txt'" })
    )
    expect(out.files.map((f: { name: string }) => f.name)).toEqual(["readme.txt"])
    expect(out.files[0]).toMatchObject({ mimeType: "text/plain", size: 51, trashed: false })
  })

  it("searches one folder, and pages with a token from step to step", async () => {
    const id = await folder("Paged")
    for (const n of [1, 2, 3, 4, 5]) await h.fake.seedFile({ name: `file-${n}.txt`, parents: [id] })
    const first = succeeded(await h.runNode(listFiles, { folderId: id, limit: 2 }))
    expect(first.files.map((f: { name: string }) => f.name)).toEqual(["file-1.txt", "file-2.txt"])
    expect(first.nextPageToken).toBeDefined()
    const next = succeeded(
      await h.runNode(listFiles, { folderId: id, limit: 2, pageToken: first.nextPageToken })
    )
    expect(next.files.map((f: { name: string }) => f.name)).toEqual(["file-3.txt", "file-4.txt"])

    const all = succeeded(
      await h.runNode(listFiles, { folderId: id, returnAll: true, orderBy: "name desc" })
    )
    expect(all.files.map((f: { name: string }) => f.name)).toEqual([
      "file-5.txt",
      "file-4.txt",
      "file-3.txt",
      "file-2.txt",
      "file-1.txt"
    ])
    expect(all.nextPageToken).toBeUndefined()
  })

  it("streams pages up to the limit when reading them all", async () => {
    const id = await folder("Many")
    for (let n = 0; n < 7; n++) await h.fake.seedFile({ name: `m-${n}.txt`, parents: [id] })
    const before = h.exchanges.length
    const listed = succeeded(
      await h.run(
        Effect.flatMap(GoogleDrive, (drive) =>
          drive.listFiles({ q: `'${id}' in parents`, pageSize: 2 }, { returnAll: true, limit: 5 })
        )
      )
    )
    expect(listed.items.map((f) => f.name)).toEqual([
      "m-0.txt",
      "m-1.txt",
      "m-2.txt",
      "m-3.txt",
      "m-4.txt"
    ])
    expect(h.exchanges.length - before).toBe(3)
  })

  it("ends a read of several pages exactly at the limit, with a token that skips nothing", async () => {
    const id = await folder("Thousands")
    const name = (n: number) => `f${String(n).padStart(4, "0")}`
    for (let n = 0; n < 2600; n++) await h.fake.seedFile({ name: name(n), parents: [id] })
    const names = (out: { files: ReadonlyArray<{ name: string }> }) => out.files.map((f) => f.name)
    const pageSizes = (since: number) =>
      h.exchanges.slice(since).map((e) => new URL(e.url, driveOrigin).searchParams.get("pageSize"))

    let before = h.exchanges.length
    const first = succeeded(
      await h.runNode(listFiles, { folderId: id, returnAll: true, limit: 1500 })
    )
    expect(first.count).toBe(1500)
    expect(names(first).at(-1)).toBe("f1499")
    expect(pageSizes(before)).toEqual(["1000", "500"])
    expect(first.truncated).toBeUndefined()
    const rest = succeeded(
      await h.runNode(listFiles, { folderId: id, returnAll: true, pageToken: first.nextPageToken })
    )
    expect(names(rest)[0]).toBe("f1500")
    expect(rest.count).toBe(1100)
    expect(rest.nextPageToken).toBeUndefined()

    before = h.exchanges.length
    const most = succeeded(
      await h.runNode(listFiles, { folderId: id, returnAll: true, limit: 2100 })
    )
    expect(pageSizes(before)).toEqual(["1000", "1000", "100"])
    expect(names(most).at(-1)).toBe("f2099")
    expect(most.nextPageToken).toBeDefined()
    const tail = succeeded(
      await h.runNode(listFiles, { folderId: id, returnAll: true, pageToken: most.nextPageToken })
    )
    expect(names(tail)).toEqual(Array.from({ length: 500 }, (_, i) => name(2100 + i)))
  })

  it("passes on Drive's incompleteSearch", async () => {
    const complete = succeeded(await h.runNode(listFiles, { allDrives: true }))
    expect(complete.incompleteSearch).toBe(false)
    h.fake.searchIncompletely(true)
    try {
      const partial = succeeded(await h.runNode(listFiles, { allDrives: true }))
      expect(partial.incompleteSearch).toBe(true)
    } finally {
      h.fake.searchIncompletely(false)
    }
  })

  it("returns only the fields asked for", async () => {
    const out = succeeded(
      await h.runNode(listFiles, { query: "name = 'readme.txt'", fields: "id,name" })
    )
    expect(Object.keys(out.files[0]).sort()).toEqual(["id", "name"])
  })

  it("searches a shared drive, or every drive", async () => {
    const team = succeeded(await h.runNode(listFiles, { driveId: sandboxTeamDriveId }))
    expect(team.files.map((f: { name: string }) => f.name)).toEqual(["plan.txt"])
    expect(team.files[0].driveId).toBe(sandboxTeamDriveId)
    const all = succeeded(
      await h.runNode(listFiles, {
        allDrives: true,
        query: "name contains 'plan' or name contains 'readme'"
      })
    )
    expect(all.files.map((f: { name: string }) => f.name).sort()).toEqual([
      "plan.txt",
      "readme.txt"
    ])
  })

  it("fails with ValidationError for a search Drive cannot read", async () => {
    const exit = await h.runNode(listFiles, { query: "name ~ 'x'" })
    expect(errorOf(exit)).toMatchObject({
      _tag: "ValidationError",
      status: 400,
      issues: [{ path: "q" }]
    })
  })
})

describe("googleDrive.getFile", () => {
  it("reads metadata by id or link, shared-drive files included", async () => {
    const listed = succeeded(await h.runNode(listFiles, { driveId: sandboxTeamDriveId }))
    const id = listed.files[0].id
    const out = succeeded(
      await h.runNode(getFile, { fileId: `https://drive.google.com/file/d/${id}/view?usp=sharing` })
    )
    expect(out).toMatchObject({ id, name: "plan.txt", driveId: sandboxTeamDriveId })
  })

  it("fails with NotFoundError for an unknown file", async () => {
    const exit = await h.runNode(getFile, { fileId: "1NoSuchFile" })
    expect(errorOf(exit)).toMatchObject({ _tag: "NotFoundError", status: 404 })
  })
})

describe("googleDrive.uploadFile and downloadFile", () => {
  it("uploads a small file in one multipart request, into a folder, and downloads it again", async () => {
    const content = "Order,Amount\nA-2,75.5\n"
    const before = h.exchanges.length
    const uploaded = succeeded(
      await h.runNode(uploadFile, {
        file: localFile("orders.csv", content, "text/csv"),
        folderId: sandboxReportsFolderId,
        description: "Unpaid orders"
      })
    )
    expect(uploaded).toMatchObject({
      name: "orders.csv",
      mimeType: "text/csv",
      size: content.length,
      parents: [sandboxReportsFolderId]
    })
    expect(h.exchanges.slice(before).map((e) => e.url.split("?")[0])).toEqual([
      "/upload/drive/v3/files"
    ])

    const downloaded = succeeded(
      await h.runNode(downloadFile, { fileId: uploaded.id, name: "again.csv" })
    )
    expect(downloaded.file).toMatchObject({
      name: "again.csv",
      mimeType: "text/csv",
      size: content.length
    })
    expect(readFileSync(downloaded.file.path, "utf8")).toBe(content)
  })

  it("converts an upload to a Google Sheet when asked", async () => {
    const uploaded = succeeded(
      await h.runNode(uploadFile, {
        file: localFile("c.csv", "a,b\n", "text/csv"),
        convertTo: "spreadsheet"
      })
    )
    expect(uploaded.mimeType).toBe("application/vnd.google-apps.spreadsheet")
  })

  it("uploads a file over 5 MB through a resumable session that survives a dropped connection at 60%", async () => {
    const content = Buffer.alloc(6 * 1024 * 1024 + 123, 7)
    for (let i = 0; i < content.length; i += 4096) content[i] = i % 251
    const name = `big-${Date.now()}.bin`
    h.fake.dropUploadAt(0.6)
    const sessions = h.fake.sessionsStarted()

    const uploaded = succeeded(
      await h.runNode(uploadFile, { file: localFile(name, content, "application/octet-stream") })
    )

    const stored = h.fake.files().filter((file) => file.name === name)
    expect(stored).toHaveLength(1)
    expect(h.fake.sessionsStarted() - sessions).toBe(1)
    const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")
    expect(sha(readFileSync(h.fake.contentPath(stored[0]!.id)!))).toBe(sha(content))
    expect(uploaded).toMatchObject({
      id: stored[0]!.id,
      size: content.length,
      md5Checksum: createHash("md5").update(content).digest("hex")
    })
    const statuses = h.exchanges.filter((e) => e.url.includes("upload_id=")).map((e) => e.status)
    expect(statuses).toEqual([0, 308, 200])
  })

  it("chooses the upload by the file's size on disk, not the size its reference claims", async () => {
    const content = Buffer.alloc(6 * 1024 * 1024, 1)
    const name = `claims-small-${Date.now()}.bin`
    const file = { ...localFile(name, content, "application/octet-stream"), size: 100 }
    const before = h.exchanges.length
    const uploaded = succeeded(await h.runNode(uploadFile, { file }))
    expect(uploaded.size).toBe(content.length)
    const kinds = h.exchanges
      .slice(before)
      .map((e) => new URL(e.url, driveOrigin).searchParams.get("uploadType"))
    expect(kinds[0]).toBe("resumable")
    expect(kinds).not.toContain("multipart")
  })

  it("fails with TransportError for a file reference whose file is missing, before sending", async () => {
    const before = h.exchanges.length
    const exit = await h.runNode(uploadFile, {
      file: { path: join(h.workspace, "gone.csv"), name: "gone.csv", mimeType: "text/csv", size: 4 }
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "TransportError", reason: "RequestBody" })
    expect(h.exchanges.length).toBe(before)
  })

  it("the fake refuses media over 5 MB in one multipart request with 413, as Drive does", async () => {
    const media = Buffer.alloc(5 * 1024 * 1024 + 1, 2)
    const boundary = "b0undary"
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{"name":"big.bin"}\r\n` +
          `--${boundary}\r\ncontent-type: application/octet-stream\r\n\r\n`
      ),
      media,
      Buffer.from(`\r\n--${boundary}--\r\n`)
    ])
    const response = await fetch(`${h.fake.url}/upload/drive/v3/files?uploadType=multipart`, {
      method: "POST",
      headers: {
        authorization: "Bearer token-1",
        "content-type": `multipart/related; boundary=${boundary}`
      },
      body
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({
      error: { code: 413, errors: [{ reason: "uploadTooLarge" }] }
    })
    expect(h.fake.files().some((f) => f.name === "big.bin")).toBe(false)
  })

  it("says an export over Drive's 10 MB is too large to export, not a sharing problem", async () => {
    const id = await h.fake.seedFile({
      name: "Huge notes",
      mimeType: "application/vnd.google-apps.document",
      content: "x".repeat(10 * 1024 * 1024 + 1)
    })
    const exit = await h.runNode(downloadFile, { fileId: id, exportFormat: "txt" })
    const error = errorOf(exit) as { _tag: string; message: string }
    expect(error).toMatchObject({ _tag: "ResponseTooLargeError", status: 403 })
    expect(error.message).toContain("too large to export")
    expect(error.message).not.toContain("share the file")
  })

  it("exports a Google Doc to the chosen format", async () => {
    const txt = succeeded(
      await h.runNode(downloadFile, { fileId: sandboxMeetingNotesId, exportFormat: "txt" })
    )
    expect(txt.file).toMatchObject({ name: "Meeting notes.txt", mimeType: "text/plain" })
    expect(readFileSync(txt.file.path, "utf8")).toContain("unpaid orders report")
    const pdf = succeeded(await h.runNode(downloadFile, { fileId: sandboxMeetingNotesId }))
    expect(pdf.file).toMatchObject({ name: "Meeting notes.pdf", mimeType: "application/pdf" })
    expect(pdf.source).toMatchObject({
      id: sandboxMeetingNotesId,
      mimeType: "application/vnd.google-apps.document"
    })
  })

  it("refuses to download a folder or export to a format the file lacks", async () => {
    const folderExit = await h.runNode(downloadFile, { fileId: sandboxReportsFolderId })
    expect(errorOf(folderExit)).toMatchObject({
      _tag: "ValidationError",
      issues: [{ path: "fileId" }]
    })
    const formatExit = await h.runNode(downloadFile, {
      fileId: sandboxMeetingNotesId,
      exportFormat: "xlsx"
    })
    expect(errorOf(formatExit)).toMatchObject({
      _tag: "ValidationError",
      issues: [{ path: "exportFormat" }]
    })
  })
})

describe("organising files", () => {
  it("creates a folder, moves and renames a file into it, copies and trashes it", async () => {
    const archive = await folder("Archive")
    expect(h.fake.files().find((f) => f.id === archive)?.mimeType).toBe(folderMimeType)
    const id = await h.fake.seedFile({ name: "draft.txt", content: "draft" })

    const moved = succeeded(
      await h.runNode(moveFile, { fileId: id, folderId: archive, name: "final.txt" })
    )
    expect(moved).toMatchObject({ name: "final.txt", parents: [archive] })

    const renamed = succeeded(await h.runNode(moveFile, { fileId: id, name: "final-v2.txt" }))
    expect(renamed).toMatchObject({ name: "final-v2.txt", parents: [archive] })

    const copied = succeeded(
      await h.runNode(copyFile, { fileId: id, folderId: sandboxReportsFolderId })
    )
    expect(copied).toMatchObject({
      name: "Copy of final-v2.txt",
      parents: [sandboxReportsFolderId],
      size: 5
    })

    const trashed = succeeded(await h.runNode(trashFile, { fileId: id }))
    expect(trashed.trashed).toBe(true)
    const listed = succeeded(await h.runNode(listFiles, { folderId: archive }))
    expect(listed.count).toBe(0)
    const withTrash = succeeded(
      await h.runNode(listFiles, { folderId: archive, includeTrashed: true })
    )
    expect(withTrash.count).toBe(1)
    const restored = succeeded(await h.runNode(trashFile, { fileId: id, restore: true }))
    expect(restored.trashed).toBe(false)
  })

  it("refuses a move with neither folder nor name before sending anything", async () => {
    const before = h.exchanges.length
    const exit = await h.runNode(moveFile, { fileId: "1Something" })
    expect(exit._tag).toBe("Failure")
    expect(h.exchanges.length).toBe(before)
  })

  it("deletes a folder with its files for good", async () => {
    const doomed = await folder("Doomed")
    const child = await h.fake.seedFile({ name: "inside.txt", parents: [doomed] })
    const out = succeeded(await h.runNode(deleteFile, { fileId: doomed }))
    expect(out).toEqual({ deleted: doomed })
    expect(h.fake.files().some((f) => f.id === doomed || f.id === child)).toBe(false)
    const again = await h.runNode(deleteFile, { fileId: doomed })
    expect(errorOf(again)).toMatchObject({ _tag: "NotFoundError" })
  })

  it("counts a re-sent DELETE that finds no file as done: the lost answer had deleted it", async () => {
    const id = await h.fake.seedFile({ name: "answer-lost.txt", content: "x" })
    h.fake.inject({ method: "DELETE", path: /\/files\//, reply: "loseAnswer" })
    const before = h.exchanges.length
    const out = succeeded(await h.runNode(deleteFile, { fileId: id }))
    expect(out).toEqual({ deleted: id })
    expect(h.fake.files().some((f) => f.id === id)).toBe(false)
    expect(h.exchanges.slice(before).map((e) => `${e.method} ${e.status}`)).toEqual([
      "DELETE 0",
      "DELETE 404"
    ])

    const step = { retries: 0 }
    const other = await h.fake.seedFile({ name: "answer-lost-2.txt", content: "x" })
    h.fake.inject({ method: "DELETE", path: /\/files\//, reply: "loseAnswer" })
    succeeded(
      await h.run(
        Effect.flatMap(GoogleDrive, (drive) => drive.deleteFile(other)).pipe(
          Effect.locally(StepAttempts, step)
        )
      )
    )
    expect(step.retries).toBe(1)
  })

  it("shares with a person, with anyone, and transfers ownership", async () => {
    const id = await h.fake.seedFile({ name: "shared.txt", content: "x" })
    const person = succeeded(
      await h.runNode(shareFile, {
        fileId: id,
        role: "writer",
        type: "user",
        emailAddress: "ada@example.com",
        emailMessage: "Here it is"
      })
    )
    expect(person).toMatchObject({ role: "writer", type: "user", emailAddress: "ada@example.com" })
    const anyone = succeeded(
      await h.runNode(shareFile, {
        fileId: id,
        role: "reader",
        type: "anyone",
        allowFileDiscovery: false
      })
    )
    expect(anyone).toMatchObject({ permissionId: "anyoneWithLink", type: "anyone" })
    succeeded(
      await h.runNode(shareFile, {
        fileId: id,
        role: "owner",
        type: "user",
        emailAddress: "grace@example.com"
      })
    )
    const stored = h.fake.files().find((f) => f.id === id)!
    expect(stored.permissions.map((p) => p.role)).toEqual(["owner", "writer", "reader", "owner"])
  })

  it("refuses sharing without an email, and a message without a notification", async () => {
    const before = h.exchanges.length
    expect((await h.runNode(shareFile, { fileId: "1x", role: "reader", type: "user" }))._tag).toBe(
      "Failure"
    )
    expect(h.exchanges.length).toBe(before)
    const id = await h.fake.seedFile({ name: "quiet.txt" })
    const exit = await h.runNode(shareFile, {
      fileId: id,
      role: "reader",
      type: "user",
      emailAddress: "ada@example.com",
      sendNotificationEmail: false,
      emailMessage: "hi"
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "ValidationError", status: 400 })
  })
})
