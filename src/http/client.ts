/**
 * The HTTP kernel's implementation: clients that send an integration's requests with
 * undici, with the run's rate limits, the credential, retries, redirects, deadlines and
 * typed errors.
 *
 * One undici `Agent` (a keep-alive pool per origin) serves each integration; it is made
 * when the integration's first client is, and destroyed when the run's scope closes, so no
 * socket outlives the run. A request goes through these steps, each attempt anew:
 *
 * 1. wait for the rate limits of the integration and credential (and the request's own);
 * 2. ask the authenticator for the credential's headers and query, used only on hops to
 *    the credential's origin;
 * 3. send with undici's dispatcher, hop by hop through redirects, under the connect,
 *    headers, idle-body and total deadlines, reading the body within the size limit (or
 *    streaming it to a file for a download);
 * 4. refresh the credential once when the provider refused it, and send again;
 * 5. classify the response into a typed error, or return it.
 *
 * Failed attempts are retried by `withRetry` when the error and the method allow it.
 *
 * @module
 */
import { randomUUID } from "node:crypto"
import type { WriteStream } from "node:fs"
import { createWriteStream, promises as fs } from "node:fs"
import { basename, extname, join } from "node:path"
import { Readable } from "node:stream"
import type { Cause, Scope } from "effect"
import { Clock, Effect, Either, FiberRef, LogLevel, ParseResult, Redacted, Schema } from "effect"
import type { Dispatcher } from "undici"
import { Agent } from "undici"
import { StepAttempts } from "./attempts.js"
import type { Authenticator, Authorization } from "./authenticator.js"
import type { EncodedBody } from "./body.js"
import { encodeBody, formUrlEncoded } from "./body.js"
import type { ResponseContext } from "./classify.js"
import { classifyResponse, refusedError, requestIdOf } from "./classify.js"
import type { FieldIssue, KernelError } from "./errors.js"
import {
  DecodeError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  TransportError,
  ValidationError
} from "./errors.js"
import type { FileRef } from "./files.js"
import type { ClientConfig, HttpClient, KernelOptions } from "./kernel.js"
import type { RateLimit, RateLimiterRegistry } from "./rateLimit.js"
import { makeRateLimiters, pauseFromHeaders } from "./rateLimit.js"
import { maskText, maskUrl } from "./redact.js"
import type { Hop, RedirectRules, RedirectState } from "./redirect.js"
import { isRedirectStatus, nextHop, startChain } from "./redirect.js"
import type { HttpMethod, HttpRequest, HttpResponse, Timeouts } from "./request.js"
import type { RetryPolicy } from "./retry.js"
import { defaultRetryPolicy, isRetryableFor, resolveRetryPolicy, withRetry } from "./retry.js"
import type { RetryBudget } from "./retryBudget.js"
import { makeRetryBudget } from "./retryBudget.js"
import type { FailureContext } from "./undiciErrors.js"
import { abortedError, fromUndiciError, timeoutError } from "./undiciErrors.js"
import { Workspace } from "./workspace.js"

/** Deadlines a client uses unless its integration, the kernel or a request says otherwise. */
export const defaultTimeouts: Timeouts = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyIdleMs: 30_000,
  totalMs: 120_000
}

/** Largest response body read into memory unless configured: 50 MiB. */
export const defaultMaxResponseBytes = 50 * 1024 * 1024

/** Most redirects followed in one attempt unless configured. */
export const defaultMaxRedirects = 10

/** `user-agent` sent unless a request sets its own; some APIs refuse requests without. */
export const defaultUserAgent = "rpa-integrations"

/**
 * Makes the run's kernel: an empty registry of rate limiters, and agents and retry
 * budgets made per integration on first use. Closing the scope destroys every agent and
 * with it every connection, idle or busy.
 */
export const makeKernel = (
  options: KernelOptions = {}
): Effect.Effect<{ readonly client: (config: ClientConfig) => HttpClient }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const rateLimiters = yield* makeRateLimiters
    const agents = new Map<string, Agent>()
    const budgets = new Map<string, RetryBudget>()
    let closed = false

    yield* Effect.addFinalizer(() =>
      Effect.promise(() => {
        closed = true
        const all = [...agents.values()]
        agents.clear()
        return Promise.all(all.map((agent) => agent.destroy().catch(() => undefined)))
      })
    )

    const defaults = options.defaults ?? {}
    const kernel: Kernel = {
      routes: normaliseRoutes(options.routes),
      routesOnly: options.routesOnly === true,
      timeouts: mergeTimeouts(defaultTimeouts, defaults.timeouts),
      retry: resolveRetryPolicy(defaultRetryPolicy, defaults.retry),
      maxResponseBytes: defaults.maxResponseBytes ?? defaultMaxResponseBytes,
      maxRedirects: defaults.maxRedirects ?? defaultMaxRedirects,
      userAgent: defaults.userAgent ?? defaultUserAgent,
      rateLimiters,
      pausedUntil: new Map(),
      agentFor: (integration, connectMs) => {
        const key = `${integration}\n${connectMs}`
        let agent = agents.get(key)
        if (agent === undefined) {
          agent = new Agent({ connect: { timeout: connectMs } })
          // A client made after the run ended gets a closed agent: its requests fail.
          if (closed) void agent.destroy()
          else agents.set(key, agent)
        }
        return agent
      },
      budgetFor: (integration) => {
        let budget = budgets.get(integration)
        if (budget === undefined) {
          budget = Effect.runSync(makeRetryBudget(defaults.retryBudget))
          budgets.set(integration, budget)
        }
        return budget
      }
    }
    return { client: (config: ClientConfig) => makeClient(kernel, config) }
  })

