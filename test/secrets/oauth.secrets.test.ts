/**
 * The secret-marker test of OAuth2: every code, code verifier, access token, refresh token
 * and client secret stays out of the logs of a browser sign-in, and out of everything a
 * run hands its host while its token manager refreshes, rotates and is refused, against
 * an authorization server that echoes them.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { connectCredential } from "../../src/auth/connectCredential.js"
import type { OAuth2Fields } from "../../src/auth/oauth2CredentialType.js"
import { oauth2Generic } from "../../src/auth/presets/generic.js"
import type { Credential } from "../../src/node/credentialType.js"
import { runFlow } from "../../src/runtime/runFlow.js"
import { captureLogs } from "../auth/logCapture.js"
import { findLeaks, markerOf } from "../support/secretMarker.js"
import type { FakeOAuthServer } from "./fakeOAuthServer.js"
import { startFakeOAuthServer } from "./fakeOAuthServer.js"
import { oauthProbeEntry } from "./oauthProbeIntegration.js"

let server: FakeOAuthServer

beforeAll(async () => {
  server = await startFakeOAuthServer()
})

afterAll(() => server.close())

/** The credential's fields as a user would save them, pointing at the fake. */
const fields = (extra: Record<string, unknown> = {}) => ({
  clientId: server.clientId,
  clientSecret: server.clientSecret,
  authorizationEndpoint: server.authorizationEndpoint,
  tokenEndpoint: server.tokenEndpoint,
  insecureLoopbackIssuer: true,
  ...extra
})

const past = new Date(Date.now() - 60_000).toISOString()

describe("OAuth2 secrets", () => {
  it.live("a browser sign-in logs no code, verifier, token or client secret", () =>
    Effect.gen(function* () {
      const logs = captureLogs()
      const opened: Array<string> = []
      let browser: Promise<unknown> = Promise.resolve()
      const decoded = yield* Schema.decodeUnknown(oauth2Generic.fields)(fields())
      const credential: Credential<OAuth2Fields> = {
        id: "signin",
        type: oauth2Generic.type,
        fields: decoded
      }

      const connected = yield* connectCredential(oauth2Generic, credential, {
        method: "browser",
        // The user's browser: follows the fake's redirect back to the loopback callback.
        openUrl: (url) =>
          Effect.sync(() => {
            opened.push(url)
            browser = fetch(url).then((response) => response.text())
          }),
        showCode: () => Effect.void,
        timeout: "10 seconds"
      }).pipe(Effect.provide(logs.layer))
      yield* Effect.promise(() => browser)

      expect(connected.fields.refreshToken).toEqual(expect.stringMatching(/^rpa-refresh-token-/))
      expect(server.tokenRequests("authorization_code")).toBe(1)
      expect(server.verifiers).toHaveLength(1)
      expect(logs.lines.length).toBeGreaterThan(0)
      const secrets = [...server.secrets()]
      expect(secrets.map((s) => s.label)).toEqual(
        expect.arrayContaining(["client secret", "code", "code verifier", "access-token"])
      )
      expect(findLeaks({ logs: logs.lines.join("\n") }, secrets)).toEqual([])
      // The URL shown to the user carries the code challenge, never the verifier or secret.
      expect(findLeaks({ url: opened.join("\n") }, secrets)).toEqual([])
    })
  )

  it.live("a run that refreshes, rotates and is refused hands its host no token", () =>
    Effect.gen(function* () {
      const stale = markerOf("stale access token", `rpa-stale-${randomBytes(16).toString("hex")}`)
      const live = server.connect()
      const dead = markerOf("revoked refresh token", `rpa-dead-${randomBytes(16).toString("hex")}`)
      const lines: Array<string> = []
      const events: Array<string> = []
      const flow = {
        version: 1,
        name: "OAuth2 secrets",
        steps: [
          { id: "call", credential: "crm", url: server.resourceUrl },
          { id: "refused", credential: "crm", url: `${server.resourceUrl}?reject=1` },
          { id: "revoked", credential: "gone", url: server.resourceUrl }
        ].map(({ id, credential, url }) => ({
          id,
          node: "oauthProbe.call",
          credential,
          onError: "continue",
          input: { url }
        }))
      }
      const credential = (tokens: Record<string, string>) =>
        JSON.stringify({ type: oauth2Generic.type, ...fields(tokens), expiresAt: past })

      const result = yield* Effect.promise(() =>
        runFlow(flow as never, {
          integrations: [oauthProbeEntry],
          env: {
            RPA_CREDENTIAL_CRM: credential({
              accessToken: stale.value,
              refreshToken: live.refreshToken
            }),
            RPA_CREDENTIAL_GONE: credential({ accessToken: stale.value, refreshToken: dead.value })
          },
          log: { level: "debug", format: "json", write: (line) => lines.push(line) },
          observer: { stepFinished: (event) => events.push(JSON.stringify(event)) }
        })
      )

      const steps = result.steps as Record<string, { status: string; error?: { _tag: string } }>
      expect(steps.call?.status).toBe("succeeded")
      expect(steps.refused?.error?._tag).toBe("AuthenticationError")
      expect(steps.revoked?.error?._tag).toBe("AuthenticationError")
      // Both expired tokens were sent for a refresh; the revoked one was refused.
      expect(server.tokenRequests("refresh_token")).toBeGreaterThanOrEqual(2)

      const secrets = [...server.secrets(), stale, dead]
      expect.soft(findLeaks({ result: JSON.stringify(result) }, secrets)).toEqual([])
      expect.soft(findLeaks({ logs: lines.join("\n") }, secrets)).toEqual([])
      expect.soft(findLeaks({ observer: events.join("\n") }, secrets)).toEqual([])
    })
  )
})
