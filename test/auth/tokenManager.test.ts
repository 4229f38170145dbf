import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import type { StoredCredential } from "../../src/auth/credentialSource.js"
import {
  CredentialStore,
  layerStoreCredentialSource,
  makeCredentialStore
} from "../../src/auth/credentialStore.js"
import type { OAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { makeOAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { withServer } from "../../src/auth/oauth2Preset.js"
import { genericPreset } from "../../src/auth/presets/generic.js"
import { storeLocationIn } from "../../src/auth/storeLocation.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import {
  type FakeTokenServer,
  type FakeTokenServerOptions,
  fakeClient,
  startFakeTokenServer
} from "./fakeTokenServer.js"
import { captureLogs } from "./logCapture.js"
import { memorySource } from "./memorySource.js"

const fakeServer = (
  options?: FakeTokenServerOptions
): Effect.Effect<FakeTokenServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeTokenServer(options)),
    (server) => Effect.promise(() => server.close())
  )

const credentialTypeFor = (server: FakeTokenServer): OAuth2CredentialType =>
  makeOAuth2CredentialType(
    withServer(genericPreset, {
      issuer: server.origin,
      tokenEndpoint: server.tokenEndpoint,
      revocationEndpoint: server.revocationEndpoint,
      userinfoEndpoint: server.userinfoEndpoint,
      insecureLoopbackIssuer: true
    })
  )

const past = new Date(Date.now() - 60_000).toISOString()

const stored = (
  id: string,
  fields: Record<string, unknown>,
  origin: StoredCredential["origin"] = "store"
) => ({
  id,
  type: "oauth2.generic",
  origin,
  fields: { clientId: fakeClient.id, clientSecret: fakeClient.secret, ...fields }
})

/** The credential's authenticator, decoded from what the source holds, as a run builds it. */
const authenticatorOf = (type: OAuth2CredentialType, credential: StoredCredential) =>
  Effect.flatMap(Schema.decodeUnknown(type.fields)(credential.fields), (fields) =>
    type.authenticate({ id: credential.id, type: type.type, fields })
  )

const bearer = (authenticator: Authenticator) =>
  Effect.map(authenticator.authorize, (a) => Redacted.value(a.headers!.authorization!))

const callResource = (server: FakeTokenServer, header: string) =>
  Effect.promise(() =>
    fetch(server.resourceUrl, { headers: { authorization: header } }).then((r) => r.status)
  )