/** What every client of a run shares. */
interface Kernel {
  /** Logical origin to the origin actually connected to. */
  readonly routes: ReadonlyMap<string, string>
  /** Refuse every hop to an origin that is neither routed nor loopback. */
  readonly routesOnly: boolean
  readonly timeouts: Timeouts
  readonly retry: RetryPolicy
  readonly maxResponseBytes: number
  readonly maxRedirects: number
  readonly userAgent: string
  readonly rateLimiters: RateLimiterRegistry
  /**
   * Rate-limit keys this run has paused, with the time (epoch ms) the latest pause ends;
   * a paused key is waited on even without a limit.
   */
  readonly pausedUntil: Map<string, number>
  readonly agentFor: (integration: string, connectMs: number) => Agent
  readonly budgetFor: (integration: string) => RetryBudget
}

/** A client's settings, worked out once when the client is made. */
interface Client {
  readonly kernel: Kernel
  readonly config: ClientConfig
  readonly integration: string
  readonly authenticator: Authenticator | undefined
  /** The base URL without its trailing slash. */
  readonly baseUrl: string | undefined
  readonly baseOrigin: string | undefined
  readonly timeouts: Timeouts
  readonly retry: RetryPolicy
  readonly maxResponseBytes: number
  readonly maxRedirects: number
  readonly idempotencyHeader: string
  readonly userAgent: string
  /** `<integration>:<credential or "anonymous">`, the key of the client's rate limit. */
  readonly rateKey: string
  readonly limits: ReadonlyArray<RateLimit>
  readonly secretNames: ReadonlyArray<string>
  readonly agent: Agent
  readonly budget: RetryBudget
  readonly retryable: Map<string, (error: KernelError) => boolean>
}

const makeClient = (kernel: Kernel, config: ClientConfig): HttpClient => {
  const timeouts = mergeTimeouts(kernel.timeouts, config.timeouts)
  const base = parseBaseUrl(config.baseUrl)
  const authenticator = config.authenticator
  const rateKey = `${config.integration}:${authenticator?.credentialId ?? "anonymous"}`
  const client: Client = {
    kernel,
    config,
    integration: config.integration,
    authenticator,
    baseUrl: config.baseUrl?.replace(/\/+$/, ""),
    baseOrigin: base?.origin,
    timeouts,
    retry: resolveRetryPolicy(kernel.retry, config.retry),
    maxResponseBytes: config.maxResponseBytes ?? kernel.maxResponseBytes,
    maxRedirects: config.maxRedirects ?? kernel.maxRedirects,
    idempotencyHeader: (config.idempotencyHeader ?? "Idempotency-Key").toLowerCase(),
    userAgent: kernel.userAgent,
    rateKey,
    limits:
      config.rateLimit === undefined
        ? []
        : [
            { key: rateKey, limit: config.rateLimit.limit, intervalMs: config.rateLimit.intervalMs }
          ],
    secretNames: authenticator?.secretNames ?? [],
    agent: kernel.agentFor(config.integration, timeouts.connectMs),
    budget: kernel.budgetFor(config.integration),
    retryable: new Map()
  }

  return {
    integration: config.integration,
    request: (request) => send(client, request, undefined, undefined, responseOf),
    json: (request, schema) =>
      send(client, request, "application/json", undefined, (exchanged, prepared) =>
        decodeJson(client, prepared, exchanged, schema)
      ),
    download: (request, target) => download(client, request, target?.name)
  }
}

/** A request, ready to be sent by each attempt. */
interface Prepared {
  readonly request: HttpRequest
  readonly method: HttpMethod
  readonly first: Hop<EncodedBody>
  /** The request's URL masked with `secrets`, made when first needed (see `maskedUrlOf`). */
  maskedUrl: string | undefined
  /** Origins the credential is sent to: the base URL's and the request's own. */
  readonly credentialOrigins: ReadonlyArray<string>
  /** Values of headers the integration passed as `Redacted`. */
  readonly requestSecrets: ReadonlyArray<string>
  /** The authorization of the current attempt. */
  signedWith: Authorization | undefined
  /** The request's and `secretsFor`'s secret values, made when first needed. */
  secrets: ReadonlyArray<string> | undefined
  secretsFor: Authorization | undefined
  readonly secretHeaders: ReadonlySet<string>
  readonly timeouts: Timeouts
  readonly maxResponseBytes: number
  readonly followRedirects: boolean
  readonly limits: ReadonlyArray<RateLimit>
  readonly unsafeToResend: boolean
  /** For a download, the file the body of a 2xx response is streamed to. */
  readonly filePath: string | undefined
  /** Whether the credential was already refreshed for this request. */
  refreshed: boolean
  attempts: number
}

/** A response as the last hop of an attempt produced it. */
interface Exchanged {
  readonly response: HttpResponse
  /** Bytes streamed to the download file, when the body went there. */
  readonly fileBytes: number | undefined
}

/**
 * Prepares a request, runs its attempts, and hands the last response (with the prepared
 * request, for its secrets) to `finish`.
 */
const send = <A>(
  client: Client,
  request: HttpRequest,
  accept: string | undefined,
  filePath: string | undefined,
  finish: (exchanged: Exchanged, prepared: Prepared) => Effect.Effect<A, KernelError>
): Effect.Effect<A, KernelError> =>
  Effect.flatMap(
    Effect.suspend(() => prepare(client, request, accept, filePath)),
    (prepared) =>
      Effect.flatMap(attempts(client, prepared), (exchanged) => finish(exchanged, prepared))
  )

/**
 * Runs the first attempt directly and, only when it failed with an error worth another
 * try, hands that failure to `withRetry`, which decides on it exactly as if it had made
 * the attempt itself. A request that succeeds at once never pays for the retry schedule.
 */
const attempts = (client: Client, prepared: Prepared): Effect.Effect<Exchanged, KernelError> => {
  const first = Effect.tap(attempt(client, prepared, 1), () => client.budget.onSuccess)
  return Effect.catchAll(first, (error) =>
    Effect.flatMap(FiberRef.get(StepAttempts), (step) => {
      const policy = retryPolicyFor(client, prepared.request, step.maxAttempts)
      const isRetryable = retryableFor(client, prepared.request)
      if (policy.maxAttempts <= 1 || !isRetryable(error)) return Effect.fail(error)
      const again = (n: number) => (n === 1 ? Effect.fail(error) : attempt(client, prepared, n))
      return withRetry(again, policy, {
        isRetryable,
        budget: client.budget,
        onRetry: countRetry
      })
    })
  )
}

