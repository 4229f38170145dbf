/**
 * A one-node integration signed with an `oauth2.generic` credential, so a run goes through
 * the OAuth2 token manager (refresh, rotation, refresh after a refusal) against the fake
 * OAuth server: `oauthProbe.call` sends a GET to a URL and returns the status and body.
 *
 * @module
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { IntegrationEntry } from "../../nodes/index.js"
import { oauth2Generic } from "../../src/auth/presets/generic.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { defineNode } from "../../src/node/defineNode.js"

/** The probe's kernel client, signed with the step's OAuth2 credential. */
class OAuthProbe extends Context.Tag("test/OAuthProbe")<OAuthProbe, HttpClient>() {}

/** Sends a GET with the step's OAuth2 credential; fails with the kernel's typed errors. */
const call = defineNode({
  type: "oauthProbe.call",
  version: 1,
  title: "Call",
  description: "Sends a GET request signed with an OAuth2 credential.",
  category: "Test",
  credentials: { types: [oauth2Generic.type], required: true },
  input: Schema.Struct({ url: Schema.String }),
  output: Schema.Struct({ status: Schema.Number, body: Schema.Unknown }),
  run: (input) =>
    Effect.flatMap(OAuthProbe, (client) => client.request({ method: "GET", url: input.url })).pipe(
      Effect.map((response) => ({
        status: response.status,
        body: JSON.parse(Buffer.from(response.body).toString("utf8")) as unknown
      }))
    )
})

const integration = defineIntegration({
  name: "oauthProbe",
  title: "OAuth probe",
  description: "Calls a URL with an OAuth2 credential.",
  icon: "nodes/http/icon.svg",
  credentialTypes: [oauth2Generic],
  nodes: [call],
  layer: (context) =>
    Layer.effect(
      OAuthProbe,
      Effect.map(HttpKernel, (kernel) =>
        kernel.client({ integration: "oauthProbe", authenticator: context.authenticator })
      )
    )
})

/** The integration as `runFlow`'s `integrations` option takes it. */
export const oauthProbeEntry: IntegrationEntry = {
  name: "oauthProbe",
  load: () => Promise.resolve(integration)
}
