/**
 * Sandbox runs: every integration a flow uses is pointed at its fake server, started in
 * process on 127.0.0.1 for the run, so any flow can be tried offline.
 *
 * The kernel routes each fake's origins (`https://slack.com`) to the fake's URL. A
 * sandbox run reaches nothing else: a request to an origin that is not routed and not a
 * loopback address fails with a `TransportError` that says so, and nothing is sent.
 *
 * @module
 */
import type { Scope } from "effect"
import { Effect } from "effect"
import type { KernelError } from "../http/errors.js"
import { TransportError } from "../http/errors.js"
import type { ClientConfig, HttpClient, HttpKernel } from "../http/kernel.js"
import type { HttpRequest } from "../http/request.js"
import type { IntegrationDefinition } from "../node/defineIntegration.js"
import type { FlowError } from "./flowError.js"
import { flowError } from "./flowError.js"

/** Where a sandbox run sends each faked origin: origin to the fake's base URL. */
export type SandboxRoutes = ReadonlyMap<string, string>

/**
 * Starts the fake of each integration in the run's scope and returns the routes to them.
 * Fails before starting anything when an integration has no fake.
 */
export const startSandboxes = (
  integrations: ReadonlyArray<IntegrationDefinition>
): Effect.Effect<SandboxRoutes, FlowError, Scope.Scope> => {
  const missing = integrations.filter((integration) => integration.sandbox === undefined)
  if (missing.length > 0) {
    return Effect.fail(
      flowError("The flow cannot run in the sandbox:", [
        {
          path: "",
          message:
            `the integration(s) ${missing.map((i) => `"${i.name}"`).join(", ")} have no ` +
            "sandbox fake; run the flow without --sandbox"
        }
      ])
    )
  }
  return Effect.forEach(
    integrations,
    (integration) =>
      Effect.map(integration.sandbox!.start, ({ url }) =>
        integration.sandbox!.origins.map((origin) => [new URL(origin).origin, url] as const)
      ),
    { concurrency: "unbounded" }
  ).pipe(
    Effect.map((pairs) => new Map(pairs.flat())),
    Effect.tap((routes) =>
      Effect.logDebug("sandbox fakes started").pipe(
        Effect.annotateLogs({ routes: Object.fromEntries(routes) })
      )
    )
  )
}

/**
 * Wraps a kernel so that its clients send only to routed origins and loopback
 * addresses. A request anywhere else fails with a `TransportError` before it is sent.
 */
export const sandboxedKernel = (
  kernel: HttpKernel["Type"],
  routes: SandboxRoutes
): HttpKernel["Type"] => ({
  client: (config) => guardClient(kernel.client(config), config, routes)
})

/** True for `localhost`, `127.0.0.0/8` and `::1`: the machine itself. */
export const isLoopback = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase()
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
}

const guardClient = (
  client: HttpClient,
  config: ClientConfig,
  routes: SandboxRoutes
): HttpClient => {
  const check = <A, E, R>(
    request: HttpRequest,
    send: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | KernelError, R> => {
    const blocked = blockedOrigin(request, config, routes)
    return blocked === undefined
      ? send
      : Effect.fail(blockedError(blocked, request, config, routes))
  }
  return {
    integration: client.integration,
    request: (request) => check(request, client.request(request)),
    json: (request, schema) => check(request, client.json(request, schema)),
    download: (request, target) => check(request, client.download(request, target))
  }
}

const blockedOrigin = (
  request: HttpRequest,
  config: ClientConfig,
  routes: SandboxRoutes
): string | undefined => {
  let url: URL
  try {
    url = new URL(request.url, config.baseUrl)
  } catch {
    return undefined
  }
  return routes.has(url.origin) || isLoopback(url.hostname) ? undefined : url.origin
}

const blockedError = (
  origin: string,
  request: HttpRequest,
  config: ClientConfig,
  routes: SandboxRoutes
): TransportError =>
  new TransportError({
    integration: config.integration,
    method: request.method,
    url: origin,
    reason: "ConnectionRefused",
    requestSent: false,
    message:
      `A sandbox run reaches only the integrations' fakes (${[...routes.keys()].join(", ")}) ` +
      `and loopback addresses; the request to ${origin} was not sent. Use a sandbox URL, ` +
      "or run the flow without --sandbox."
  })
