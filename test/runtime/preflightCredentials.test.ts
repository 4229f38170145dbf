/**
 * Preflight refuses credentials that decode but cannot work, before anything is sent: an
 * OAuth2 credential whose authorization server is unknown or on plain http, a user's
 * grant that was never connected or whose token expired with no refresh token, and a
 * service account without a key. Grants that get their own tokens need no sign-in, and
 * sandbox credentials are never refused.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { integrations } from "../../nodes/index.js"
import type { StoredCredential } from "../../src/auth/credentialSource.js"
import { CredentialSource } from "../../src/auth/credentialSource.js"
import { makeEnvCredentialSource } from "../../src/auth/envCredentials.js"
import { loadFlowRegistry } from "../../src/runtime/catalog.js"
import { parseFlow } from "../../src/runtime/flow.js"
import { preflight } from "../../src/runtime/preflight.js"
import type { InvalidRun } from "../../src/runtime/runFlow.js"
import { exitCode, runFlowEffect } from "../../src/runtime/runFlow.js"
import { makeSecretRegistry, Secrets } from "../../src/runtime/secrets.js"
import { memorySource } from "../auth/memorySource.js"

/** One HTTP request step with the credential `api`. */
const flow = {
  version: 1 as const,
  name: "Call",
  steps: [
    { id: "call", node: "http.request", credential: "api", input: { url: "https://api.test/x" } }
  ]
}

/** An `oauth2.generic` credential `api` in the store, with the given fields. */
const stored = (fields: Record<string, unknown>): StoredCredential => ({
  id: "api",
  type: "oauth2.generic",
  origin: "store",
  fields: { clientId: "robot", ...fields }
})

/** The same credential in `RPA_CREDENTIAL_API`. */
const fromEnvironment = (fields: Record<string, unknown>) =>
  makeEnvCredentialSource({
    RPA_CREDENTIAL_API: JSON.stringify({ type: "oauth2.generic", clientId: "robot", ...fields })
  })

/** Preflight of the flow with the given credentials; nothing is sent. */
const check = (source: CredentialSource["Type"], options: { sandbox?: boolean } = {}) =>
  Effect.gen(function* () {
    const parsed = yield* parseFlow(flow)
    const registry = yield* loadFlowRegistry(parsed, integrations)
    return yield* preflight(parsed, registry, { sandbox: options.sandbox }).pipe(
      Effect.provideService(CredentialSource, source),
      Effect.provideService(Secrets, makeSecretRegistry())
    )
  })

/** The one issue preflight reports for the credential. */
const issueOf = (source: CredentialSource["Type"]) =>
  Effect.map(Effect.flip(check(source)), (error) => {
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]!.path).toBe("steps[0].credential")
    return error.issues[0]!.message
  })

const issuer = "https://login.example.test"

