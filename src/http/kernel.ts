/**
 * The HTTP kernel: the one way integrations talk to the network.
 *
 * @module
 */

import type { Effect, Schema } from "effect"
import { Context, Layer } from "effect"
import type { Authenticator } from "./authenticator.js"
import { makeKernel } from "./client.js"
import type { KernelError } from "./errors.js"
import type { FileRef } from "./files.js"
import type { RateLimit } from "./rateLimit.js"
import type { HttpRequest, HttpResponse, Timeouts } from "./request.js"
import type { RetryPolicy } from "./retry.js"
import type { RetryBudgetOptions } from "./retryBudget.js"
import type { Workspace } from "./workspace.js"

/** How one integration's client behaves; each field has a sensible default. */
export interface ClientConfig {
  /** Integration name, for logs, errors and the connection pool. */
  readonly integration: string
  /** Base URL that relative request URLs resolve against. */
  readonly baseUrl?: string | undefined
  /** Signs requests to the base URL's origin (or the first request's origin). */
  readonly authenticator?: Authenticator | undefined
  readonly timeouts?: Partial<Timeouts> | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Requests per interval for this integration and credential. */
  readonly rateLimit?: { readonly limit: number; readonly intervalMs: number } | undefined
  /** Further limits for a request (per method, per channel), shared within the run. */
  readonly rateLimitsFor?: ((request: HttpRequest) => ReadonlyArray<RateLimit>) | undefined
  /** Largest response body read into memory, in bytes. Default 50 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Most redirects followed. Default 10. */
  readonly maxRedirects?: number | undefined
  /** Header that carries a request's idempotency key. Default `Idempotency-Key`. */
  readonly idempotencyHeader?: string | undefined
  /**
   * Maps a response to an error before the status rules do; return `undefined` to fall
   * through. Sees 2xx responses too, for APIs that report errors with 200 (Slack).
   */
  readonly classify?: ((response: HttpResponse) => KernelError | undefined) | undefined
}

/** A client for one integration and credential. */
export interface HttpClient {
  readonly integration: string
  /** Sends a request with retries, rate limits and the credential; reads the body. */
  readonly request: (request: HttpRequest) => Effect.Effect<HttpResponse, KernelError>
  /** Sends a request and decodes its JSON body with a schema (`DecodeError` on mismatch). */
  readonly json: <A, I>(
    request: HttpRequest,
    schema: Schema.Schema<A, I>
  ) => Effect.Effect<A, KernelError>
  /** Sends a request and streams the response body to a file in the run's workspace. */
  readonly download: (
    request: HttpRequest,
    target?: { readonly name?: string | undefined }
  ) => Effect.Effect<
    {
      readonly status: number
      readonly headers: Readonly<Record<string, string>>
      readonly file: FileRef
    },
    KernelError,
    Workspace
  >
}

/** Settings every client of a run starts from; an integration's config overrides them. */
export interface KernelDefaults {
  /** Default connect 10 s, headers 30 s, idle body 30 s, total 120 s. */
  readonly timeouts?: Partial<Timeouts> | undefined
  /** Default: `defaultRetryPolicy`. */
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Default 50 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default 10. */
  readonly maxRedirects?: number | undefined
  /** `user-agent` sent unless a request sets one. Default `rpa-integrations`. */
  readonly userAgent?: string | undefined
  /** Sizes of each integration's retry budget. */
  readonly retryBudget?: RetryBudgetOptions | undefined
}

/** How the run's kernel is set up. */
export interface KernelOptions {
  /**
   * Logical origins sent elsewhere, for example `https://slack.com` to
   * `http://127.0.0.1:4010` in a sandbox run. A routed request connects to the target but
   * keeps its logical URL for every rule (credential origin, redirects, masked URLs in
   * logs) and sends the logical `Host`, so a fake can tell which origin it was asked as.
   */
  readonly routes?: ReadonlyMap<string, string> | undefined
  /**
   * Send only to routed origins and loopback addresses, on every hop, redirects included;
   * anything else fails with a `TransportError` (reason `NotAllowed`) before connecting.
   * Sandbox runs set it so that nothing leaves the machine.
   */
  readonly routesOnly?: boolean | undefined
  readonly defaults?: KernelDefaults | undefined
}

/** The run's HTTP kernel: connection pools, rate limiters and retry budgets. */
export class HttpKernel extends Context.Tag("rpa/HttpKernel")<
  HttpKernel,
  {
    /** A client for one integration; clients of one integration share a pool. */
    readonly client: (config: ClientConfig) => HttpClient
  }
>() {
  /**
   * The kernel for one run: one keep-alive connection pool per integration (made on first
   * use), the run's rate limiters, and a retry budget per integration. When the layer's
   * scope closes every connection is closed, idle or busy.
   */
  static readonly layer = (options?: KernelOptions): Layer.Layer<HttpKernel> =>
    Layer.scoped(HttpKernel, makeKernel(options))
}