const responseOf = (exchanged: Exchanged) => Effect.succeed(exchanged.response)

/** The request's own retry setting, else the step's attempt limit, else the client's. */
const retryPolicyFor = (
  client: Client,
  request: HttpRequest,
  stepMaxAttempts: number | undefined
): RetryPolicy => {
  if (request.retry !== undefined) return resolveRetryPolicy(client.retry, request.retry)
  if (stepMaxAttempts !== undefined) return { ...client.retry, maxAttempts: stepMaxAttempts }
  return client.retry
}

const retryableFor = (client: Client, request: HttpRequest) => {
  const keyed = request.idempotencyKey !== undefined && request.idempotencyKey !== ""
  const cacheKey = keyed ? `${request.method}+key` : request.method
  let rule = client.retryable.get(cacheKey)
  if (rule === undefined) {
    const shape = { method: request.method, idempotencyKey: keyed ? "key" : undefined }
    rule = (error: KernelError) => isRetryableFor(error, shape)
    client.retryable.set(cacheKey, rule)
  }
  return rule
}

const countRetry = (): Effect.Effect<void> =>
  Effect.map(FiberRef.get(StepAttempts), (counter) => {
    counter.retries++
  })

const safeMethods: ReadonlySet<HttpMethod> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])

const noSecrets: ReadonlySet<string> = new Set()

/** Builds the URL, the headers and the body once; every attempt sends them again. */
const prepare = (
  client: Client,
  request: HttpRequest,
  accept: string | undefined,
  filePath: string | undefined
): Effect.Effect<Prepared, KernelError> => {
  const url = requestUrl(client, request)
  if (!(url instanceof URL)) return Effect.fail(url)

  const headers: Record<string, string> = { "user-agent": client.userAgent }
  if (accept !== undefined) headers.accept = accept
  let secretValues: Array<string> | undefined
  let secretHeaders: Set<string> | undefined
  for (const name in request.headers) {
    const value = request.headers[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (typeof value === "string") {
      headers[lower] = value
    } else {
      const secret = Redacted.value(value)
      headers[lower] = secret
      if (secretValues === undefined || secretHeaders === undefined) {
        secretValues = []
        secretHeaders = new Set()
      }
      secretValues.push(secret)
      secretHeaders.add(lower)
    }
  }
  if (request.idempotencyKey !== undefined && headers[client.idempotencyHeader] === undefined) {
    headers[client.idempotencyHeader] = request.idempotencyKey
  }

  const prepared = (body: EncodedBody | undefined): Prepared => {
    if (body?.contentType !== undefined && headers["content-type"] === undefined) {
      headers["content-type"] = body.contentType
    }
    if (body?.contentLength !== undefined) headers["content-length"] = String(body.contentLength)
    const limits = client.config.rateLimitsFor?.(request)
    return {
      request,
      method: request.method,
      first: { method: request.method, url, headers, body },
      // A signed request is masked once its authorization is known (see `sign`).
      maskedUrl: undefined,
      credentialOrigins:
        client.baseOrigin === undefined || client.baseOrigin === url.origin
          ? [url.origin]
          : [url.origin, client.baseOrigin],
      requestSecrets: secretValues ?? [],
      signedWith: undefined,
      secrets: undefined,
      secretsFor: undefined,
      secretHeaders: secretHeaders ?? noSecrets,
      timeouts:
        request.timeouts === undefined
          ? client.timeouts
          : mergeTimeouts(client.timeouts, request.timeouts),
      maxResponseBytes: request.maxResponseBytes ?? client.maxResponseBytes,
      followRedirects: request.followRedirects ?? true,
      limits:
        limits === undefined || limits.length === 0 ? client.limits : [...client.limits, ...limits],
      unsafeToResend:
        !safeMethods.has(request.method) &&
        (request.idempotencyKey === undefined || request.idempotencyKey === ""),
      filePath,
      refreshed: false,
      attempts: 0
    }
  }

  return request.body === undefined
    ? Effect.succeed(prepared(undefined))
    : Effect.mapBoth(encodeBody(request.body), {
        onFailure: (error) =>
          new TransportError({
            integration: client.integration,
            method: request.method,
            url: maskUrl(url, client.secretNames, secretValues),
            reason: error.reason,
            requestSent: false,
            message: error.message
          }),
        onSuccess: prepared
      })
}

/** The base URL plus the request's path, or its absolute URL, with the query appended. */
const requestUrl = (client: Client, request: HttpRequest): URL | ValidationError => {
  const target = request.url
  const absolute = /^https?:\/\//i.test(target)
  let text =
    absolute || client.baseUrl === undefined
      ? target
      : `${client.baseUrl}${target.startsWith("/") || target === "" ? "" : "/"}${target}`
  if (request.query !== undefined) {
    const query = formUrlEncoded(request.query)
    if (query !== "") text += `${text.includes("?") ? "&" : "?"}${query}`
  }
  try {
    return new URL(text)
  } catch {
    const masked = maskUrl(text, client.secretNames)
    return new ValidationError({
      integration: client.integration,
      method: request.method,
      url: masked,
      issues: [{ path: "url", message: "not an absolute http(s) URL" }],
      message: `The request URL '${masked}' of ${client.integration} is not valid: give an absolute http(s) URL, or a path when the integration has a base URL`
    })
  }
}

/**
 * One attempt: wait for the rate limits, sign, send (refreshing the credential once),
 * classify. The attempt's span and log line come after signing, so its masked URL also
 * hides the credential's own values.
 */
const attempt = (
  client: Client,
  prepared: Prepared,
  n: number
): Effect.Effect<Exchanged, KernelError> => {
  prepared.attempts = n
  return withLimits(client, prepared, (responded) =>
    signing(client, prepared, (authorization) =>
      observed(
        client,
        prepared,
        n,
        Effect.flatMap(follow(client, prepared, authorization), (signed) =>
          Effect.zipRight(responded, settle(client, prepared, signed, n))
        )
      )
    )
  )
}

/**
 * Runs `send` once the request's rate limits allow one more request; the request counts
 * as in flight until `send` runs `responded` (when the response arrives) or ends.
 */
const withLimits = <A>(
  client: Client,
  prepared: Prepared,
  send: (responded: Effect.Effect<void>) => Effect.Effect<A, KernelError>
): Effect.Effect<A, KernelError> => {
  const limits = limitsFor(client, prepared)
  if (limits.length === 0) return send(Effect.void)
  const acquire = client.kernel.rateLimiters.limited(limits, send)
  const until = client.kernel.pausedUntil.get(client.rateKey)
  if (until === undefined) return acquire
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const waitMs = until - now
    const budgetMs = retryPolicyFor(client, prepared.request, undefined).budgetMs
    return waitMs > budgetMs
      ? Effect.fail(pausedTooLong(client, prepared, waitMs, budgetMs))
      : acquire
  })
}

