/**
 * Memory of a large Drive upload and download: both must stream, so the process grows by
 * about one upload chunk, not by the file's size.
 *
 * Uploads a file (50 MB by default) through the `googleDrive` service to the Drive fake
 * (a resumable session in 8 MB chunks), then downloads it again to the run's folder,
 * sampling RSS and heap every 20 ms. Reports, for each, the peak growth over the
 * baseline measured just before it, and that growth as a share of the file's size; the
 * target is under 64 MB of growth. The fake runs in the same process and keeps the file
 * on disk, so its share of memory is counted too.
 *
 * Run: `npx tsx --expose-gc bench/drive-memory.ts [megabytes]`
 *
 * @module
 */
import { createHash } from "node:crypto"
import { createReadStream, mkdtempSync, rmSync } from "node:fs"
import { open } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Redacted } from "effect"
import { driveOrigin, startDrive } from "../nodes/googleDrive/fake.js"
import { GoogleDrive } from "../nodes/googleDrive/service.js"
import type { FileRef } from "../src/http/files.js"
import { HttpKernel } from "../src/http/kernel.js"
import { Workspace } from "../src/http/workspace.js"

const megabytes = Number(process.argv[2] ?? 50)
const targetMb = 64
const mb = 1024 * 1024

const main = async () => {
  const workspace = mkdtempSync(join(tmpdir(), "rpa-bench-drive-"))
  const fake = await startDrive()
  try {
    const file = await writeFile(join(workspace, "big.bin"), megabytes * mb)
    const layer = Layer.merge(
      Layer.provideMerge(
        GoogleDrive.layer({
          authenticator: {
            credentialId: "bench",
            credentialType: "google.oauth2",
            authorize: Effect.succeed({
              headers: { authorization: Redacted.make("Bearer bench") }
            }),
            secretNames: ["authorization"]
          }
        }),
        HttpKernel.layer({ routes: new Map([[driveOrigin, fake.url]]) })
      ),
      Layer.succeed(Workspace, { directory: workspace })
    )
    const run = <A, E>(effect: Effect.Effect<A, E, GoogleDrive | Workspace>) =>
      Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

    const upload = await measure(() =>
      run(Effect.flatMap(GoogleDrive, (drive) => drive.uploadFile({ file })))
    )
    const id = upload.value.id ?? ""
    const download = await measure(() =>
      run(Effect.flatMap(GoogleDrive, (drive) => drive.downloadFile(id, { name: "again.bin" })))
    )
    const same = (await sha256(file.path)) === (await sha256(download.value.file.path))

    const report = {
      fileMb: megabytes,
      targetMb,
      upload: summary(upload),
      download: summary(download),
      contentMatches: same,
      withinTarget: upload.rssGrowth / mb < targetMb && download.rssGrowth / mb < targetMb && same
    }
    console.log(JSON.stringify(report, null, 2))
    process.exitCode = report.withinTarget ? 0 : 1
  } finally {
    await fake.close()
    rmSync(workspace, { recursive: true, force: true })
  }
}

interface Measured<A> {
  readonly value: A
  readonly ms: number
  readonly rssGrowth: number
  readonly heapGrowth: number
}

/** Runs `task`, sampling memory every 20 ms; growth is the peak over the baseline. */
const measure = async <A>(task: () => Promise<A>): Promise<Measured<A>> => {
  collect()
  const base = process.memoryUsage()
  let rss = base.rss
  let heap = base.heapUsed
  const sampler = setInterval(() => {
    const now = process.memoryUsage()
    rss = Math.max(rss, now.rss)
    heap = Math.max(heap, now.heapUsed)
  }, 20)
  const started = performance.now()
  try {
    const value = await task()
    return {
      value,
      ms: performance.now() - started,
      rssGrowth: rss - base.rss,
      heapGrowth: heap - base.heapUsed
    }
  } finally {
    clearInterval(sampler)
  }
}

const summary = (measured: Measured<unknown>) => ({
  ms: Math.round(measured.ms),
  rssGrowthMb: round(measured.rssGrowth / mb),
  heapGrowthMb: round(measured.heapGrowth / mb),
  rssGrowthPerFileSize: round(measured.rssGrowth / (megabytes * mb))
})

const round = (n: number) => Math.round(n * 100) / 100

const collect = () => (globalThis as { gc?: () => void }).gc?.()

/** Writes `size` bytes of a repeating pattern, 1 MB at a time. */
const writeFile = async (path: string, size: number): Promise<FileRef> => {
  const handle = await open(path, "w")
  const block = Buffer.alloc(mb)
  for (let i = 0; i < block.length; i++) block[i] = (i * 31) % 251
  for (let written = 0; written < size; written += block.length) {
    await handle.write(block, 0, Math.min(block.length, size - written))
  }
  await handle.close()
  return { path, name: "big.bin", mimeType: "application/octet-stream", size }
}

const sha256 = async (path: string) => {
  const hash = createHash("sha256")
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest("hex")
}

await main()
