/**
 * OAuth 2.0 flows end to end against a real authorization server (oidc-provider on
 * 127.0.0.1), with headless Chromium going through its login and consent pages.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { connectCredential, revokeCredential } from "../../src/auth/connectCredential.js"
import { testCredential } from "../../src/auth/credentialTest.js"
import type { DeviceCodePrompt } from "../../src/auth/deviceSignIn.js"
import type { OAuth2Fields } from "../../src/auth/oauth2CredentialType.js"
import { oauth2Generic } from "../../src/auth/presets/generic.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { Credential } from "../../src/node/credentialType.js"
import type { ConsentChoice } from "../support/browser.js"
import { consentInBrowser, launchBrowser, type TestBrowser } from "../support/browser.js"
import {
  type OidcServer,
  robotSecret,
  startOidcServer,
  webAppSecret
} from "../support/oidcProvider.js"
import { captureLogs } from "./logCapture.js"
import { memorySource } from "./memorySource.js"

let server: OidcServer
let browser: TestBrowser
const logs = captureLogs()

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startOidcServer({ deviceInterval: 1 }), launchBrowser()])
})

afterAll(async () => {
  // Nothing any flow logged, at debug level, holds a token, code, verifier or secret.
  expect(logs.lines.length).toBeGreaterThan(0)
  expect(logs.leaks(server.secrets())).toEqual([])
  await Promise.all([server?.close(), browser?.close()])
})

const encoded = (fields: Record<string, unknown>) => ({
  issuer: server.issuer,
  insecureLoopbackIssuer: true,
  ...fields
})

const decode = (id: string, fields: Record<string, unknown>) =>
  Effect.map(
    Schema.decodeUnknown(oauth2Generic.fields)(encoded(fields)),
    (decoded): Credential<OAuth2Fields> => ({ id, type: oauth2Generic.type, fields: decoded })
  )

/** Signs in the way a user would, in the browser; resolves with the last page's text. */
const browserUser = (choice: ConsentChoice = "approve") => {
  let page: Promise<string> | undefined
  return {
    openUrl: (url: string) =>
      Effect.sync(() => {
        page = consentInBrowser(browser.context, url, choice)
      }),
    page: () => Effect.promise(() => page ?? Promise.resolve("")),
    showCode: (prompt: DeviceCodePrompt) =>
      Effect.sync(() => {
        page = consentInBrowser(
          browser.context,
          prompt.verificationUriComplete ?? prompt.verificationUri,
          choice
        )
      })
  }
}

const withLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, logs.layer)

/** Connects a credential in the browser and returns its saved fields. */
const connected = (id: string, fields: Record<string, unknown>) =>
  Effect.gen(function* () {
    const user = browserUser()
    const credential = yield* decode(id, fields)
    const result = yield* connectCredential(oauth2Generic, credential, {
      method: "browser",
      ...user
    })
    yield* user.page()
    const saved: Record<string, unknown> = { ...encoded(fields), ...result.fields }
    return saved
  })