/**
 * The provider said the credential's quota is spent until a time further away than the
 * retry budget allows waiting: fail now with the wait, rather than hold the step.
 */
const pausedTooLong = (client: Client, prepared: Prepared, waitMs: number, budgetMs: number) =>
  new RateLimitError({
    integration: client.integration,
    method: prepared.method,
    url: maskedUrlOf(client, prepared),
    retryAfterMs: waitMs,
    message:
      `The ${client.integration} rate limit for this credential resets in ` +
      `${Math.ceil(waitMs / 1000)} s, more than the retry budget of ${Math.round(budgetMs / 1000)} s ` +
      "allows waiting; run the step after the reset, or raise the retry budget"
  })

/** The request's limits, plus the client's key when this run paused it without a limit. */
const limitsFor = (client: Client, prepared: Prepared): ReadonlyArray<RateLimit> =>
  client.config.rateLimit === undefined && client.kernel.pausedUntil.has(client.rateKey)
    ? [...prepared.limits, { key: client.rateKey, limit: Number.POSITIVE_INFINITY, intervalMs: 0 }]
    : prepared.limits

/**
 * Runs `send` with the credential's headers and query for this attempt (asked anew each
 * time: the token may have been refreshed), or with none for an anonymous request.
 */
const signing = <A>(
  client: Client,
  prepared: Prepared,
  send: (authorization: Authorization | undefined) => Effect.Effect<A, KernelError>
): Effect.Effect<A, KernelError> =>
  client.authenticator === undefined || prepared.request.anonymous === true
    ? Effect.suspend(() => send(undefined))
    : Effect.flatMap(client.authenticator.authorize, (authorization) => {
        prepared.signedWith = authorization
        return send(authorization)
      })

/**
 * The attempt's span (`http.attempt`, with the integration, method, masked URL and attempt
 * number) and its debug log line. Effect's built-in tracer keeps spans nowhere, so under it
 * the span is left out: it costs a third of a call's CPU time and nobody could see it.
 * Any installed tracer (OpenTelemetry, a test's) gets every attempt's span.
 */
const observed = <A extends Exchanged>(
  client: Client,
  prepared: Prepared,
  n: number,
  effect: Effect.Effect<A, KernelError>
): Effect.Effect<A, KernelError> =>
  Effect.withFiberRuntime<A, KernelError>((fiber) => {
    const logged = LogLevel.greaterThan(
      fiber.getFiberRef(FiberRef.currentMinimumLogLevel),
      LogLevel.Debug
    )
      ? effect
      : withAttemptLog(client, prepared, n, effect)
    if (fiber.currentTracer === nativeTracer) return logged
    return Effect.withSpan(logged, "http.attempt", {
      captureStackTrace: false,
      attributes: {
        integration: client.integration,
        method: prepared.method,
        url: maskedUrlOf(client, prepared),
        attempt: n
      }
    })
  })

/** The tracer a fiber has when none is installed. */
const nativeTracer = Effect.runSync(Effect.tracer)

/** A sent request's outcome before classification, with what was signed. */
interface Signed {
  readonly exchanged: Exchanged
  readonly authorization: Authorization | undefined
  /** Whether the last hop carried the credential. */
  readonly signedLastHop: boolean
}

/**
 * After a response: pause the rate limit when the provider says the quota is spent,
 * refresh the credential once if it was refused (and send again), then classify. The
 * clock is read only when the response asks to wait or was refused.
 */
const settle = (
  client: Client,
  prepared: Prepared,
  signed: Signed,
  n: number
): Effect.Effect<Exchanged, KernelError> => {
  const { response } = signed.exchanged
  const refused = refusalOf(client, prepared, signed)
  if (refused === undefined && !asksToWait(response.headers)) {
    return classified(client, prepared, signed, Date.now())
  }

  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const pauseUntil = pauseFromHeaders(response.status, response.headers, now)
    const paused =
      pauseUntil === undefined
        ? Effect.void
        : Effect.suspend(() => {
            const known = client.kernel.pausedUntil.get(client.rateKey) ?? 0
            client.kernel.pausedUntil.set(client.rateKey, Math.max(known, pauseUntil))
            return client.kernel.rateLimiters.pauseUntil(client.rateKey, pauseUntil)
          })
    if (refused === undefined) {
      return Effect.zipRight(paused, classified(client, prepared, signed, now))
    }

    prepared.refreshed = true
    const again = withLimits(client, prepared, (responded) =>
      signing(client, prepared, (authorization) =>
        Effect.zipLeft(follow(client, prepared, authorization), responded)
      )
    )
    return Effect.zipRight(
      paused,
      Effect.flatMap(refused.refresh(refused.response), (refreshed) =>
        refreshed
          ? Effect.flatMap(again, (resent) => settle(client, prepared, resent, n))
          : Effect.fail(refusedError(response, responseContext(client, prepared, signed, now)))
      )
    )
  })
}

