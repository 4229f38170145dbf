import { createHash } from "node:crypto"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { bearer } from "../../../nodes/http/credentials.js"
import { type RunOutcome, runFlow } from "../../../src/runtime/runFlow.js"

const directories: Array<string> = []

afterEach(async () => {
  for (const directory of directories.splice(0))
    await rm(directory, { recursive: true, force: true })
})

/** Runs an example flow in the sandbox with debug logs; returns its result and log lines. */
const runExample = async (name: string) => {
  const filesDir = await mkdtemp(join(tmpdir(), "rpa-example-"))
  directories.push(filesDir)
  const lines: Array<string> = []
  const flow = fileURLToPath(new URL(`../../../examples/flows/${name}.json`, import.meta.url))
  const outcome = await runFlow(flow, {
    sandbox: true,
    filesDir,
    env: {},
    log: { level: "debug", format: "json", write: (line) => lines.push(line) }
  })
  return { outcome, logs: lines.join("\n") }
}

// biome-ignore lint/suspicious/noExplicitAny: step outputs are loosely shaped JSON
const outputOf = (outcome: RunOutcome, step: string): any =>
  (outcome.steps as Record<string, { output?: unknown }>)[step]?.output

const sandboxToken = String(bearer.sandbox?.token)

describe("example flows, run in the sandbox", () => {
  it("paginated-summary lists 250 items over 5 pages and posts their count", async () => {
    const { outcome, logs } = await runExample("paginated-summary")
    expect(outcome.status).toBe("succeeded")
    expect(outputOf(outcome, "items")).toMatchObject({ count: 250, pages: 5 })
    const echo = outputOf(outcome, "summary").body
    expect(echo.json).toEqual({
      count: 250,
      pages: 5,
      first: { id: 1, name: "Item 1", amount: 79.19 }
    })
    expect(echo.headers["idempotency-key"]).toBe("items-summary-250")
    expect(logs).toContain("http attempt")
  })

  it("download-upload uploads the downloaded bytes unchanged", async () => {
    const { outcome } = await runExample("download-upload")
    expect(outcome.status).toBe("succeeded")
    const { file } = outputOf(outcome, "download")
    const sha256 = createHash("sha256")
      .update(await readFile(file.path))
      .digest("hex")
    expect(outputOf(outcome, "upload").body.parts).toEqual([
      {
        name: "file",
        filename: "export.bin",
        contentType: "application/octet-stream",
        size: file.size,
        sha256
      },
      { name: "description", value: "Nightly export" }
    ])
  })

  it("flaky-retry recovers with retries and signs with the sandbox credential", async () => {
    const { outcome, logs } = await runExample("flaky-retry")
    expect(outcome.status).toBe("succeeded")
    expect(outcome.steps).toMatchObject({
      fetch: { status: "succeeded", attempts: 3, output: { status: 200, body: { ok: true } } },
      check: { status: "succeeded", output: { body: { authenticated: true } } }
    })
    expect(logs).not.toContain(sandboxToken)
  })
})
