/**
 * The `http` integration's service: a kernel client signed with the step's credential.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import type { HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"

/**
 * The `http` integration: a kernel client for any URL, with the kernel's retries, rate
 * limits, redirects, timeouts and file streaming. The step's credential (bearer, basic or
 * API key) signs each request to the request's own origin, and is dropped when a redirect
 * leaves that origin.
 */
export class Http extends Context.Tag("rpa/Http")<Http, HttpClient>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (context: IntegrationContext): Layer.Layer<Http, never, HttpKernel> =>
    Layer.effect(
      Http,
      Effect.map(HttpKernel, (kernel) =>
        kernel.client({ integration: "http", authenticator: context.authenticator })
      )
    )
}