/** The response, or the error it means. */
const classified = (
  client: Client,
  prepared: Prepared,
  signed: Signed,
  nowMs: number
): Effect.Effect<Exchanged, KernelError> => {
  const error = classifyResponse(
    signed.exchanged.response,
    { custom: client.config.classify, acceptStatus: prepared.request.acceptStatus },
    () => responseContext(client, prepared, signed, nowMs)
  )
  return error === undefined ? Effect.succeed(signed.exchanged) : Effect.fail(error)
}

/** Whether a response may ask to wait: `Retry-After`, or a rate-limit quota at zero. */
const asksToWait = (headers: Readonly<Record<string, string>>): boolean =>
  headers["retry-after"] !== undefined ||
  headers["x-ratelimit-remaining"]?.trim() === "0" ||
  headers["ratelimit-remaining"]?.trim() === "0"

/**
 * When the credential signed the last hop, can be refreshed, was not yet refreshed for
 * this request, and the response says it was refused: what to refresh with.
 */
const refusalOf = (client: Client, prepared: Prepared, signed: Signed) => {
  const authenticator = client.authenticator
  if (
    authenticator?.refresh === undefined ||
    !signed.signedLastHop ||
    prepared.refreshed ||
    (authenticator.isRefused === undefined && signed.exchanged.response.status !== 401)
  ) {
    return undefined
  }
  const response = refusedView(signed.exchanged.response)
  const isRefused = authenticator.isRefused?.(response) ?? true
  return isRefused ? { refresh: authenticator.refresh, response } : undefined
}

const responseContext = (
  client: Client,
  prepared: Prepared,
  signed: Signed,
  nowMs: number
): ResponseContext => ({
  integration: client.integration,
  method: prepared.method,
  url: maskUrl(signed.exchanged.response.url, client.secretNames, secretsOf(prepared)),
  credentialId: signed.authorization === undefined ? undefined : client.authenticator?.credentialId,
  secrets: secretsOf(prepared),
  nowMs
})

/**
 * Every secret value of the request: the values of its `Redacted` headers and those of
 * the current attempt's authorization (and a token without its scheme: `Bearer x` gives
 * `x`). Worked out when an error, a log line or a span first needs them.
 */
const secretsOf = (prepared: Prepared): ReadonlyArray<string> => {
  const authorization = prepared.signedWith
  if (prepared.secrets !== undefined && prepared.secretsFor === authorization) {
    return prepared.secrets
  }
  const secrets = [...prepared.requestSecrets]
  if (authorization?.headers !== undefined) {
    for (const name in authorization.headers) {
      const value = Redacted.value(authorization.headers[name]!)
      secrets.push(value)
      const space = value.indexOf(" ")
      if (space > 0) secrets.push(value.slice(space + 1))
    }
  }
  if (authorization?.query !== undefined) {
    for (const name in authorization.query) secrets.push(Redacted.value(authorization.query[name]!))
  }
  for (const secret of authorization?.secrets ?? []) secrets.push(Redacted.value(secret))
  prepared.secrets = secrets
  prepared.secretsFor = authorization
  prepared.maskedUrl = undefined
  return secrets
}

/** The request's URL with every secret masked, for spans, logs and errors. */
const maskedUrlOf = (client: Client, prepared: Prepared): string => {
  const secrets = secretsOf(prepared)
  if (prepared.maskedUrl === undefined) {
    prepared.maskedUrl = maskUrl(prepared.first.url, client.secretNames, secrets)
  }
  return prepared.maskedUrl
}

const maxRefusedBodyText = 64 * 1024

const refusedView = (response: HttpResponse) => ({
  status: response.status,
  headers: response.headers,
  get bodyText() {
    const start = response.body.subarray(0, maxRefusedBodyText)
    return Buffer.from(start.buffer, start.byteOffset, start.length).toString("utf8")
  }
})

/** Sends the first hop and follows redirects, under one total deadline. */
const follow = (
  client: Client,
  prepared: Prepared,
  authorization: Authorization | undefined
): Effect.Effect<Signed, KernelError> => {
  const deadline = Date.now() + prepared.timeouts.totalMs
  let chain: RedirectState | undefined
  let rules: RedirectRules | undefined
  const step = (hop: Hop<EncodedBody>): Effect.Effect<Signed, KernelError> => {
    const signed =
      authorization !== undefined && prepared.credentialOrigins.includes(hop.url.origin)
    return Effect.flatMap(
      exchange(client, prepared, hop, signed ? authorization : undefined, deadline),
      (result) => {
        if (result.location === undefined) {
          return Effect.succeed({
            exchanged: result.exchanged,
            authorization,
            signedLastHop: signed
          })
        }
        chain ??= startChain(prepared.first)
        rules ??= {
          integration: client.integration,
          maxRedirects: client.maxRedirects,
          secretNames: client.secretNames,
          secretHeaders: prepared.secretHeaders
        }
        const next = nextHop(hop, result.exchanged.response.status, result.location, chain, rules)
        return next instanceof RedirectError ? Effect.fail(next) : step(next)
      }
    )
  }
  return step(prepared.first)
}

/** What one hop produced: the response, and where it redirects when it is followed. */
interface HopResult {
  readonly exchanged: Exchanged
  readonly location: string | undefined
}

/** Sends one hop with undici and reads its response; interruption aborts it. */
const exchange = (
  client: Client,
  prepared: Prepared,
  hop: Hop<EncodedBody>,
  authorization: Authorization | undefined,
  deadline: number
): Effect.Effect<HopResult, KernelError> =>
  Effect.async<HopResult, KernelError>((resume) => {
    const payload = hop.body?.payload()
    const handler = new ExchangeHandler(client, prepared, hop, payload, resume)
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      handler.expire()
      return
    }
    const route = client.kernel.routes.get(hop.url.origin)
    if (route === undefined && client.kernel.routesOnly && !isLoopbackHost(hop.url.hostname)) {
      resume(Effect.fail(notAllowedError(client, prepared, hop)))
      return
    }
    handler.arm(remaining)
    const options: Dispatcher.DispatchOptions = {
      origin: route ?? hop.url.origin,
      path: requestPath(hop.url, authorization),
      method: hop.method,
      headers: requestHeaders(hop, authorization, route),
      body: payload ?? null,
      headersTimeout: prepared.timeouts.headersMs,
      bodyTimeout: prepared.timeouts.bodyIdleMs
    }
    const agent =
      prepared.timeouts.connectMs === client.timeouts.connectMs
        ? client.agent
        : client.kernel.agentFor(client.integration, prepared.timeouts.connectMs)
    try {
      agent.dispatch(options, handler)
    } catch (error) {
      handler.onResponseError(undefined, error as Error)
    }
    return Effect.suspend(() => handler.interrupt())
  })

