/**
 * The HTTP kernel: the one way integrations talk to the network.
 *
 * @module
 */
import { Context } from "effect"
import type { Effect, Schema } from "effect"
import type { Authenticator } from "./authenticator.js"
import type { KernelError } from "./errors.js"
import type { FileRef } from "./files.js"
import type { RateLimit } from "./rateLimit.js"
import type { HttpRequest, HttpResponse, Timeouts } from "./request.js"
import type { RetryPolicy } from "./retry.js"
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
    { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly file: FileRef },
    KernelError,
    Workspace
  >
}

/** The run's HTTP kernel: connection pools, rate limiters and retry budgets. */
export class HttpKernel extends Context.Tag("rpa/HttpKernel")<
  HttpKernel,
  {
    /** A client for one integration; clients of one integration share a pool. */
    readonly client: (config: ClientConfig) => HttpClient
  }
>() {}
