/**
 * The GitHub preset against a fake of github.com's OAuth endpoints: form-encoded answers
 * unless JSON is asked for, errors with HTTP 200, the device flow with `slow_down` that
 * names the new interval, GitHub app tokens that expire and rotate their refresh token.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema, TestClock } from "effect"
import { connectCredential } from "../../../src/auth/connectCredential.js"
import { testCredential } from "../../../src/auth/credentialTest.js"
import type { OAuth2CredentialType, OAuth2Fields } from "../../../src/auth/oauth2CredentialType.js"
import { makeOAuth2CredentialType } from "../../../src/auth/oauth2CredentialType.js"
import { allowInsecureLoopback } from "../../../src/auth/oauth2Preset.js"
import { githubPreset } from "../../../src/auth/presets/github.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import type { Credential } from "../../../src/node/credentialType.js"
import { memorySource } from "../memorySource.js"
import {
  fakeBrowserUser,
  form,
  json,
  pkceMatches,
  type Recorded,
  runWithTestClock,
  startFake,
  token,
  waitUntil
} from "./fakeHttp.js"

const app = { id: "Iv1.8a61f9b3a7aba766", secret: "fake-github-client-secret" }

type DeviceAnswer =
  | "authorization_pending"
  | { readonly slowDown: number }
  | "access_denied"
  | "expired_token"
  | "approve"

interface GitHubFakeOptions {
  /** Answer form-encoded even when JSON is asked for. */
  readonly formOnly?: boolean
  /** A GitHub app: tokens expire after 8 hours and come with a refresh token. */
  readonly expiring?: boolean
  readonly device?: Array<DeviceAnswer>
}

/** A fake of github.com's OAuth endpoints and the `/user` API. */
const startGitHub = (options: GitHubFakeOptions = {}) => {
  const codes = new Map<string, string | undefined>()
  const accessTokens = new Set<string>()
  const refreshTokens = new Set<string>()
  const answer = (
    request: Recorded & { response: Parameters<typeof json>[0] },
    body: Record<string, string | number>
  ) =>
    !options.formOnly && (request.headers.accept ?? "").includes("application/json")
      ? json(request.response, 200, body)
      : form(request.response, 200, body)
  const tokens = (): Record<string, string | number> => {
    const access = token(options.expiring ? "ghu_" : "gho_")
    accessTokens.add(access)
    if (!options.expiring) return { access_token: access, token_type: "bearer", scope: "repo,gist" }
    const refresh = token("ghr_")
    refreshTokens.add(refresh)
    return {
      access_token: access,
      expires_in: 28800,
      refresh_token: refresh,
      refresh_token_expires_in: 15897600,
      token_type: "bearer",
      scope: ""
    }
  }
  return startFake((request) => {
    const { response, path, query, form: body } = request
    if (path === "/login/oauth/authorize") {
      const code = token("")
      codes.set(code, query.get("code_challenge") ?? undefined)
      const redirect = new URL(query.get("redirect_uri")!)
      redirect.searchParams.set("code", code)
      redirect.searchParams.set("state", query.get("state")!)
      response.writeHead(302, { location: redirect.href }).end()
      return
    }
    if (path === "/login/device/code") {
      return answer(request, {
        device_code: token(""),
        user_code: "WDJB-MJHT",
        verification_uri: "https://github.com/login/device",
        expires_in: 899,
        interval: 5
      })
    }
    if (path === "/login/oauth/access_token") {
      if (body.get("client_id") !== app.id || body.get("client_secret") !== app.secret) {
        return answer(request, {
          error: "incorrect_client_credentials",
          error_description: "The client_id and/or client_secret passed are incorrect."
        })
      }
      const grant = body.get("grant_type")
      if (grant === "refresh_token") {
        if (!refreshTokens.delete(body.get("refresh_token") ?? "")) {
          return answer(request, {
            error: "bad_refresh_token",
            error_description: "The refresh token passed is incorrect or expired."
          })
        }
        return answer(request, tokens())
      }
      if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
        const next = options.device?.shift() ?? "authorization_pending"
        if (next === "approve") return answer(request, tokens())
        if (typeof next === "object") {
          return answer(request, {
            error: "slow_down",
            error_description: "Too many requests have been made in the same timeframe.",
            interval: next.slowDown
          })
        }
        return answer(request, { error: next, error_description: next })
      }
      const code = body.get("code") ?? ""
      if (!codes.has(code) || !pkceMatches(body.get("code_verifier"), codes.get(code))) {
        return answer(request, {
          error: "bad_verification_code",
          error_description: "The code passed is incorrect or expired."
        })
      }
      codes.delete(code)
      return answer(request, tokens())
    }
    if (path === "/user") {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1]
      if (request.headers["user-agent"] === undefined)
        return json(response, 403, { message: "Request forbidden by administrative rules." })
      if (bearer === undefined || !accessTokens.has(bearer))
        return json(response, 401, { message: "Bad credentials" })
      return json(response, 200, { login: "octocat", id: 1 })
    }
    return json(response, 404, { message: "Not Found" })
  })
}

const typeFor = (origin: string): OAuth2CredentialType =>
  makeOAuth2CredentialType(
    allowInsecureLoopback(githubPreset({ host: origin, apiUrl: origin, scopes: ["repo"] }))
  )