describe("token manager", () => {
  it.scopedLive(
    "50 concurrent steps with an expired token share one refresh, and all succeed",
    () =>
      Effect.gen(function* () {
        const server = yield* fakeServer({ delayMs: 50 })
        const logs = captureLogs()
        const tokens = server.connect()
        const credential = stored("crm", { ...tokens, expiresAt: past })
        const source = memorySource([credential])
        const type = credentialTypeFor(server)

        const headers = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          () => Effect.flatMap(authenticatorOf(type, credential), bearer),
          { concurrency: "unbounded" }
        ).pipe(Effect.provide(Layer.merge(source.layer, logs.layer)))

        expect(server.tokenRequests("refresh_token")).toBe(1)
        expect(new Set(headers).size).toBe(1)
        expect(headers[0]).not.toBe(`Bearer ${tokens.accessToken}`)
        expect(yield* callResource(server, headers[0]!)).toBe(200)
        expect(source.updates).toHaveLength(1)
        expect(server.isRefreshTokenActive(tokens.refreshToken)).toBe(false)
        expect(server.isRefreshTokenActive(source.fields("crm").refreshToken as string)).toBe(true)
        expect(logs.leaks(server.secrets())).toEqual([])
      })
  )

  it.scopedLive("a fresh token is used without any token request", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const tokens = server.connect()
      const future = new Date(Date.now() + 3_600_000).toISOString()
      const credential = stored("crm", { ...tokens, expiresAt: future })
      const source = memorySource([credential])
      const header = yield* Effect.flatMap(
        authenticatorOf(credentialTypeFor(server), credential),
        bearer
      ).pipe(Effect.provide(source.layer))
      expect(header).toBe(`Bearer ${tokens.accessToken}`)
      expect(server.tokenRequests()).toBe(0)
    })
  )

  it.scopedLive("a token inside the refresh skew is renewed before it expires", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const tokens = server.connect()
      const soon = new Date(Date.now() + 30_000).toISOString()
      const credential = stored("crm", { ...tokens, expiresAt: soon })
      const source = memorySource([credential])
      const header = yield* Effect.flatMap(
        authenticatorOf(credentialTypeFor(server), credential),
        bearer
      ).pipe(Effect.provide(source.layer))
      expect(header).not.toBe(`Bearer ${tokens.accessToken}`)
      expect(server.tokenRequests("refresh_token")).toBe(1)
    })
  )

  it.scopedLive("a credential holding only a refresh token renews it before the first call", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const tokens = server.connect()
      const credential = stored("crm", { refreshToken: tokens.refreshToken }, "environment")
      const source = memorySource([credential])
      const header = yield* Effect.flatMap(
        authenticatorOf(credentialTypeFor(server), credential),
        bearer
      ).pipe(Effect.provide(source.layer))
      expect(server.tokenRequests("refresh_token")).toBe(1)
      expect(header).toMatch(/^Bearer \S+$/)
      expect(yield* callResource(server, header)).toBe(200)
    })
  )

  it.scopedLive("rotated refresh tokens survive three restarts through the store file", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer({ accessTokenTtl: 30 })
      const logs = captureLogs()
      const directory = mkdtempSync(join(tmpdir(), "rpa-store-"))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
      )
      const location = storeLocationIn(directory)
      const type = credentialTypeFor(server)
      const first = server.connect()
      const initial = yield* makeCredentialStore(location)
      yield* initial.put("crm", type.type, stored("crm", { ...first, expiresAt: past }).fields)

      const seen: Array<string> = [first.refreshToken]
      for (let cycle = 1; cycle <= 3; cycle++) {
        // A new process: a new store and a new token manager, reading the file.
        const store = yield* makeCredentialStore(location)
        const credential = Option.getOrThrow(yield* store.get("crm"))
        expect(credential.fields.refreshToken).toBe(seen.at(-1))
        const layer = Layer.provide(
          layerStoreCredentialSource,
          Layer.succeed(CredentialStore, store)
        )
        const header = yield* Effect.flatMap(authenticatorOf(type, credential), bearer).pipe(
          Effect.provide(Layer.merge(layer, logs.layer))
        )
        expect(yield* callResource(server, header)).toBe(200)
        expect(server.tokenRequests("refresh_token")).toBe(cycle)
        const saved = Option.getOrThrow(yield* (yield* makeCredentialStore(location)).get("crm"))
        seen.push(saved.fields.refreshToken as string)
        expect(server.isRefreshTokenActive(seen.at(-1)!)).toBe(true)
        expect(server.isRefreshTokenActive(seen.at(-2)!)).toBe(false)
      }
      expect(new Set(seen).size).toBe(4)
      expect(logs.lines.join("\n")).not.toContain("invalid_grant")
      expect(logs.leaks(server.secrets())).toEqual([])
    })
  )

  it.scopedLive("two processes sharing a store renew a credential once: the others adopt it", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer({ delayMs: 100 })
      const logs = captureLogs()
      const directory = mkdtempSync(join(tmpdir(), "rpa-store-"))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
      )
      const location = storeLocationIn(directory)
      const type = credentialTypeFor(server)
      const tokens = server.connect()
      const initial = yield* makeCredentialStore(location)
      yield* initial.put("crm", type.type, stored("crm", { ...tokens, expiresAt: past }).fields)

      // Each "process" has its own store instance and credential source, so its own manager.
      const process = Effect.gen(function* () {
        const store = yield* makeCredentialStore(location)
        const credential = Option.getOrThrow(yield* store.get("crm"))
        const layer = Layer.provide(
          layerStoreCredentialSource,
          Layer.succeed(CredentialStore, store)
        )
        return yield* Effect.flatMap(authenticatorOf(type, credential), bearer).pipe(
          Effect.provide(Layer.merge(layer, logs.layer))
        )
      })
      const headers = yield* Effect.all([process, process, process], { concurrency: "unbounded" })

      expect(server.tokenRequests("refresh_token")).toBe(1)
      expect(new Set(headers).size).toBe(1)
      expect(yield* callResource(server, headers[0]!)).toBe(200)
      expect(readdirSync(directory).filter((name) => name.endsWith(".lock"))).toEqual([])
      expect(logs.leaks(server.secrets())).toEqual([])
    })
  )

  it.scopedLive(
    "invalid_grant asks to reconnect after a single token request, and is remembered",
    () =>
      Effect.gen(function* () {
        const server = yield* fakeServer()
        const credential = stored("crm", {
          accessToken: "at-old",
          refreshToken: "rt-revoked",
          expiresAt: past
        })
        const source = memorySource([credential])
        const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
          Effect.provide(source.layer)
        )
        const error = yield* Effect.flip(authenticator.authorize)
        expect(error._tag).toBe("AuthenticationError")
        expect(error.reconnect).toBe(true)
        expect(error.credential).toBe("crm")
        expect(error.message).toContain("reconnect the credential 'crm'")
        expect(error.message).toContain("invalid_grant")
        expect(server.tokenRequests()).toBe(1)

        const again = yield* Effect.flip(authenticator.authorize)
        expect(again.message).toContain("reconnect the credential 'crm'")
        expect(
          yield* Effect.flip(authenticator.refresh!({ status: 401, headers: {}, bodyText: "" }))
        ).toBe(again)
        expect(server.tokenRequests()).toBe(1)
        expect(source.updates).toHaveLength(0)
      })
  )

  it.scopedLive("an expired token without a refresh token is reported expired, never reused", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const credential = stored("crm", { accessToken: "at-only", expiresAt: past })
      const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
        Effect.provide(memorySource([credential]).layer)
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.reconnect).toBe(true)
      expect(error.message).toContain(`expired at ${past}`)
      expect(error.message).toContain("reconnect the credential 'crm'")
      expect(server.tokenRequests()).toBe(0)
    })
  )

  it.scopedLive("a refused token without a refresh token asks to reconnect", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const credential = stored("crm", { accessToken: "at-forever" })
      const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
        Effect.provide(memorySource([credential]).layer)
      )
      expect(yield* bearer(authenticator)).toBe("Bearer at-forever")
      const error = yield* Effect.flip(
        authenticator.refresh!({ status: 401, headers: {}, bodyText: "" })
      )
      expect(error.message).toContain("no refresh token")
      expect(error.message).toContain("reconnect the credential 'crm'")
      expect(server.tokenRequests()).toBe(0)
    })
  )

  it.scopedLive("a refusal refreshes once, shared by concurrent callers", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer({ delayMs: 30 })
      const tokens = server.connect()
      const future = new Date(Date.now() + 3_600_000).toISOString()
      const credential = stored("crm", { ...tokens, expiresAt: future })
      const source = memorySource([credential])
      const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
        Effect.provide(source.layer)
      )
      const refused = { status: 401, headers: {}, bodyText: '{"error":"invalid_token"}' }
      expect(authenticator.isRefused!(refused)).toBe(true)
      expect(authenticator.isRefused!({ ...refused, status: 403 })).toBe(false)
      const answers = yield* Effect.all(
        Array.from({ length: 10 }, () => authenticator.refresh!(refused)),
        { concurrency: "unbounded" }
      )
      expect(answers.every((answer) => answer)).toBe(true)
      expect(server.tokenRequests("refresh_token")).toBe(1)
      expect(yield* bearer(authenticator)).not.toBe(`Bearer ${tokens.accessToken}`)
    })
  )

  it.scopedLive(
    "client credentials tokens are requested again when they expire, and not saved",
    () =>
      Effect.gen(function* () {
        const server = yield* fakeServer({ accessTokenTtl: 1 })
        const credential = stored("robot", { grant: "client_credentials", scopes: "read write" })
        const source = memorySource([credential])
        const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
          Effect.provide(source.layer)
        )
        const first = yield* bearer(authenticator)
        expect(yield* bearer(authenticator)).toBe(first)
        expect(server.tokenRequests("client_credentials")).toBe(1)
        yield* Effect.sleep("600 millis")
        const second = yield* bearer(authenticator)
        expect(second).not.toBe(first)
        expect(server.tokenRequests("client_credentials")).toBe(2)
        expect(source.updates).toHaveLength(0)
      })
  )

  it.scopedLive(
    "a credential from the environment keeps working; the log says once it was not saved",
    () =>
      Effect.gen(function* () {
        const server = yield* fakeServer({ accessTokenTtl: 1, rotate: false })
        const logs = captureLogs()
        const tokens = server.connect()
        const credential = stored("env-crm", { ...tokens, expiresAt: past }, "environment")
        const source = memorySource([credential])
        const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
          Effect.provide(source.layer)
        )
        const run = Effect.provide(bearer(authenticator), logs.layer)
        const first = yield* run
        yield* Effect.sleep("600 millis")
        const second = yield* run
        expect(second).not.toBe(first)
        expect(server.tokenRequests("refresh_token")).toBe(2)
        const notices = logs.lines.filter((line) => line.includes("was not saved"))
        expect(notices).toHaveLength(1)
        expect(notices[0]).toContain("env-crm")
        expect(logs.leaks(server.secrets())).toEqual([])
      })
  )

  it.scopedLive(
    "when saving fails the new token is not used, and is saved before its next use",
    () =>
      Effect.gen(function* () {
        const server = yield* fakeServer()
        const tokens = server.connect()
        const credential = stored("crm", { ...tokens, expiresAt: past })
        const source = memorySource([credential])
        const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
          Effect.provide(source.layer)
        )
        source.failUpdates(1)
        const error = yield* Effect.flip(authenticator.authorize)
        expect(error.message).toContain("Could not save the renewed token of credential 'crm'")
        expect(server.tokenRequests("refresh_token")).toBe(1)

        const header = yield* bearer(authenticator)
        expect(server.tokenRequests("refresh_token")).toBe(1)
        expect(source.updates).toHaveLength(1)
        expect(header).toBe(`Bearer ${source.fields("crm").accessToken as string}`)
        expect(server.isRefreshTokenActive(source.fields("crm").refreshToken as string)).toBe(true)
      })
  )

  it.scopedLive("tokens another process saved are adopted instead of refreshing", () =>
    Effect.gen(function* () {
      const server = yield* fakeServer()
      const old = server.connect()
      const credential = stored("crm", { ...old, expiresAt: past })
      const source = memorySource([credential])
      const authenticator = yield* authenticatorOf(credentialTypeFor(server), credential).pipe(
        Effect.provide(source.layer)
      )
      const newer = server.connect()
      source.set("crm", { ...newer, expiresAt: new Date(Date.now() + 3_600_000).toISOString() })
      expect(yield* bearer(authenticator)).toBe(`Bearer ${newer.accessToken}`)
      expect(server.tokenRequests()).toBe(0)
    })
  )
})
