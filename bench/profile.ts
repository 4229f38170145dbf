/**
 * `npx tsx bench/profile.ts <what>`: where the time goes, from V8's CPU profiler.
 *
 * - `calls [variant] [concurrency]`: one worker making B1's calls (default `kernel`, one at
 *   a time) under `--cpu-prof`;
 * - `cli`: the built command running B3's one-step flow under `--cpu-prof`;
 * - `summarize <file.cpuprofile>`: an existing profile.
 *
 * Self time is mapped through the bundles' source maps back to source files, then added
 * up by package (or by our own folder) and by function, and the largest are printed.
 * The profile file is kept; its path is printed last.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { mkdtemp, writeFile } from "node:fs/promises"
import { SourceMap } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { VariantName } from "./clients.js"
import { bundle, runWorker, startServer } from "./processes.js"

const root = fileURLToPath(new URL("..", import.meta.url))

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
    readonly columnNumber: number
  }
  readonly hitCount?: number
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** Where a sampled frame's code came from, after source maps. */
interface Origin {
  readonly group: string
  readonly file: string
  readonly name: string
}

const maps = new Map<string, SourceMap | undefined>()

const sourceMapOf = (url: string): SourceMap | undefined => {
  if (maps.has(url)) return maps.get(url)
  let map: SourceMap | undefined
  try {
    const path = fileURLToPath(url)
    if (existsSync(`${path}.map`))
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8")))
  } catch {
    map = undefined
  }
  maps.set(url, map)
  return map
}

const originOf = (frame: ProfileNode["callFrame"]): Origin => {
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName
  if (frame.url === "") return { group: name.startsWith("(") ? name : "(native)", file: "", name }
  if (frame.url.startsWith("node:")) return { group: "node internals", file: frame.url, name }

  const map = frame.url.startsWith("file:") ? sourceMapOf(frame.url) : undefined
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber)
  const source = entry !== undefined && "originalSource" in entry ? entry.originalSource : frame.url
  const file = source.includes("node_modules/")
    ? source.replace(/^.*?node_modules\//, "node_modules/")
    : source.replace(/^.*?\/(src|nodes|bench)\//, "$1/")
  return { group: groupOf(file), file, name }
}

const groupOf = (file: string): string => {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (inModules !== null) return inModules[1]!
  const ours = /^(src\/[^/]+|nodes\/[^/]+|bench)\//.exec(file)
  return ours === null ? file : ours[1]!
}

/** Self time in milliseconds per key, largest first. */
const rank = (totals: Map<string, number>, total: number, top: number) =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([key, us]) =>
        `${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`
    )
    .join("\n")

/** Prints self time by group, by file and by function. */
export const summarize = (path: string): string => {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const groups = new Map<string, number>()
  const files = new Map<string, number>()
  const functions = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const [id, us] of selfUs) {
    const origin = originOf(byId.get(id)!.callFrame)
    if (origin.group === "(idle)") {
      idle += us
      continue
    }
    total += us
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + us)
    add(groups, origin.group)
    add(files, origin.file === "" ? origin.group : origin.file)
    add(functions, `${origin.name}  ${origin.file}`)
  }
  return [
    `profile ${path}`,
    `busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`,
    "",
    "self time by package / folder:",
    rank(groups, total, 15),
    "",
    "self time by file:",
    rank(files, total, 25),
    "",
    "self time by function:",
    rank(functions, total, 40)
  ].join("\n")
}

const newestProfile = (directory: string): string => {
  const profiles = readdirSync(directory).filter((name) => name.endsWith(".cpuprofile"))
  if (profiles.length === 0) throw new Error(`no profile was written in ${directory}`)
  return join(directory, profiles.sort().at(-1)!)
}

const profileCalls = async (variant: VariantName, concurrency: number) => {
  const bundles = await bundle(root)
  const server = await startServer(bundles.server)
  const directory = await mkdtemp(join(tmpdir(), "rpa-profile-"))
  try {
    const measured = await runWorker(
      bundles.worker,
      { kind: "calls", variant, origin: server.origin, concurrency, warmup: 2_000, count: 10_000 },
      ["--cpu-prof", `--cpu-prof-dir=${directory}`]
    )
    process.stdout.write(
      `${variant}: ${(measured.cpuUs / measured.count).toFixed(1)} µs CPU/call\n`
    )
    process.stdout.write(`${summarize(newestProfile(directory))}\n`)
  } finally {
    server.stop()
    await bundles.remove()
  }
}

const profileCli = async () => {
  const bundles = await bundle(root)
  const server = await startServer(bundles.server)
  const directory = await mkdtemp(join(tmpdir(), "rpa-profile-"))
  try {
    const flow = join(directory, "one-step.json")
    await writeFile(
      flow,
      JSON.stringify({
        version: 1,
        name: "One call",
        steps: [{ id: "items", node: "http.request", input: { url: `${server.origin}/items` } }]
      })
    )
    spawnSync(
      process.execPath,
      ["--cpu-prof", `--cpu-prof-dir=${directory}`, "bin/rpa-integrations.js", "run", flow],
      { cwd: root, stdio: "ignore", env: { ...process.env, TMPDIR: directory } }
    )
    process.stdout.write(`${summarize(newestProfile(directory))}\n`)
  } finally {
    server.stop()
    await bundles.remove()
  }
}

const [what, first, second] = process.argv.slice(2)
const task =
  what === "calls"
    ? profileCalls((first ?? "kernel") as VariantName, Number(second ?? 1))
    : what === "cli"
      ? profileCli()
      : what === "summarize" && first !== undefined
        ? Promise.resolve(process.stdout.write(`${summarize(first)}\n`))
        : Promise.reject(
            new Error("usage: profile.ts calls [variant] [concurrency] | cli | summarize <file>")
          )
task.catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