const decode = (type: OAuth2CredentialType, fields: Record<string, unknown>) =>
  Effect.map(
    Schema.decodeUnknown(type.fields)(fields),
    (decoded): Credential<OAuth2Fields> => ({ id: "gh", type: type.type, fields: decoded })
  )

const appFields = { clientId: app.id, clientSecret: app.secret }

describe("GitHub preset", () => {
  it.scopedLive("asks the token endpoint for JSON, and reads its form-encoded answer too", () =>
    Effect.gen(function* () {
      for (const formOnly of [false, true]) {
        const fake = yield* startGitHub({ formOnly })
        const type = typeFor(fake.origin)
        const connected = yield* connectCredential(type, yield* decode(type, appFields), {
          method: "browser",
          ...fakeBrowserUser()
        })
        const exchange = fake.received("/login/oauth/access_token")[0]!
        expect(exchange.headers.accept).toContain("application/json")
        expect(connected.fields.accessToken).toMatch(/^gho_/)
        expect(connected.fields.grantedScopes).toBe("repo,gist")
        expect(connected.fields.expiresAt).toBeUndefined()

        const stored = { ...appFields, ...connected.fields }
        const tested = yield* Effect.provide(
          testCredential(type, yield* decode(type, stored)),
          Layer.merge(
            memorySource([{ id: "gh", type: type.type, origin: "store", fields: stored }]).layer,
            HttpKernel.layer()
          )
        )
        expect(tested).toMatchObject({ status: "Passed", identity: "octocat" })
      }
    })
  )

  it.scopedLive("errors answered with HTTP 200 become typed errors that say what to do", () =>
    Effect.gen(function* () {
      const fake = yield* startGitHub({ expiring: true })
      const type = typeFor(fake.origin)
      const wrongSecret = yield* Effect.flip(
        connectCredential(type, yield* decode(type, { ...appFields, clientSecret: "nope" }), {
          method: "browser",
          ...fakeBrowserUser()
        })
      )
      expect(wrongSecret.message).toContain("invalid_client")
      expect(wrongSecret.message).toContain("check its client id and client secret")

      const fields = {
        ...appFields,
        accessToken: "ghu_old",
        refreshToken: "ghr_unknown",
        expiresAt: "2020-01-01T00:00:00Z"
      }
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, fields)),
        memorySource([{ id: "gh", type: type.type, origin: "store", fields }]).layer
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.reconnect).toBe(true)
      expect(error.message).toContain("The refresh token passed is incorrect or expired.")
      expect(error.message).toContain("reconnect the credential 'gh'")
    })
  )

  it.scopedLive("GitHub app tokens expire after 8 hours and their refresh token rotates", () =>
    Effect.gen(function* () {
      const fake = yield* startGitHub({ expiring: true })
      const type = typeFor(fake.origin)
      const connected = yield* connectCredential(type, yield* decode(type, appFields), {
        method: "browser",
        ...fakeBrowserUser()
      })
      expect(connected.fields.refreshToken).toMatch(/^ghr_/)
      const hours = (Date.parse(String(connected.fields.expiresAt)) - Date.now()) / 3_600_000
      expect(hours).toBeGreaterThan(7.9)
      const expired = {
        ...appFields,
        ...connected.fields,
        expiresAt: new Date(Date.now() - 1).toISOString()
      }
      const source = memorySource([{ id: "gh", type: type.type, origin: "store", fields: expired }])
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, expired)),
        source.layer
      )
      yield* authenticator.authorize
      expect(source.fields("gh").refreshToken).toMatch(/^ghr_/)
      expect(source.fields("gh").refreshToken).not.toBe(connected.fields.refreshToken)
    })
  )

  it.scoped("device flow: waits the interval that slow_down names", () =>
    Effect.gen(function* () {
      const fake = yield* startGitHub({
        device: ["authorization_pending", { slowDown: 15 }, "authorization_pending", "approve"]
      })
      const type = typeFor(fake.origin)
      const login = yield* Effect.fork(
        connectCredential(type, yield* decode(type, appFields), {
          method: "device",
          openUrl: () => Effect.void,
          showCode: () => Effect.void
        })
      )
      const polls = () => fake.received("/login/oauth/access_token").length
      yield* waitUntil(() => fake.received("/login/device/code").length === 1)
      for (const [second, expected] of [
        [5, 1],
        [10, 2],
        [24, 2],
        [25, 3],
        [39, 3]
      ] as const) {
        yield* TestClock.setTime(second * 1000)
        yield* waitUntil(() => polls() === expected)
        expect(polls()).toBe(expected)
      }
      yield* TestClock.setTime(40_000)
      const connected = yield* Fiber.join(login)
      expect(connected.fields.accessToken).toMatch(/^gho_/)
      expect(fake.received("/login/device/code")[0]!.form.get("scope")).toBe("repo")
    })
  )

  it.scoped("device flow: an expired code stops polling with a clear message", () =>
    Effect.gen(function* () {
      const fake = yield* startGitHub({ device: ["authorization_pending", "expired_token"] })
      const type = typeFor(fake.origin)
      const error = yield* runWithTestClock(
        Effect.flip(
          connectCredential(type, yield* decode(type, appFields), {
            method: "device",
            openUrl: () => Effect.void,
            showCode: () => Effect.void
          })
        ),
        5
      )
      expect(error.message).toContain("expired before the sign-in was approved (expired_token)")
      expect(error.message).toContain("credentials login gh --device")
      expect(fake.received("/login/oauth/access_token")).toHaveLength(2)
    })
  )
})
