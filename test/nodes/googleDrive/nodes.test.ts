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
