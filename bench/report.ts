/** The benchmark report: its JSON shape and its markdown tables. */
import type { VariantName } from "./clients.js"

/** One target of the benchmarks and whether this run met it. */
export interface TargetResult {
  readonly id: string
  readonly what: string
  readonly target: string
  readonly measured: string
  readonly met: boolean
}

/** Everything one run of `npm run bench` measured; written to `bench/results/latest.json`. */
export interface Report {
  machine: {
    readonly cpu: string
    readonly cores: number
    readonly memoryGiB: number
    readonly node: string
    readonly platform: string
    readonly loadAverageAtStart: number
    loadAverageAtEnd?: number
  }
  readonly date: string
  readonly plan: unknown
  durationS?: number
  b1?: {
    readonly rounds: number
    readonly callsPerRound: number
    readonly rows: ReadonlyArray<{
      readonly variant: VariantName
      readonly cpuUsPerCall: ReadonlyArray<number>
      readonly medianCpuUs: number
      readonly rangeCpuUs: readonly [number, number]
      readonly ratios: ReadonlyArray<number>
      readonly medianRatio: number
      readonly medianWallUs: number
    }>
  }
  b2?: {
    readonly rounds: number
    readonly calls: number
    readonly concurrency: number
    readonly rows: ReadonlyArray<{
      readonly variant: VariantName
      readonly callsPerSecond: ReadonlyArray<number>
      readonly medianCallsPerSecond: number
      readonly ratios: ReadonlyArray<number>
      readonly medianRatio: number
      /** Client CPU time over wall time: near 1, the client is the bottleneck. */
      readonly medianCpuShare: number
    }>
  }
  b3?: {
    readonly runs: number
    readonly cliMs: ReadonlyArray<number>
    readonly nodeMs: ReadonlyArray<number>
    readonly medianCliMs: number
    readonly medianNodeMs: number
    readonly ratio: number
  }
  b4?: {
    readonly rows: Array<{
      readonly case: "paginate" | "download"
      readonly size: string
      readonly peakRssMb: number
      readonly setupRssMb: number
      readonly peakHeapMb: number
      readonly peakExternalMb: number
      readonly wallS: number
    }>
  }
  b5?: {
    readonly limitPerSecond: number
    readonly seconds: number
    /** Requests the server received. */
    readonly sent: number
    /** Requests whose response the client read before the time was up. */
    readonly completed: number
    readonly busiestWindow: number
    /** From the client's start to the first arrival at the server. */
    readonly firstArrivalDelayMs: number | undefined
  }
  errors?: Record<string, string>
  readonly targets: Array<TargetResult>
}

/** The report as markdown: the targets first, then one table per benchmark. */
export const markdown = (report: Report): string => {
  const { machine } = report
  const out: Array<string> = [
    "",
    `# Benchmarks, ${report.date.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}); load average ${machine.loadAverageAtStart.toFixed(1)} at start, ${machine.loadAverageAtEnd?.toFixed(1) ?? "?"} at end; ${report.durationS ?? "?"} s.`,
    "",
    "## Targets",
    "",
    table(
      ["", "Benchmark", "Target", "Measured", "Met"],
      report.targets.map((t) => [t.id, t.what, t.target, t.measured, t.met ? "yes" : "**no**"])
    )
  ]

  if (report.b1 !== undefined) {
    out.push(
      "",
      `## B1: CPU per call (${report.b1.rounds} rounds of ${report.b1.callsPerRound} sequential calls, medians)`,
      "",
      table(
        ["Client", "CPU µs/call", "range", "vs raw undici", "wall µs/call"],
        report.b1.rows.map((row) => [
          row.variant,
          row.medianCpuUs.toFixed(1),
          `${row.rangeCpuUs[0].toFixed(1)}–${row.rangeCpuUs[1].toFixed(1)}`,
          `${row.medianRatio.toFixed(2)}×`,
          row.medianWallUs.toFixed(0)
        ])
      )
    )
  }
  if (report.b2 !== undefined) {
    out.push(
      "",
      `## B2: throughput (${report.b2.rounds} rounds of ${report.b2.calls} calls at concurrency ${report.b2.concurrency}, medians)`,
      "",
      table(
        ["Client", "calls/s", "vs raw undici", "client CPU busy"],
        report.b2.rows.map((row) => [
          row.variant,
          Math.round(row.medianCallsPerSecond).toString(),
          `${row.medianRatio.toFixed(2)}×`,
          `${Math.round(row.medianCpuShare * 100)}%`
        ])
      )
    )
  }
  if (report.b3 !== undefined) {
    const b3 = report.b3
    out.push(
      "",
      `## B3: cold start (median of ${b3.runs}, interleaved)`,
      "",
      table(
        ["Command", "median ms", "range ms", "vs node -e 0"],
        [
          ["node -e 0", b3.medianNodeMs.toFixed(0), spread(b3.nodeMs), "1.00×"],
          [
            "rpa-integrations run (one step)",
            b3.medianCliMs.toFixed(0),
            spread(b3.cliMs),
            `${b3.ratio.toFixed(2)}×`
          ]
        ]
      )
    )
  }
  if (report.b4 !== undefined) {
    out.push(
      "",
      "## B4: memory (one process per case)",
      "",
      table(
        [
          "Case",
          "Size",
          "Peak RSS MB",
          "RSS before MB",
          "Peak heap MB",
          "Peak Buffers MB",
          "Wall s"
        ],
        report.b4.rows.map((row) => [
          row.case,
          row.size,
          row.peakRssMb.toString(),
          row.setupRssMb.toString(),
          row.peakHeapMb.toString(),
          row.peakExternalMb.toString(),
          row.wallS.toFixed(1)
        ])
      )
    )
  }
  if (report.b5 !== undefined) {
    const b5 = report.b5
    out.push(
      "",
      "## B5: rate-limit precision (64 callers, server-side arrival times)",
      "",
      table(
        ["Limit", "Duration", "Sent", "Busiest 1 s window", "Answered in time"],
        [
          [
            `${b5.limitPerSecond}/s`,
            `${b5.seconds} s`,
            b5.sent.toString(),
            b5.busiestWindow.toString(),
            b5.completed.toString()
          ]
        ]
      )
    )
  }
  if (report.errors !== undefined) {
    out.push("", "## Errors", "")
    for (const [id, message] of Object.entries(report.errors)) out.push(`- ${id}: ${message}`)
  }
  out.push("")
  return `${out.join("\n")}\n`
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n")

const spread = (values: ReadonlyArray<number>) =>
  `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`