describe("OAuth 2.0 against oidc-provider", () => {
  it.live("connects a public client in the browser with PKCE, through login and consent", () =>
    withLogs(
      Effect.gen(function* () {
        const user = browserUser()
        const before = server.tokenRequests("authorization_code")
        const credential = yield* decode("native", {
          clientId: "native-app",
          scopes: "openid api:read"
        })
        const result = yield* connectCredential(oauth2Generic, credential, {
          method: "browser",
          ...user
        })
        expect(yield* user.page()).toContain("The account is connected")
        expect(server.tokenRequests("authorization_code")).toBe(before + 1)
        expect(result.tokens.refreshToken).toBeDefined()
        expect(result.fields.grantedScopes).toContain("api:read")
        expect(
          yield* Effect.promise(() =>
            server.isAccessTokenActive(Redacted.value(result.tokens.accessToken))
          )
        ).toBe(true)

        const stored = {
          id: "native",
          type: oauth2Generic.type,
          origin: "store" as const,
          fields: { ...encoded({ clientId: "native-app" }), ...result.fields }
        }
        const tested = yield* testCredential(
          oauth2Generic,
          yield* decode("native", stored.fields)
        ).pipe(Effect.provide(Layer.merge(memorySource([stored]).layer, HttpKernel.layer())))
        expect(tested.status).toBe("Passed")
        expect(tested.identity).toBe("ada")
      })
    )
  )

  it.live("connects a confidential client that authenticates with client_secret_basic", () =>
    withLogs(
      Effect.gen(function* () {
        const fields = yield* connected("web", {
          clientId: "web-app",
          clientSecret: webAppSecret,
          clientAuthentication: "client_secret_basic",
          scopes: "openid api:write"
        })
        expect(fields.refreshToken).toEqual(expect.any(String))
        expect(fields.grantedScopes).toContain("api:write")
      })
    )
  )

  it.live("a declined consent ends the login with a clear message, shown in the browser too", () =>
    withLogs(
      Effect.gen(function* () {
        const user = browserUser("deny")
        const credential = yield* decode("native", { clientId: "native-app", scopes: "api:read" })
        const error = yield* Effect.flip(
          connectCredential(oauth2Generic, credential, { method: "browser", ...user })
        )
        expect(error.message).toContain("was declined (access_denied")
        expect(yield* user.page()).toContain("The account was not connected")
      })
    )
  )

  it.live("a redirect with this login's state but another issuer, or none, is refused", () =>
    withLogs(
      Effect.gen(function* () {
        const credential = yield* decode("native", { clientId: "native-app" })
        for (const forge of [
          (state: string) => ({ code: "forged", state, iss: "http://127.0.0.1:1" }),
          (state: string) => ({ code: "forged", state })
        ]) {
          let answered: Promise<number> = Promise.resolve(0)
          const openUrl = (url: string) =>
            Effect.sync(() => {
              const request = new URL(url)
              const callback = new URL(request.searchParams.get("redirect_uri")!)
              for (const [name, value] of Object.entries(
                forge(request.searchParams.get("state")!)
              )) {
                callback.searchParams.set(name, value)
              }
              answered = fetch(callback).then((response) => response.status)
            })
          const error = yield* Effect.flip(
            connectCredential(oauth2Generic, credential, {
              method: "browser",
              openUrl,
              showCode: () => Effect.void
            })
          )
          expect(error.message).toContain("does not match this login")
          expect(yield* Effect.promise(() => answered)).toBe(400)
        }
      })
    )
  )

  it.live(
    "a request with another state, or for another path, is ignored: the login waits for the browser",
    () =>
      withLogs(
        Effect.gen(function* () {
          const ignored: Array<{ readonly status: number; readonly body: string }> = []
          const get = (url: URL) =>
            fetch(url).then(async (response) => ({
              status: response.status,
              body: await response.text()
            }))
          // Another local process calls the callback before the browser comes back.
          let page: Promise<string> = Promise.resolve("")
          const openUrl = (url: string) =>
            Effect.sync(() => {
              const callback = new URL(new URL(url).searchParams.get("redirect_uri")!)
              const forged = new URL(callback)
              forged.search = "?code=abc&state=WRONG"
              const stateless = new URL(callback)
              stateless.search = "?code=abc"
              page = (async () => {
                ignored.push(
                  await get(forged),
                  await get(stateless),
                  await get(new URL("/favicon.ico", callback))
                )
                return consentInBrowser(browser.context, url)
              })()
            })
          const credential = yield* decode("native", {
            clientId: "native-app",
            scopes: "openid api:read"
          })
          const before = server.tokenRequests("authorization_code")
          const result = yield* connectCredential(oauth2Generic, credential, {
            method: "browser",
            openUrl,
            showCode: () => Effect.void
          })
          expect(ignored.map((answer) => answer.status)).toEqual([400, 400, 404])
          expect(ignored[0]!.body).toContain("does not belong to the sign-in in progress")
          expect(
            logs.lines.some((line) => line.includes("does not carry this login's state"))
          ).toBe(true)
          expect(yield* Effect.promise(() => page)).toContain("The account is connected")
          expect(server.tokenRequests("authorization_code")).toBe(before + 1)
          expect(result.tokens.refreshToken).toBeDefined()
        })
      )
  )

  it.live("connects with the device flow, approved in another browser", () =>
    withLogs(
      Effect.gen(function* () {
        const user = browserUser()
        const shown: Array<DeviceCodePrompt> = []
        const credential = yield* decode("tv", {
          clientId: "native-app",
          scopes: "openid offline_access"
        })
        const result = yield* connectCredential(oauth2Generic, credential, {
          method: "device",
          ...user,
          showCode: (prompt) =>
            Effect.zipRight(
              Effect.sync(() => shown.push(prompt)),
              user.showCode(prompt)
            )
        })
        expect(shown[0]?.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
        expect(shown[0]?.verificationUri).toBe(`${server.issuer}/device`)
        expect(result.tokens.refreshToken).toBeDefined()
        expect(yield* user.page()).toContain("Sign-in Success")
      })
    )
  )

  it.live("a declined device login stops polling with a clear message", () =>
    withLogs(
      Effect.gen(function* () {
        const user = browserUser("deny")
        const credential = yield* decode("tv", { clientId: "native-app", scopes: "api:read" })
        const error = yield* Effect.flip(
          connectCredential(oauth2Generic, credential, { method: "device", ...user })
        )
        expect(error.message).toContain("was declined (access_denied)")
        yield* user.page()
      })
    )
  )

  it.live("client credentials get a token without a login, and are tested by getting one", () =>
    withLogs(
      Effect.gen(function* () {
        const fields = encoded({
          clientId: "robot",
          clientSecret: robotSecret,
          clientAuthentication: "client_secret_basic",
          grant: "client_credentials",
          scopes: "api:read"
        })
        const stored = { id: "robot", type: oauth2Generic.type, origin: "store" as const, fields }
        const source = memorySource([stored])
        const credential = yield* decode("robot", fields)
        const before = server.tokenRequests("client_credentials")
        const authenticator = yield* Effect.provide(
          oauth2Generic.authenticate(credential),
          source.layer
        )
        const header = Redacted.value((yield* authenticator.authorize).headers!.authorization!)
        expect(header).toMatch(/^Bearer /)
        expect(yield* Effect.promise(() => server.isAccessTokenActive(header.slice(7)))).toBe(true)
        expect(server.tokenRequests("client_credentials")).toBe(before + 1)

        const tested = yield* Effect.provide(
          testCredential(oauth2Generic, credential),
          Layer.merge(memorySource([stored]).layer, HttpKernel.layer())
        )
        expect(tested).toEqual({ status: "Passed", checked: "an access token was issued" })
        expect(source.updates).toHaveLength(0)

        const login = yield* Effect.flip(
          connectCredential(oauth2Generic, credential, { method: "browser", ...browserUser() })
        )
        expect(login.message).toContain("needs no sign-in")
      })
    )
  )

  it.live(
    "refreshes an expired token with rotation: the old refresh token is dead, the new one saved",
    () =>
      withLogs(
        Effect.gen(function* () {
          const fields = yield* connected("native", {
            clientId: "native-app",
            scopes: "openid api:read"
          })
          const expired = { ...fields, expiresAt: new Date(Date.now() - 1000).toISOString() }
          const source = memorySource([
            { id: "native", type: oauth2Generic.type, origin: "store", fields: expired }
          ])
          const before = server.tokenRequests("refresh_token")
          const authenticator = yield* Effect.provide(
            oauth2Generic.authenticate(yield* decode("native", expired)),
            source.layer
          )
          const header = Redacted.value((yield* authenticator.authorize).headers!.authorization!)
          expect(server.tokenRequests("refresh_token")).toBe(before + 1)
          expect(header).not.toBe(`Bearer ${fields.accessToken}`)
          const saved = source.fields("native")
          expect(saved.refreshToken).not.toBe(fields.refreshToken)
          expect(
            yield* Effect.promise(() => server.isRefreshTokenActive(fields.refreshToken as string))
          ).toBe(false)
          expect(
            yield* Effect.promise(() => server.isRefreshTokenActive(saved.refreshToken as string))
          ).toBe(true)
        })
      )
  )

  it.live("revokes the grant when a credential is removed", () =>
    withLogs(
      Effect.gen(function* () {
        const fields = yield* connected("native", { clientId: "native-app", scopes: "api:read" })
        const before = server.revocations()
        const outcome = yield* revokeCredential(oauth2Generic, yield* decode("native", fields))
        expect(outcome).toBe("Revoked")
        expect(server.revocations()).toBe(before + 1)
        expect(
          yield* Effect.promise(() => server.isRefreshTokenActive(fields.refreshToken as string))
        ).toBe(false)
        expect(
          yield* revokeCredential(oauth2Generic, yield* decode("empty", { clientId: "native-app" }))
        ).toBe("NothingToRevoke")
      })
    )
  )

  it.live(
    "discovery refuses a plain-http issuer unless it is marked as an insecure loopback issuer",
    () =>
      Effect.gen(function* () {
        const credential = yield* decode("native", {
          clientId: "native-app",
          scopes: "api:read",
          insecureLoopbackIssuer: false
        })
        const error = yield* Effect.flip(
          connectCredential(oauth2Generic, credential, { method: "browser", ...browserUser() })
        )
        expect(error.message).toContain("is not on https://")
        expect(error.message).toContain("insecure loopback issuer")

        const remote = yield* decode("remote", {
          clientId: "x",
          issuer: "http://auth.example.test",
          insecureLoopbackIssuer: true
        })
        const refused = yield* Effect.flip(
          Effect.provide(oauth2Generic.authenticate(remote), memorySource([]).layer)
        )
        expect(refused.message).toContain("is not on 127.0.0.1, ::1 or localhost")
      })
  )
})