describe("preflight of credentials that decode but cannot work", () => {
  it.effect("refuses an OAuth2 credential that names neither an issuer nor a token endpoint", () =>
    Effect.gen(function* () {
      const message = yield* issueOf(fromEnvironment({}))
      expect(message).toContain('credential "api" (from RPA_CREDENTIAL_API) cannot be used')
      expect(message).toContain('set the field "issuer"')
      expect(message).toContain('"tokenEndpoint"')
      expect(message).toContain("fix the JSON in RPA_CREDENTIAL_API")

      const inStore = yield* issueOf(memorySource([stored({})]).service)
      expect(inStore).toContain("rpa-integrations credentials add api --type oauth2.generic")
    })
  )

  it.effect("refuses plain http:// unless it is a loopback issuer marked insecure", () =>
    Effect.gen(function* () {
      const remote = yield* issueOf(
        fromEnvironment({
          issuer: "http://login.example.test",
          accessToken: "a",
          refreshToken: "r"
        })
      )
      expect(remote).toContain("http://login.example.test is not an https:// address")
      const loopback = yield* issueOf(
        fromEnvironment({ issuer: "http://127.0.0.1:9", accessToken: "a", refreshToken: "r" })
      )
      expect(loopback).toContain('set the field "insecureLoopbackIssuer" to true')
      const marked = fromEnvironment({
        issuer: "http://127.0.0.1:9",
        insecureLoopbackIssuer: true,
        accessToken: "a",
        refreshToken: "r"
      })
      expect((yield* check(marked)).steps).toHaveLength(1)
    })
  )

  it.effect("refuses a user's grant that was never connected, naming the login command", () =>
    Effect.gen(function* () {
      const inStore = yield* issueOf(memorySource([stored({ issuer })]).service)
      expect(inStore).toBe(
        'credential "api" (from the credential store) is not connected yet: it holds no ' +
          "access token and no refresh token; connect it with " +
          "`rpa-integrations credentials login api`"
      )
      const device = yield* issueOf(
        memorySource([stored({ issuer, grant: "device_code" })]).service
      )
      expect(device).toContain("`rpa-integrations credentials login api`")
      const environment = yield* issueOf(fromEnvironment({ issuer }))
      expect(environment).toContain("is not connected yet")
      expect(environment).toContain("set RPA_CREDENTIAL_API to a connected credential")
    })
  )

  it.effect("refuses an access token that expired with no refresh token to renew it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-06-01T12:00:00Z"))
      const expired = stored({ issuer, accessToken: "a", expiresAt: "2025-06-01T11:00:00Z" })
      const message = yield* issueOf(memorySource([expired]).service)
      expect(message).toContain("expired at 2025-06-01T11:00:00.000Z")
      expect(message).toContain("connect it again with `rpa-integrations credentials login api`")

      const renewable = stored({
        issuer,
        accessToken: "a",
        refreshToken: "r",
        expiresAt: "2025-06-01T11:00:00Z"
      })
      const valid = stored({ issuer, accessToken: "a", expiresAt: "2025-06-01T13:00:00Z" })
      expect((yield* check(memorySource([renewable]).service)).steps).toHaveLength(1)
      expect((yield* check(memorySource([valid]).service)).steps).toHaveLength(1)
    })
  )

  it.effect("needs no sign-in for client credentials, nor for a service account with its key", () =>
    Effect.gen(function* () {
      const client = stored({
        tokenEndpoint: `${issuer}/token`,
        grant: "client_credentials",
        clientSecret: "s3cret-value"
      })
      expect((yield* check(memorySource([client]).service)).steps).toHaveLength(1)

      const key = JSON.stringify({
        client_email: "robot@example.test",
        private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
      })
      const account = stored({
        tokenEndpoint: `${issuer}/token`,
        grant: "jwt_bearer",
        serviceAccountKey: key
      })
      expect((yield* check(memorySource([account]).service)).steps).toHaveLength(1)
      const keyless = stored({ tokenEndpoint: `${issuer}/token`, grant: "jwt_bearer" })
      expect(yield* issueOf(memorySource([keyless]).service)).toContain(
        'set the field "serviceAccountKey"'
      )
    })
  )

  it.effect("leaves sandbox credentials alone", () =>
    Effect.gen(function* () {
      const plan = yield* check(memorySource([]).service, { sandbox: true })
      expect(plan.steps[0]?.credential?.origin).toBe("sandbox")
    })
  )

  it.effect("ends a run invalid (exit 2) before any step runs, never showing a secret", () =>
    Effect.gen(function* () {
      const outcome = yield* runFlowEffect(flow, {
        credentials: fromEnvironment({ clientSecret: "never-shown-7c1d" })
      })
      expect(outcome.status).toBe("invalid")
      expect(exitCode(outcome)).toBe(2)
      expect(outcome.steps).toEqual({})
      const error = (outcome as InvalidRun).error as { message: string }
      expect(error.message).toContain("names neither an issuer nor a token endpoint")
      expect(JSON.stringify(outcome)).not.toContain("never-shown-7c1d")
    })
  )
})
