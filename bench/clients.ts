/**
 * The clients the benchmarks compare, each making the same call: `GET /items` with a bearer
 * token, reading the 10-item JSON body.
 *
 * - `undici`: raw `undici.request` on a keep-alive `Pool`, the limit for any Node client;
 * - `fetch`: Node's global `fetch`;
 * - `axios`: axios with a keep-alive `http.Agent`, as n8n and Activepieces use it;
 * - `effect-platform`: `@effect/platform-node`'s undici `HttpClient`, no policies;
 * - `kernel`: our kernel as integrations use it: `client.json` with a `Schema`, the
 *   `http.bearer` credential, the default retry policy, a rate limit (never reached) and
 *   the run's logger at info level;
 * - `kernel-bare`: the kernel with no credential, no rate limit and no schema
 *   (`client.request` and `JSON.parse`), to tell the policies' cost from the core's.
 */
import { Agent as HttpAgent } from "node:http"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { layerUndici } from "@effect/platform-node/NodeHttpClient"
import axios from "axios"
import { Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { Pool, request as undiciRequest } from "undici"
import { bearer } from "../nodes/http/credentials.js"
import { HttpKernel } from "../src/http/kernel.js"
import { runLogger } from "../src/runtime/logging.js"
import { benchToken } from "./payload.js"

/** Names of the compared clients, baseline first. */
export const variantNames = [
  "undici",
  "fetch",
  "axios",
  "effect-platform",
  "kernel",
  "kernel-bare"
] as const

/** One of the compared clients. */
export type VariantName = (typeof variantNames)[number]

/** A client ready to make the benchmark call many times. */
export interface Variant {
  /** Makes `count` calls one after another. */
  readonly sequential: (count: number) => Promise<void>
  /** Makes `count` calls, at most `concurrency` at a time. */
  readonly concurrent: (count: number, concurrency: number) => Promise<void>
  readonly close: () => Promise<void>
}

/** The shape every variant that decodes checks: the item list's `Schema`. */
export const Items = Schema.Array(
  Schema.Struct({
    id: Schema.Number,
    title: Schema.String,
    state: Schema.Literal("open", "closed"),
    amount: Schema.Number,
    paid: Schema.Boolean,
    createdAt: Schema.String,
    customer: Schema.Struct({ id: Schema.Number, name: Schema.String, email: Schema.String }),
    tags: Schema.Array(Schema.String)
  })
)

/** Sets up the named client against the loopback server at `origin`. */
export const makeVariant = (name: VariantName, origin: string): Promise<Variant> => {
  switch (name) {
    case "undici":
      return undiciVariant(origin)
    case "fetch":
      return fetchVariant(origin)
    case "axios":
      return axiosVariant(origin)
    case "effect-platform":
      return effectPlatformVariant(origin)
    case "kernel":
      return kernelVariant(origin, true)
    case "kernel-bare":
      return kernelVariant(origin, false)
  }
}

const authorization = `Bearer ${benchToken}`

/** Throws unless the body is the 10-item list, so no client can skip reading it. */
const check = (body: unknown): void => {
  if (!Array.isArray(body) || body.length !== 10) throw new Error("unexpected body")
}

/** A promise-based client: loops over `call` with async functions. */
const promiseVariant = (call: () => Promise<void>, close: () => Promise<void>): Variant => ({
  sequential: async (count) => {
    for (let i = 0; i < count; i++) await call()
  },
  concurrent: async (count, concurrency) => {
    let started = 0
    const worker = async () => {
      while (started < count) {
        started++
        await call()
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  },
  close
})

const undiciVariant = async (origin: string): Promise<Variant> => {
  const pool = new Pool(origin)
  const url = `${origin}/items`
  const headers = { authorization }
  return promiseVariant(
    async () => {
      const { statusCode, body } = await undiciRequest(url, { dispatcher: pool, headers })
      if (statusCode !== 200) throw new Error(`status ${statusCode}`)
      check(await body.json())
    },
    () => pool.close()
  )
}

const fetchVariant = async (origin: string): Promise<Variant> => {
  const url = `${origin}/items`
  const headers = { authorization }
  return promiseVariant(
    async () => {
      const response = await fetch(url, { headers })
      if (response.status !== 200) throw new Error(`status ${response.status}`)
      check(await response.json())
    },
    async () => undefined
  )
}

const axiosVariant = async (origin: string): Promise<Variant> => {
  const agent = new HttpAgent({ keepAlive: true })
  const client = axios.create({ baseURL: origin, httpAgent: agent, headers: { authorization } })
  return promiseVariant(
    async () => {
      const response = await client.get("/items")
      check(response.data)
    },
    async () => agent.destroy()
  )
}

/** An Effect-based client: loops with `Effect.forEach` inside one runtime. */
const effectVariant = <R>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  call: Effect.Effect<void, unknown, R>
): Variant => {
  const times = (count: number) => Array.from({ length: count }, () => undefined)
  return {
    sequential: (count) => runtime.runPromise(Effect.forEach(times(count), () => call)).then(noop),
    concurrent: (count, concurrency) =>
      runtime
        .runPromise(Effect.forEach(times(count), () => call, { concurrency, discard: true }))
        .then(noop),
    close: () => runtime.dispose()
  }
}

const noop = () => undefined

const textOf = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8")

const effectPlatformVariant = async (origin: string): Promise<Variant> => {
  const runtime = ManagedRuntime.make(layerUndici)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const request = HttpClientRequest.get(`${origin}/items`).pipe(
    HttpClientRequest.bearerToken(benchToken)
  )
  const call = Effect.flatMap(client.execute(request), (response) =>
    Effect.map(response.json, check)
  )
  return effectVariant(runtime, call)
}

const kernelVariant = async (origin: string, policies: boolean): Promise<Variant> => {
  const logs = runLogger({
    level: "info",
    format: "json",
    write: (line) => process.stderr.write(`${line}\n`)
  })
  const runtime = ManagedRuntime.make(Layer.merge(HttpKernel.layer(), logs))
  const kernel = await runtime.runPromise(HttpKernel)
  if (!policies) {
    const client = kernel.client({ integration: "bench", baseUrl: origin })
    const call = Effect.map(client.request({ method: "GET", url: "/items" }), (response) =>
      check(JSON.parse(textOf(response.body)))
    )
    return effectVariant(runtime, call)
  }

  const authenticator = await runtime.runPromise(
    bearer.authenticate({
      id: "api",
      type: "http.bearer",
      fields: { token: Redacted.make(benchToken) }
    })
  )
  const client = kernel.client({
    integration: "bench",
    baseUrl: origin,
    authenticator,
    rateLimit: { limit: 1_000_000, intervalMs: 1_000 }
  })
  const call = Effect.map(client.json({ method: "GET", url: "/items" }, Items), check)
  return effectVariant(runtime, call)
}