const isLoopbackHost = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname)

const notAllowedError = (client: Client, prepared: Prepared, hop: Hop<EncodedBody>) =>
  new TransportError({
    integration: client.integration,
    method: hop.method,
    url: maskedUrlOf(client, prepared),
    reason: "NotAllowed",
    requestSent: false,
    message:
      `A sandbox run sends only to the integrations' fakes and loopback addresses; the ` +
      `request to ${hop.url.origin} was not sent. Use a sandbox URL, or run the flow ` +
      "without --sandbox."
  })

const requestPath = (url: URL, authorization: Authorization | undefined): string => {
  const path = `${url.pathname}${url.search}`
  if (authorization?.query === undefined) return path
  let query = ""
  for (const name in authorization.query) {
    query += `${query === "" ? "" : "&"}${encodeURIComponent(name)}=${encodeURIComponent(Redacted.value(authorization.query[name]!))}`
  }
  if (query === "") return path
  return `${path}${url.search === "" ? "?" : "&"}${query}`
}

const requestHeaders = (
  hop: Hop<EncodedBody>,
  authorization: Authorization | undefined,
  route: string | undefined
): Record<string, string> => {
  if (authorization?.headers === undefined && route === undefined) {
    return hop.headers as Record<string, string>
  }
  const headers: Record<string, string> = { ...hop.headers }
  if (authorization?.headers !== undefined) {
    for (const name in authorization.headers) {
      headers[name.toLowerCase()] = Redacted.value(authorization.headers[name]!)
    }
  }
  if (route !== undefined) headers.host = hop.url.host
  return headers
}

/** How a response body is read. */
enum Mode {
  /** Into memory, within the size limit. */
  Memory,
  /** Read and dropped: the body of a redirect that is followed. */
  Discard,
  /** Streamed to the download file. */
  File
}

/** Most bytes of a followed redirect's body read before its connection is dropped. */
const maxDiscardBytes = 64 * 1024

const emptyBody = new Uint8Array(0)

/**
 * undici's view of one hop: it learns when the request is written (so a failure can tell
 * whether the server may have acted), collects the response, enforces the total deadline
 * and the size limit, and resumes the attempt's fiber exactly once.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  /** True once undici started writing the request to a connected socket. */
  private started = false
  private done = false
  private controller: Dispatcher.DispatchController | undefined
  private pendingAbort: Error | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private mode = Mode.Memory
  private status = 0
  private headers: Record<string, string> = {}
  private location: string | undefined
  private chunks: Array<Buffer> = []
  private received = 0
  private file: WriteStream | undefined

  constructor(
    private readonly client: Client,
    private readonly prepared: Prepared,
    private readonly hop: Hop<EncodedBody>,
    private readonly payload: ReturnType<EncodedBody["payload"]> | undefined,
    private readonly resume: (effect: Effect.Effect<HopResult, KernelError>) => void
  ) {}

  /** Starts the total deadline. */
  arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), ms)
  }

  /** The total deadline ran out. */
  expire(): void {
    this.fail(timeoutError("total", this.prepared.timeouts.totalMs, this.context()))
  }

  /** The attempt's fiber was interrupted; completes once the download file is closed. */
  interrupt(): Effect.Effect<void> {
    if (this.done) return Effect.void
    this.done = true
    this.cleanUp(abortedError(this.context()))
    const file = this.file
    return file === undefined || file.closed
      ? Effect.void
      : Effect.async<void>((resume) => {
          file.once("close", () => resume(Effect.void))
        })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.started = true
    this.controller = controller
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort)
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    rawHeaders: Record<string, string | Array<string> | undefined>
  ): void {
    if (this.done || status < 200) return
    this.controller = controller
    this.status = status
    const headers = normaliseHeaders(rawHeaders)
    this.headers = headers

    const location = headers.location
    if (this.prepared.followRedirects && location !== undefined && isRedirectStatus(status)) {
      this.mode = Mode.Discard
      this.location = location
      return
    }
    if (this.prepared.filePath !== undefined && status >= 200 && status < 300) {
      this.openFile(this.prepared.filePath)
      return
    }
    if (
      Number(headers["content-length"]) > this.prepared.maxResponseBytes &&
      this.hop.method !== "HEAD" &&
      status !== 204 &&
      status !== 304
    ) {
      this.tooLarge()
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return
    this.received += chunk.length
    switch (this.mode) {
      case Mode.Memory:
        if (this.received > this.prepared.maxResponseBytes) this.tooLarge()
        else this.chunks.push(chunk)
        return
      case Mode.Discard:
        if (this.received > maxDiscardBytes) this.finish(controller)
        return
      case Mode.File: {
        const file = this.file!
        if (!file.write(chunk)) {
          controller.pause()
          file.once("drain", () => controller.resume())
        }
        return
      }
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.done) return
    if (this.mode !== Mode.File) {
      this.finish(controller)
      return
    }
    const file = this.file!
    file.once("close", () => this.succeed(emptyBody, this.received))
    file.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.done) return
    this.fail(fromUndiciError(error, this.context(), this.prepared.timeouts))
  }

  private openFile(path: string): void {
    this.mode = Mode.File
    const file = createWriteStream(path)
    file.on("error", (error: NodeJS.ErrnoException) => {
      this.fail(
        new TransportError({
          integration: this.client.integration,
          method: this.prepared.method,
          url: maskedUrlOf(this.client, this.prepared),
          reason: "Aborted",
          requestSent: true,
          message: `The download of ${this.prepared.method} ${maskedUrlOf(this.client, this.prepared)} could not be written to the run's workspace (${error.code ?? "write error"}): check the free disk space and the workspace directory`
        })
      )
    })
    this.file = file
  }

  /** Ends the hop with the response read so far; drops the connection if body is left. */
  private finish(controller: Dispatcher.DispatchController): void {
    const body =
      this.mode === Mode.Memory && this.received > 0
        ? this.chunks.length === 1
          ? this.chunks[0]!
          : Buffer.concat(this.chunks, this.received)
        : emptyBody
    const complete = this.mode !== Mode.Discard || this.received <= maxDiscardBytes
    this.succeed(body, undefined)
    if (!complete) controller.abort(new Error("redirect body dropped"))
  }

  private succeed(body: Uint8Array, fileBytes: number | undefined): void {
    if (this.done) return
    this.done = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.closePayload()
    this.resume(
      Effect.succeed({
        exchanged: {
          response: {
            status: this.status,
            headers: this.headers,
            url: this.hop.url.href,
            body,
            attempts: this.prepared.attempts
          },
          fileBytes
        },
        location: this.location
      })
    )
  }

  /**
   * Ends the hop with an error. With a download file open, the fiber resumes only once the
   * file is closed, so a retry or the clean-up never races a write still in flight.
   */
  private fail(error: KernelError): void {
    if (this.done) return
    this.done = true
    this.cleanUp(error)
    const file = this.file
    if (file === undefined || file.closed) this.resume(Effect.fail(error))
    else file.once("close", () => this.resume(Effect.fail(error)))
  }

  private tooLarge(): void {
    const limit = this.prepared.maxResponseBytes
    this.fail(
      new ResponseTooLargeError({
        integration: this.client.integration,
        method: this.prepared.method,
        url: maskedUrlOf(this.client, this.prepared),
        status: this.status,
        requestId: requestIdOf(this.headers),
        limitBytes: limit,
        message: `The response to ${this.prepared.method} ${maskedUrlOf(this.client, this.prepared)} is larger than ${formatBytes(limit)}: download it to a file instead, or raise the response size limit`
      })
    )
  }

  /** Stops the timer, aborts the exchange and closes the file after a failure. */
  private cleanUp(reason: Error): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.chunks = []
    this.file?.destroy()
    this.closePayload()
    if (this.controller !== undefined) {
      if (!this.controller.aborted) this.controller.abort(reason)
    } else {
      this.pendingAbort = reason
    }
  }

  /** Closes a file stream undici did not read to the end (it was never sent, or failed). */
  private closePayload(): void {
    const payload = this.payload
    if (payload instanceof Readable && !payload.destroyed) payload.destroy()
  }

  private context(): FailureContext {
    return {
      integration: this.client.integration,
      method: this.prepared.method,
      url:
        this.hop === this.prepared.first
          ? maskedUrlOf(this.client, this.prepared)
          : maskUrl(this.hop.url, this.client.secretNames, secretsOf(this.prepared)),
      requestSent: this.started,
      unsafeToResend: this.prepared.unsafeToResend
    }
  }
}

