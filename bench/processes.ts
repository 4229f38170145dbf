/**
 * The benchmarks' processes: the worker and server bundles, the loopback server, one
 * worker per measurement, and timed runs of a command.
 */
import type { ChildProcess } from "node:child_process"
import { fork, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { build } from "esbuild"
import { requireBanner, slimDependencies } from "../scripts/bundleOptions.mjs"
import type { Measured, Task } from "./worker.js"

/** The bundled worker and server, in a temporary directory removed by `remove`. */
export interface Bundles {
  readonly directory: string
  readonly worker: string
  readonly server: string
  readonly remove: () => Promise<void>
}

/**
 * Bundles the worker and the server with esbuild as `npm run build` bundles the pack (ESM,
 * Node 20, dependencies included), so a worker measures the kernel as shipped and loads
 * no TypeScript at run time.
 */
export const bundle = async (root: string): Promise<Bundles> => {
  const directory = await mkdtemp(join(tmpdir(), "rpa-bench-"))
  await build({
    absWorkingDir: root,
    entryPoints: { worker: "bench/worker.ts", server: "bench/server.ts" },
    outdir: directory,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    plugins: [slimDependencies(root)],
    banner: requireBanner
  })
  return {
    directory,
    worker: join(directory, "worker.mjs"),
    server: join(directory, "server.mjs"),
    remove: () => rm(directory, { recursive: true, force: true })
  }
}

/** The loopback server process. */
export interface Server {
  readonly origin: string
  readonly port: number
  /** Arrival times of `/limited` requests since the last call, in epoch milliseconds. */
  readonly arrivals: () => Promise<ReadonlyArray<number>>
  readonly stop: () => void
}

/** Forks the loopback server and waits until it listens. */
export const startServer = (path: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = fork(path, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)))
    child.once("message", (message: { type: string; port: number }) => {
      const port = message.port
      resolve({
        origin: `http://127.0.0.1:${port}`,
        port,
        arrivals: () => arrivals(child),
        stop: () => {
          child.removeAllListeners("exit")
          child.kill()
        }
      })
    })
  })

const arrivals = (child: ChildProcess): Promise<ReadonlyArray<number>> =>
  new Promise((resolve) => {
    child.once("message", (message: { times: ReadonlyArray<number> }) => resolve(message.times))
    child.send({ type: "arrivals" })
  })

/** Runs one task in a fresh worker process; `execArgv` adds Node options (a profiler). */
export const runWorker = (
  path: string,
  task: Task,
  execArgv: ReadonlyArray<string> = []
): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const child = fork(path, [JSON.stringify(task)], {
      execArgv: [...execArgv],
      stdio: ["ignore", "ignore", "pipe", "ipc"]
    })
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    let result: Measured | undefined
    let failure: string | undefined
    child.on("message", (message: { type: string; measured?: Measured; message?: string }) => {
      if (message.type === "measured") result = message.measured
      else failure = message.message
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      if (result !== undefined && code === 0) resolve(result)
      else reject(new Error(`${task.kind} worker failed (${failure ?? `exit ${code}`}) ${stderr}`))
    })
  })

/** Runs a command to its end and returns its wall time in milliseconds; fails on exit != 0. */
export const timeCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv | undefined }
): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      const ms = performance.now() - start
      if (code === 0) resolve(ms)
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr}`))
    })
  })
