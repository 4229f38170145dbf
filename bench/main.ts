/**
 * `npm run bench`: the kernel's cost per call, throughput, cold start, memory and rate-limit
 * precision, each against a baseline measured in the same run.
 *
 * Every client runs in a process of its own against a loopback server in another process,
 * so the server's CPU time is never the client's. Rounds rotate the order of the variants,
 * and ratios are taken within a round, then their median reported, so that the load of a
 * busy machine cancels out as far as it can. The table goes to stdout; the figures, with
 * the machine's CPU, Node version and run counts, to `bench/results/latest.json`.
 *
 * Options: `--quick` (few rounds, small sizes: a smoke test, not a measurement),
 * `--only B1,B3` (run some benchmarks only).
 */
import { existsSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import type { VariantName } from "./clients.js"
import { variantNames } from "./clients.js"
import type { Bundles, Server } from "./processes.js"
import { bundle, runWorker, startServer, timeCommand } from "./processes.js"
import type { Report, TargetResult } from "./report.js"
import { markdown } from "./report.js"
import { busiestWindow, median, range, rotate } from "./stats.js"

const root = fileURLToPath(new URL("..", import.meta.url))

/** How much of each benchmark to run. */
interface Plan {
  readonly b1Rounds: number
  readonly b1Warmup: number
  readonly b1Calls: number
  readonly b2Rounds: number
  readonly b2Warmup: number
  readonly b2Calls: number
  readonly b2Concurrency: number
  readonly b3Runs: number
  /** Page counts for B4, 100 records a page; the last is the one the target is about. */
  readonly b4Pages: ReadonlyArray<number>
  /** Download sizes for B4; the last is the one the target is about. */
  readonly b4Bytes: ReadonlyArray<number>
  readonly b5Limit: number
  readonly b5Seconds: number
}

const MiB = 1024 * 1024

const fullPlan: Plan = {
  b1Rounds: 7,
  b1Warmup: 2_000,
  b1Calls: 4_000,
  b2Rounds: 5,
  b2Warmup: 2_000,
  b2Calls: 10_000,
  b2Concurrency: 64,
  b3Runs: 10,
  b4Pages: [1_000, 10_000],
  b4Bytes: [64 * MiB, 1024 * MiB],
  b5Limit: 50,
  b5Seconds: 10
}

const quickPlan: Plan = {
  b1Rounds: 1,
  b1Warmup: 200,
  b1Calls: 500,
  b2Rounds: 1,
  b2Warmup: 200,
  b2Calls: 1_000,
  b2Concurrency: 64,
  b3Runs: 2,
  b4Pages: [100],
  b4Bytes: [16 * MiB],
  b5Limit: 50,
  b5Seconds: 2
}

const args = process.argv.slice(2)
const plan = args.includes("--quick") ? quickPlan : fullPlan
const onlyArg = args.find((arg, i) => args[i - 1] === "--only" || arg.startsWith("--only="))
const only = onlyArg
  ?.replace(/^--only=/, "")
  .toUpperCase()
  .split(",")
const wanted = (id: string) => only === undefined || only.includes(id)

const progress = (line: string) => process.stderr.write(`${line}\n`)

const main = async () => {
  const started = performance.now()
  const report: Report = {
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverageAtStart: loadavg()[0]!
    },
    date: new Date().toISOString(),
    plan,
    targets: []
  }

  progress("bench: bundling the worker and the loopback server")
  const bundles = await bundle(root)
  const server = await startServer(bundles.server)
  try {
    if (wanted("B1")) await guarded(report, "B1", () => b1(report, bundles, server))
    if (wanted("B2")) await guarded(report, "B2", () => b2(report, bundles, server))
    if (wanted("B3")) await guarded(report, "B3", () => b3(report, bundles, server))
    if (wanted("B4")) await guarded(report, "B4", () => b4(report, bundles, server))
    if (wanted("B5")) await guarded(report, "B5", () => b5(report, bundles, server))
  } finally {
    server.stop()
    await bundles.remove()
  }

  report.machine.loadAverageAtEnd = loadavg()[0]!
  report.durationS = Math.round((performance.now() - started) / 100) / 10
  const resultsDir = join(root, "bench", "results")
  await mkdir(resultsDir, { recursive: true })
  await writeFile(join(resultsDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(markdown(report))
  progress(`bench: done in ${report.durationS} s; figures in bench/results/latest.json`)
  if (report.errors !== undefined) process.exitCode = 1
}

/** Runs one benchmark; a failure is recorded and reported, and the others still run. */
const guarded = async (report: Report, id: string, run: () => Promise<void>) => {
  try {
    await run()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    progress(`bench: ${id} failed: ${message}`)
    report.errors = { ...report.errors, [id]: message }
    report.targets.push({ id, what: "benchmark ran", target: "", measured: "failed", met: false })
  }
}

/** Runs `measure` once per round and variant, rotating the order of the variants. */
const rounds = async <A>(
  count: number,
  measure: (variant: VariantName) => Promise<A>
): Promise<Array<Record<VariantName, A>>> => {
  const all: Array<Record<VariantName, A>> = []
  for (let round = 0; round < count; round++) {
    const results: Partial<Record<VariantName, A>> = {}
    for (const variant of rotate(variantNames, round)) results[variant] = await measure(variant)
    all.push(results as Record<VariantName, A>)
  }
  return all
}

const b1 = async (report: Report, bundles: Bundles, server: Server) => {
  let round = 0
  const measured = await rounds(plan.b1Rounds, async (variant) => {
    const result = await runWorker(bundles.worker, {
      kind: "calls",
      variant,
      origin: server.origin,
      concurrency: 1,
      warmup: plan.b1Warmup,
      count: plan.b1Calls
    })
    const cpuUs = result.cpuUs / result.count
    progress(
      `B1 round ${Math.floor(round++ / variantNames.length) + 1}: ${variant} ${cpuUs.toFixed(1)} µs CPU/call`
    )
    return { cpuUs, wallUs: (result.wallMs * 1000) / result.count }
  })
  const rows = variantNames.map((variant) => {
    const cpu = measured.map((r) => r[variant].cpuUs)
    const ratios = measured.map((r) => r[variant].cpuUs / r.undici.cpuUs)
    return {
      variant,
      cpuUsPerCall: cpu,
      medianCpuUs: median(cpu),
      rangeCpuUs: range(cpu),
      ratios,
      medianRatio: median(ratios),
      medianWallUs: median(measured.map((r) => r[variant].wallUs))
    }
  })
  report.b1 = { rounds: plan.b1Rounds, callsPerRound: plan.b1Calls, rows }
  const kernel = rows.find((row) => row.variant === "kernel")!
  const undici = rows.find((row) => row.variant === "undici")!
  report.targets.push(
    target(
      "B1",
      "CPU per call, kernel vs raw undici",
      "≤ 2.0×",
      `${kernel.medianRatio.toFixed(2)}× (${kernel.medianCpuUs.toFixed(1)} vs ${undici.medianCpuUs.toFixed(1)} µs)`,
      kernel.medianRatio <= 2
    )
  )
}

const b2 = async (report: Report, bundles: Bundles, server: Server) => {
  let round = 0
  const measured = await rounds(plan.b2Rounds, async (variant) => {
    const result = await runWorker(bundles.worker, {
      kind: "calls",
      variant,
      origin: server.origin,
      concurrency: plan.b2Concurrency,
      warmup: plan.b2Warmup,
      count: plan.b2Calls
    })
    const perSecond = (result.count * 1000) / result.wallMs
    progress(
      `B2 round ${Math.floor(round++ / variantNames.length) + 1}: ${variant} ${Math.round(perSecond)} calls/s`
    )
    return { perSecond, cpuShare: result.cpuUs / (result.wallMs * 1000) }
  })
  const rows = variantNames.map((variant) => {
    const perSecond = measured.map((r) => r[variant].perSecond)
    const ratios = measured.map((r) => r[variant].perSecond / r.undici.perSecond)
    return {
      variant,
      callsPerSecond: perSecond,
      medianCallsPerSecond: median(perSecond),
      ratios,
      medianRatio: median(ratios),
      medianCpuShare: median(measured.map((r) => r[variant].cpuShare))
    }
  })
  report.b2 = {
    rounds: plan.b2Rounds,
    calls: plan.b2Calls,
    concurrency: plan.b2Concurrency,
    rows
  }
  const kernel = rows.find((row) => row.variant === "kernel")!
  report.targets.push(
    target(
      "B2",
      `Throughput at concurrency ${plan.b2Concurrency}, kernel vs raw undici`,
      "≥ 0.8×",
      `${kernel.medianRatio.toFixed(2)}× (${Math.round(kernel.medianCallsPerSecond)} calls/s)`,
      kernel.medianRatio >= 0.8
    )
  )
}

const b3 = async (report: Report, bundles: Bundles, server: Server) => {
  if (!existsSync(join(root, "dist", "cli.js"))) {
    throw new Error("dist/cli.js is missing: run `npm run build` first (`npm run bench` does)")
  }
  const flowPath = join(bundles.directory, "one-step.json")
  await writeFile(
    flowPath,
    JSON.stringify({
      version: 1,
      name: "One call",
      steps: [{ id: "items", node: "http.request", input: { url: `${server.origin}/items` } }]
    })
  )
  // Run directories go to the benchmark's temporary directory, removed at the end.
  const env = { ...process.env, TMPDIR: bundles.directory }
  const cli = () =>
    timeCommand(process.execPath, ["bin/rpa-integrations.js", "run", flowPath], { cwd: root, env })
  const bare = () => timeCommand(process.execPath, ["-e", "0"], { cwd: root, env })

  await cli()
  await bare()
  const cliMs: Array<number> = []
  const nodeMs: Array<number> = []
  for (let run = 0; run < plan.b3Runs; run++) {
    nodeMs.push(await bare())
    cliMs.push(await cli())
  }
  progress(`B3: run ${median(cliMs).toFixed(0)} ms, node -e 0 ${median(nodeMs).toFixed(0)} ms`)
  const ratio = median(cliMs) / median(nodeMs)
  report.b3 = {
    runs: plan.b3Runs,
    cliMs,
    nodeMs,
    medianCliMs: median(cliMs),
    medianNodeMs: median(nodeMs),
    ratio
  }
  report.targets.push(
    target(
      "B3",
      "Cold start of `run` on a one-step flow vs `node -e 0`",
      "≤ 2.5×",
      `${ratio.toFixed(2)}× (${median(cliMs).toFixed(0)} vs ${median(nodeMs).toFixed(0)} ms)`,
      ratio <= 2.5
    )
  )
}

const megabytes = (kilobytes: number) => Math.round((kilobytes * 1024) / 1e5) / 10

const b4 = async (report: Report, bundles: Bundles, server: Server) => {
  const rows: NonNullable<Report["b4"]>["rows"] = []
  const perPage = 100
  for (const pages of plan.b4Pages) {
    const result = await runWorker(bundles.worker, {
      kind: "paginate",
      origin: server.origin,
      pages,
      perPage
    })
    progress(`B4: ${pages} pages, peak RSS ${megabytes(result.maxRssKb)} MB`)
    rows.push({
      case: "paginate",
      size: `${(pages * perPage).toLocaleString("en")} records (${pages.toLocaleString("en")} pages)`,
      peakRssMb: megabytes(result.maxRssKb),
      setupRssMb: megabytes(result.setupRssKb),
      peakHeapMb: megabytes((result.peakHeapBytes ?? 0) / 1024),
      peakExternalMb: megabytes((result.peakExternalBytes ?? 0) / 1024),
      wallS: result.wallMs / 1000
    })
  }
  for (const bytes of plan.b4Bytes) {
    const result = await runWorker(bundles.worker, {
      kind: "download",
      origin: server.origin,
      bytes,
      dir: bundles.directory
    })
    progress(`B4: download of ${bytes / MiB} MiB, peak RSS ${megabytes(result.maxRssKb)} MB`)
    rows.push({
      case: "download",
      size: bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`,
      peakRssMb: megabytes(result.maxRssKb),
      setupRssMb: megabytes(result.setupRssKb),
      peakHeapMb: megabytes((result.peakHeapBytes ?? 0) / 1024),
      peakExternalMb: megabytes((result.peakExternalBytes ?? 0) / 1024),
      wallS: result.wallMs / 1000
    })
  }
  report.b4 = { rows }
  for (const kind of ["paginate", "download"] as const) {
    const worst = Math.max(...rows.filter((row) => row.case === kind).map((row) => row.peakRssMb))
    const largest = rows.filter((row) => row.case === kind).at(-1)!
    report.targets.push(
      target(
        "B4",
        `Peak RSS, ${kind === "paginate" ? `paginating ${largest.size}` : `downloading ${largest.size}`}`,
        "≤ 150 MB",
        `${worst} MB`,
        worst <= 150
      )
    )
  }
}

const b5 = async (report: Report, bundles: Bundles, server: Server) => {
  await server.arrivals()
  const result = await runWorker(bundles.worker, {
    kind: "rateLimit",
    origin: server.origin,
    limit: plan.b5Limit,
    seconds: plan.b5Seconds,
    concurrency: 64
  })
  const times = await server.arrivals()
  const busiest = busiestWindow(times, 1_000)
  const most = plan.b5Limit * plan.b5Seconds
  const least = Math.floor(most * 0.99)
  progress(`B5: ${times.length} sent, busiest second ${busiest}`)
  report.b5 = {
    limitPerSecond: plan.b5Limit,
    seconds: plan.b5Seconds,
    sent: times.length,
    completed: result.count,
    busiestWindow: busiest,
    firstArrivalDelayMs: times.length === 0 ? undefined : Math.min(...times) - result.startedAt
  }
  report.targets.push(
    target(
      "B5",
      `Rate limit ${plan.b5Limit}/s for ${plan.b5Seconds} s: requests sent`,
      `${least}–${most}`,
      String(times.length),
      times.length >= least && times.length <= most
    ),
    target(
      "B5",
      "Rate limit: most requests in any 1 s window (server clock)",
      `≤ ${plan.b5Limit}`,
      String(busiest),
      busiest <= plan.b5Limit
    )
  )
}

const target = (
  id: string,
  what: string,
  goal: string,
  measured: string,
  met: boolean
): TargetResult => ({ id, what, target: goal, measured, met })

main().catch((error: unknown) => {
  progress(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exitCode = 1
})