/** Lower-case names (as undici gives them); repeated headers joined with `, `. */
const normaliseHeaders = (
  raw: Record<string, string | Array<string> | undefined>
): Record<string, string> => {
  let repeated = false
  for (const name in raw) {
    if (typeof raw[name] !== "string") {
      repeated = true
      break
    }
  }
  if (!repeated) return raw as Record<string, string>

  const headers: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

/** Reads the response as JSON and decodes it with the schema. */
const decodeJson = <A, I>(
  client: Client,
  prepared: Prepared,
  exchanged: Exchanged,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, DecodeError> => {
  const { response } = exchanged
  const text = Buffer.from(
    response.body.buffer,
    response.body.byteOffset,
    response.body.length
  ).toString("utf8")
  let value: unknown
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text)
    } catch {
      return Effect.fail(
        decodeError(
          client,
          prepared,
          response,
          `The response is not JSON (starts with '${excerptOf(maskText(text.slice(0, 64 * 1024), secretsOf(prepared)))}')`,
          undefined
        )
      )
    }
  }
  const decoded = Schema.decodeUnknownEither(schema)(value, { errors: "all" })
  if (Either.isRight(decoded)) return Effect.succeed(decoded.right)

  const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map(
    (issue): FieldIssue => ({
      path: issuePath(issue.path),
      message: maskText(issue.message, secretsOf(prepared))
    })
  )
  const first = issues[0]
  return Effect.fail(
    decodeError(
      client,
      prepared,
      response,
      `The response does not have the expected shape (${issues.length} issue${issues.length === 1 ? "" : "s"}${first === undefined ? "" : `, first at '${first.path}': ${excerptOf(first.message)}`})`,
      issues
    )
  )
}

const decodeError = (
  client: Client,
  prepared: Prepared,
  response: HttpResponse,
  what: string,
  issues: ReadonlyArray<FieldIssue> | undefined
) =>
  new DecodeError({
    integration: client.integration,
    method: prepared.method,
    url: maskUrl(response.url, client.secretNames, secretsOf(prepared)),
    status: response.status,
    requestId: requestIdOf(response.headers),
    issues,
    message: `${what}: ${client.integration} may have changed its API; report it with the request id`
  })

