/**
 * One measurement, in a process of its own so that variants never share a heap, a JIT or
 * a connection pool. The parent forks it with the task as JSON in `argv[2]` and receives
 * the result over IPC.
 */
import { promises as fs } from "node:fs"
import { performance } from "node:perf_hooks"
import { Duration, Effect, ManagedRuntime, Stream } from "effect"
import { HttpKernel } from "../src/http/kernel.js"
import { items } from "../src/http/pagination.js"
import { Workspace } from "../src/http/workspace.js"
import type { VariantName } from "./clients.js"

/** What a worker is asked to measure. */
export type Task =
  | {
      readonly kind: "calls"
      readonly variant: VariantName
      readonly origin: string
      /** Calls at a time; 1 makes them one after another. */
      readonly concurrency: number
      readonly warmup: number
      readonly count: number
    }
  | {
      readonly kind: "paginate"
      readonly origin: string
      readonly pages: number
      readonly perPage: number
    }
  | { readonly kind: "download"; readonly origin: string; readonly bytes: number; dir: string }
  | {
      readonly kind: "rateLimit"
      readonly origin: string
      readonly limit: number
      readonly seconds: number
      readonly concurrency: number
    }

/** What a worker measured. */
export interface Measured {
  /** Client CPU time (user + system) of the measured part, in microseconds. */
  readonly cpuUs: number
  readonly wallMs: number
  /** Calls made, records read, bytes written or requests sent. */
  readonly count: number
  /** Peak resident set size of the whole process, in kilobytes. */
  readonly maxRssKb: number
  /** Peak resident set size before the measured part began, in kilobytes. */
  readonly setupRssKb: number
  /** Epoch milliseconds when the measured part began. */
  readonly startedAt: number
  /** Largest V8 heap and off-heap (Buffer) use seen, sampled every 25 ms, in bytes. */
  readonly peakHeapBytes?: number | undefined
  readonly peakExternalBytes?: number | undefined
}

const measure = async (work: () => Promise<number>, sampleMemory = false): Promise<Measured> => {
  const setupRssKb = process.resourceUsage().maxRSS
  const peaks = { heap: 0, external: 0 }
  const sample = () => {
    const usage = process.memoryUsage()
    peaks.heap = Math.max(peaks.heap, usage.heapUsed)
    peaks.external = Math.max(peaks.external, usage.external)
  }
  const sampler = sampleMemory ? setInterval(sample, 25) : undefined
  const startedAt = performance.timeOrigin + performance.now()
  const cpu = process.cpuUsage()
  const start = performance.now()
  const count = await work()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (sampler !== undefined) clearInterval(sampler)
  return {
    cpuUs: used.user + used.system,
    wallMs,
    count,
    maxRssKb: process.resourceUsage().maxRSS,
    setupRssKb,
    startedAt,
    peakHeapBytes: sampleMemory ? peaks.heap : undefined,
    peakExternalBytes: sampleMemory ? peaks.external : undefined
  }
}

const calls = async (task: Extract<Task, { kind: "calls" }>): Promise<Measured> => {
  // Loaded only here, so the memory benchmarks' processes hold the kernel alone.
  const { makeVariant } = await import("./clients.js")
  const variant = await makeVariant(task.variant, task.origin)
  const run = (count: number) =>
    task.concurrency <= 1 ? variant.sequential(count) : variant.concurrent(count, task.concurrency)
  await run(task.warmup)
  const measured = await measure(async () => {
    await run(task.count)
    return task.count
  })
  await variant.close()
  return measured
}

/** The kernel with no logger or credential: what B4 and B5 measure is memory and timing. */
const kernelRuntime = () => ManagedRuntime.make(HttpKernel.layer())

const paginate = async (task: Extract<Task, { kind: "paginate" }>): Promise<Measured> => {
  const runtime = kernelRuntime()
  const kernel = await runtime.runPromise(HttpKernel)
  const client = kernel.client({ integration: "bench", baseUrl: task.origin })
  const total = task.pages * task.perPage
  const records = items(
    client,
    { method: "GET", url: "/pages", query: { page: 1, per_page: task.perPage, total } },
    { _tag: "LinkHeader" }
  )
  const measured = await measure(
    () => runtime.runPromise(Stream.runFold(records, 0, (count) => count + 1)),
    true
  )
  await runtime.dispose()
  if (measured.count !== total) throw new Error(`read ${measured.count} of ${total} records`)
  return measured
}

const download = async (task: Extract<Task, { kind: "download" }>): Promise<Measured> => {
  const runtime = kernelRuntime()
  const kernel = await runtime.runPromise(HttpKernel)
  const client = kernel.client({ integration: "bench", baseUrl: task.origin })
  const measured = await measure(async () => {
    const { file } = await runtime.runPromise(
      client
        .download({ method: "GET", url: "/bytes", query: { size: task.bytes } })
        .pipe(Effect.provideService(Workspace, { directory: task.dir }))
    )
    await fs.rm(file.path)
    return file.size
  }, true)
  await runtime.dispose()
  if (measured.count !== task.bytes) throw new Error(`wrote ${measured.count} of ${task.bytes}`)
  return measured
}

/**
 * Keeps `concurrency` requests waiting on a `limit` per second rate limit for `seconds`,
 * then interrupts them; the server counts what arrived.
 */
const rateLimit = async (task: Extract<Task, { kind: "rateLimit" }>): Promise<Measured> => {
  const runtime = kernelRuntime()
  const kernel = await runtime.runPromise(HttpKernel)
  const client = kernel.client({
    integration: "bench",
    baseUrl: task.origin,
    rateLimit: { limit: task.limit, intervalMs: 1_000 }
  })
  let completed = 0
  const sender = Effect.forever(
    Effect.tap(client.request({ method: "GET", url: "/limited" }), () => {
      completed++
    })
  )
  const senders = Effect.all(
    Array.from({ length: task.concurrency }, () => sender),
    { concurrency: "unbounded", discard: true }
  )
  const measured = await measure(async () => {
    await runtime.runPromise(Effect.timeoutOption(senders, Duration.seconds(task.seconds)))
    return completed
  })
  await runtime.dispose()
  return measured
}

const run = (task: Task): Promise<Measured> => {
  switch (task.kind) {
    case "calls":
      return calls(task)
    case "paginate":
      return paginate(task)
    case "download":
      return download(task)
    case "rateLimit":
      return rateLimit(task)
  }
}

run(JSON.parse(process.argv[2] ?? "{}") as Task).then(
  (measured) => {
    process.send?.({ type: "measured", measured }, () => process.exit(0))
  },
  (error: unknown) => {
    process.send?.({ type: "failed", message: String(error) }, () => process.exit(1))
  }
)
