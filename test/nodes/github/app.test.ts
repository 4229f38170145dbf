import { generateKeyPairSync } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Schema, TestClock } from "effect"
import { decodeJwt, decodeProtectedHeader } from "jose"
import { readPrivateKey, signAppJwt } from "../../../nodes/github/appToken.js"
import { app } from "../../../nodes/github/credentials.js"
import { githubOrigins, startGitHubFake } from "../../../nodes/github/fake.js"
import { listIssues } from "../../../nodes/github/listIssues.js"
import { sandboxApp, sandboxAppKeys } from "../../../nodes/github/sandboxApp.js"
import { CredentialSource } from "../../../src/auth/credentialSource.js"
import { testCredential } from "../../../src/auth/credentialTest.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import { githubHarness } from "./harness.js"

const start = Date.UTC(2025, 0, 6, 9, 0, 0)

const appCredential = (overrides: Record<string, unknown> = {}) => ({
  app: {
    appId: sandboxApp.appId,
    installationId: sandboxApp.installationId,
    privateKey: sandboxAppKeys().privateKeyPem,
    ...overrides
  }
})

const tokenRequests = (exchanges: ReadonlyArray<{ path: string }>) =>
  exchanges.filter((e) => e.path.startsWith("/app/installations/"))

describe("github.app credential", () => {
  it.scoped("signs a JWT, trades it for an installation token, and reuses the token", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({ credential: appCredential() })
      yield* run(listIssues, { repository: "acme/api" })
      yield* run(listIssues, { repository: "acme/web", limit: 5 })
      const exchanged = tokenRequests(fake.state.exchanges)
      expect(exchanged).toHaveLength(1)
      expect(exchanged[0]).toMatchObject({
        method: "POST",
        path: "/app/installations/1001/access_tokens",
        status: 201
      })
      expect(fake.state.installationTokens).toHaveLength(1)
      expect(
        fake.state.exchanges.filter((e) => e.path.endsWith("/issues")).map((e) => e.status)
      ).toEqual([200, 200])
    })
  )

  it.effect("dates the JWT a minute back and lets it live ten minutes at most", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const privateKey = yield* readPrivateKey(
        "gh-app",
        Redacted.make(sandboxAppKeys().privateKeyPem)
      )
      const jwt = yield* signAppJwt({
        credentialId: "gh-app",
        appId: "424242",
        installationId: "1",
        privateKey
      })
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: "RS256", typ: "JWT" })
      const claims = decodeJwt(jwt)
      expect(claims).toEqual({ iss: "424242", iat: start / 1000 - 60, exp: start / 1000 + 540 })
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(600)
    })
  )

  it.effect("reads a PKCS#1 key as GitHub hands it out, and refuses text that is not a key", () =>
    Effect.gen(function* () {
      const pkcs1 = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" }
      }).privateKey
      const key = yield* readPrivateKey("gh-app", Redacted.make(pkcs1))
      expect(key.asymmetricKeyType).toBe("rsa")
      const error = yield* Effect.flip(readPrivateKey("gh-app", Redacted.make("not a key")))
      expect(error.message).toContain("paste the whole .pem file")
      expect(error.message).not.toContain("not a key")
    })
  )

  it.scoped("renews the installation token five minutes before it expires", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({ credential: appCredential() })
      yield* run(listIssues, { repository: "acme/api" })
      yield* TestClock.adjust("54 minutes")
      yield* run(listIssues, { repository: "acme/api" })
      expect(fake.state.installationTokens).toHaveLength(1)
      yield* TestClock.adjust("2 minutes")
      yield* run(listIssues, { repository: "acme/api" })
      expect(fake.state.installationTokens).toHaveLength(2)
      expect(fake.state.exchanges.filter((e) => e.status === 401)).toEqual([])
    })
  )

  it.scoped("gets a new token once when GitHub refuses the current one", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { fake, run } = yield* githubHarness({ credential: appCredential() })
      yield* run(listIssues, { repository: "acme/api" })
      yield* TestClock.adjust("10 minutes")
      fake.state.tokens.delete(fake.state.installationTokens[0]!.token)
      const out = yield* run(listIssues, { repository: "acme/api" })
      expect(out).toMatchObject({ count: 2 })
      expect(fake.state.exchanges.map((e) => e.status)).toEqual([201, 200, 401, 201, 200])
    })
  )

  it.scoped("a key that is not the app's is an AuthenticationError about the key", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const other = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" }
      })
      const { run } = yield* githubHarness({
        credential: appCredential({ privateKey: other.privateKey })
      })
      const error = yield* Effect.flip(run(listIssues, { repository: "acme/api" }))
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toContain("private key")
    })
  )

  it.scoped("an unknown installation is an AuthenticationError naming it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const { run } = yield* githubHarness({ credential: appCredential({ installationId: "777" }) })
      const error = yield* Effect.flip(run(listIssues, { repository: "acme/api" }))
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toContain("installation 777")
    })
  )
})

describe("github.app credential test", () => {
  it.scoped("mints an installation token and lists the installation's repositories", () =>
    Effect.gen(function* () {
      const fake = yield* startGitHubFake()
      const routes = new Map(githubOrigins.map((origin) => [origin, fake.url]))
      const fields = yield* Schema.decodeUnknown(app.fields)(appCredential().app)
      const result = yield* testCredential(app, { id: "gh-app", type: "github.app", fields }).pipe(
        Effect.provide(
          Layer.mergeAll(
            HttpKernel.layer({ routes }),
            Layer.succeed(CredentialSource, {
              get: () => Effect.succeed(Option.none()),
              update: () => Effect.void
            })
          )
        )
      )
      expect(result.status).toBe("Passed")
      expect(result.identity).toMatch(/^an installation with \d+ repositories$/)
      expect(tokenRequests(fake.state.exchanges)).toHaveLength(1)
      expect(fake.state.exchanges.at(-1)).toMatchObject({
        method: "GET",
        path: "/installation/repositories",
        status: 200
      })
    })
  )
})