const issuePath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`
  }
  return out
}

const excerptOf = (text: string) => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length <= 80 ? line : `${line.slice(0, 79)}…`
}

/**
 * Streams a response body to a new file in the run's workspace. The body goes to a hidden
 * part file first; when the response is complete it gets its name (the `name` asked for,
 * else the `Content-Disposition` file name, else the URL's last segment), made unique in
 * the directory. A failed download leaves no file behind; a retry starts from scratch.
 */
const download = (
  client: Client,
  request: HttpRequest,
  name: string | undefined
): Effect.Effect<
  {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly file: FileRef
  },
  KernelError,
  Workspace
> =>
  Effect.flatMap(Workspace, (workspace) => {
    const partPath = join(workspace.directory, `.download-${randomUUID()}.part`)
    const removePart = Effect.promise(() => fs.rm(partPath, { force: true }))
    const downloaded = send(client, request, undefined, partPath, (exchanged) =>
      saveDownload(client, workspace.directory, partPath, exchanged, name)
    )
    return Effect.ensuring(downloaded, removePart)
  })

const saveDownload = (
  client: Client,
  directory: string,
  partPath: string,
  exchanged: Exchanged,
  name: string | undefined
) => {
  const { response } = exchanged
  const fileName = downloadName(name, response)
  return Effect.tryPromise({
    try: async () => {
      if (exchanged.fileBytes === undefined) await fs.writeFile(partPath, response.body)
      const path = await claimName(directory, fileName, partPath)
      const size = exchanged.fileBytes ?? response.body.length
      const file: FileRef = {
        path,
        name: basename(path),
        mimeType: mediaType(response.headers["content-type"]),
        size
      }
      return { status: response.status, headers: response.headers, file }
    },
    catch: (cause) =>
      new TransportError({
        integration: client.integration,
        url: maskUrl(response.url, client.secretNames),
        status: response.status,
        reason: "Aborted",
        requestSent: true,
        message: `The download could not be saved in the run's workspace (${(cause as NodeJS.ErrnoException).code ?? "write error"}): check the free disk space and the workspace directory`
      })
  })
}

/** Links the part file under `name`, or `name (2)`, `name (3)`, ... when taken. */
const claimName = async (directory: string, name: string, partPath: string): Promise<string> => {
  const extension = extname(name)
  const stem = name.slice(0, name.length - extension.length)
  for (let n = 1; n <= 1000; n++) {
    const candidate = join(directory, n === 1 ? name : `${stem} (${n})${extension}`)
    try {
      await fs.link(partPath, candidate)
      return candidate
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
  }
  const fallback = join(directory, `${stem}-${randomUUID()}${extension}`)
  await fs.link(partPath, fallback)
  return fallback
}

/** The file name of a download: asked for, from `Content-Disposition`, or from the URL. */
const downloadName = (asked: string | undefined, response: HttpResponse): string =>
  safeFileName(asked) ??
  safeFileName(dispositionFileName(response.headers["content-disposition"])) ??
  safeFileName(lastSegment(response.url)) ??
  "download"

const dispositionFileName = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (extended?.[2] !== undefined) {
    try {
      return decodeURIComponent(extended[2].trim())
    } catch {
      // Falls back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header)
  return plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2]
}

const lastSegment = (url: string): string | undefined => {
  try {
    const segments = new URL(url).pathname.split("/")
    const last = segments[segments.length - 1]
    return last === undefined || last === "" ? undefined : decodeURIComponent(last)
  } catch {
    return undefined
  }
}

/** A name without directories or control characters, or `undefined` when none is left. */
const safeFileName = (name: string | undefined): string | undefined => {
  if (name === undefined) return undefined
  const cleaned = withoutControlCharacters(basename(name.replace(/\\/g, "/"))).trim()
  if (cleaned === "" || cleaned === "." || cleaned === ".." || cleaned.startsWith(".download-")) {
    return undefined
  }
  return cleaned.length > 200 ? cleaned.slice(cleaned.length - 200) : cleaned
}

const withoutControlCharacters = (text: string): string => {
  let out = ""
  for (const char of text) {
    const code = char.charCodeAt(0)
    if (code >= 0x20 && code !== 0x7f) out += char
  }
  return out
}

const mediaType = (contentType: string | undefined): string => {
  const type = contentType?.split(";")[0]?.trim().toLowerCase()
  return type === undefined || type === "" ? "application/octet-stream" : type
}

/** Logs the attempt at debug level when it ends: where it went, its status, how long. */
const withAttemptLog = <A extends Exchanged>(
  client: Client,
  prepared: Prepared,
  n: number,
  effect: Effect.Effect<A, KernelError>
): Effect.Effect<A, KernelError> => {
  const startedAt = performance.now()
  return Effect.onExit(effect, (exit) =>
    Effect.logDebug("http attempt").pipe(
      Effect.annotateLogs({
        integration: client.integration,
        method: prepared.method,
        url: maskedUrlOf(client, prepared),
        status: exit._tag === "Success" ? exit.value.response.status : statusOfCause(exit.cause),
        attempt: n,
        durationMs: Math.round(performance.now() - startedAt)
      })
    )
  )
}

/** The status of a failed attempt's error, or its tag when it has none. */
const statusOfCause = (cause: Cause.Cause<KernelError>): number | string | undefined => {
  if (cause._tag !== "Fail") return cause._tag === "Interrupt" ? "interrupted" : undefined
  return cause.error.status ?? cause.error._tag
}

/** The base URL, or `undefined` when there is none or it is broken (requests then fail). */
const parseBaseUrl = (baseUrl: string | undefined): URL | undefined => {
  if (baseUrl === undefined) return undefined
  try {
    return new URL(baseUrl)
  } catch {
    return undefined
  }
}

const mergeTimeouts = (base: Timeouts, override: Partial<Timeouts> | undefined): Timeouts =>
  override === undefined
    ? base
    : {
        connectMs: override.connectMs ?? base.connectMs,
        headersMs: override.headersMs ?? base.headersMs,
        bodyIdleMs: override.bodyIdleMs ?? base.bodyIdleMs,
        totalMs: override.totalMs ?? base.totalMs
      }

const normaliseRoutes = (routes: ReadonlyMap<string, string> | undefined): Map<string, string> => {
  const out = new Map<string, string>()
  if (routes === undefined) return out
  for (const [logical, target] of routes) out.set(new URL(logical).origin, new URL(target).origin)
  return out
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`
    : bytes >= 1024
      ? `${Math.round((bytes / 1024) * 10) / 10} KiB`
      : `${bytes} bytes`
