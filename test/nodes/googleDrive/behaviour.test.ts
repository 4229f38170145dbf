import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { googleFaults } from "../../../nodes/google/fakeServer.js"
import { googleScopes } from "../../../nodes/google/scopes.js"
import { type DriveFake, driveOrigin, startDrive } from "../../../nodes/googleDrive/fake.js"
import { integration, listFiles, uploadFile } from "../../../nodes/googleDrive/index.js"
import { GoogleDrive } from "../../../nodes/googleDrive/service.js"
import type { FileRef } from "../../../src/http/files.js"
import {
  errorOf,
  type Harness,
  startHarness,
  succeeded,
  testCredential
} from "../../support/discoveryHarness.js"

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

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")

const bigFile = (name: string, size: number): { ref: FileRef; content: Buffer } => {
  const content = Buffer.alloc(size)
  for (let i = 0; i < size; i++) content[i] = (i * 31) % 251
  const path = join(h.workspace, name)
  writeFileSync(path, content)
  return { ref: { path, name, mimeType: "application/octet-stream", size }, content }
}

const uploadInChunks = (file: FileRef) =>
  h.run(Effect.flatMap(GoogleDrive, (drive) => drive.uploadFile({ file, chunkBytes: 256 * 1024 })))

const sessionStatuses = (since: number) =>
  h.exchanges
    .slice(since)
    .filter((e) => e.url.includes("upload_id="))
    .map((e) => e.status)

describe("resumable uploads", () => {
  it("sends 256 KiB chunks, each answered 308 with the bytes kept, the last with the file", async () => {
    const { ref, content } = bigFile("chunks.bin", 5 * 1024 * 1024 + 1000)
    const before = h.exchanges.length
    const uploaded = succeeded(await uploadInChunks(ref))
    expect(sessionStatuses(before)).toEqual([...Array(20).fill(308), 200])
    expect(sha(readFileSync(h.fake.contentPath(uploaded.id!)!))).toBe(sha(content))
  })

  it("asks where to resume after a 503 or a dropped connection on a chunk, and finishes", async () => {
    const { ref, content } = bigFile("flaky.bin", 5 * 1024 * 1024 + 10)
    h.fake.inject({ method: "PUT", path: /^\/upload\//, after: 3, reply: googleFaults.unavailable })
    h.fake.inject({ method: "PUT", path: /^\/upload\//, after: 8, reply: "drop" })
    const before = h.exchanges.length
    const uploaded = succeeded(await uploadInChunks(ref))
    const statuses = sessionStatuses(before)
    expect(statuses.filter((s) => s === 503)).toHaveLength(1)
    expect(statuses.filter((s) => s === 0)).toHaveLength(1)
    expect(statuses.at(-1)).toBe(200)
    expect(h.fake.files().filter((f) => f.name === "flaky.bin")).toHaveLength(1)
    expect(sha(readFileSync(h.fake.contentPath(uploaded.id!)!))).toBe(sha(content))
  })

  it("gives up when chunks keep failing, with the chunk's error", async () => {
    const { ref } = bigFile("doomed.bin", 5 * 1024 * 1024 + 10)
    h.fake.inject({
      method: "PUT",
      path: /^\/upload\//,
      times: 50,
      reply: googleFaults.backendError
    })
    const exit = await uploadInChunks(ref)
    expect(errorOf(exit)).toMatchObject({ _tag: "ServerError", status: 500 })
    expect(h.fake.files().some((f) => f.name === "doomed.bin")).toBe(false)
  })

  it("fails at once when the quota for storage is spent", async () => {
    const { ref } = bigFile("full.bin", 5 * 1024 * 1024 + 10)
    h.fake.inject({ method: "PUT", path: /^\/upload\//, reply: googleFaults.quotaExceeded })
    const exit = await h.runNode(uploadFile, { file: ref })
    expect(errorOf(exit)).toMatchObject({ _tag: "QuotaExceededError", retryable: false })
  })
})

describe("Drive's limits and scopes", () => {
  it("retries 403 userRateLimitExceeded and 429 rateLimitExceeded", async () => {
    h.fake.inject({ path: /\/files$/, reply: googleFaults.userRateLimitExceeded })
    h.fake.inject({ path: /\/files$/, reply: googleFaults.rateLimitExceeded })
    const before = h.exchanges.length
    succeeded(await h.runNode(listFiles, { limit: 1 }))
    expect(h.exchanges.slice(before).map((e) => e.status)).toEqual([403, 429, 200])
  })

  it("names the missing scope, and lets each node through with the scope it declares", async () => {
    h.fake.grantScopes("drive-reader", [googleScopes.driveRead])
    succeeded(await h.runNode(listFiles, { limit: 1 }, testCredential(["drive-reader"])))
    const { ref } = bigFile("small.txt", 10)
    const exit = await h.runNode(uploadFile, { file: ref }, testCredential(["drive-reader"]))
    expect(errorOf(exit)).toMatchObject({
      _tag: "PermissionError",
      missingScope: googleScopes.drive
    })
    h.fake.grantScopes("drive-writer", [googleScopes.drive])
    succeeded(await h.runNode(uploadFile, { file: ref }, testCredential(["drive-writer"])))
    for (const node of integration.nodes) expect(node.scopes?.length, node.type).toBeGreaterThan(0)
  })
})
