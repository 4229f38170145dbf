/**
 * Runs the built `rpa-integrations` command in a child process, and a recording HTTP
 * server on 127.0.0.1 for it to call.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root, where `bin/rpa-integrations.js` is. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

/** What a run of the command printed, and its exit code. */
export interface CommandRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A directory for this test file's flows, credential store and run files. */
export const scratch = mkdtempSync(join(tmpdir(), "rpa-cli-test-"))

/** Runs `node bin/rpa-integrations.js ...args` with only the given extra variables. */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  stdin?: string
): Promise<CommandRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin", "rpa-integrations.js"), ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        RPA_INTEGRATIONS_HOME: join(scratch, "home"),
        NO_COLOR: "1",
        ...env
      }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdin.end(stdin)
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** Writes a flow file into the scratch directory and returns its path. */
export const writeFlow = (name: string, flow: unknown): string => {
  const path = join(scratch, `${name}.json`)
  writeFileSync(path, JSON.stringify(flow, null, 2))
  return path
}

/** A server on 127.0.0.1 that records each request and answers with `handle`. */
export const startServer = async (
  handle: (req: IncomingMessage, res: ServerResponse) => void
): Promise<{
  readonly url: string
  readonly requests: Array<string>
  readonly close: () => Promise<void>
}> => {
  const requests: Array<string> = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    handle(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
