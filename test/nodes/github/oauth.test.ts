import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Redacted, Schema, TestClock } from "effect"
import { oauth } from "../../../nodes/github/credentials.js"
import { startGitHubFake } from "../../../nodes/github/fake.js"
import type { DeviceCodePrompt } from "../../../src/auth/deviceSignIn.js"
import { deviceSignIn } from "../../../src/auth/deviceSignIn.js"
import { refreshTokens } from "../../../src/auth/grants.js"
import { oauth2ClientOf } from "../../../src/auth/oauth2CredentialType.js"
import { until, wakeAt } from "./clock.js"

const start = Date.UTC(2025, 0, 6, 9)

/** The `github.oauth` preset pointed at the fake's web host (loopback, so plain http). */
const presetFor = (url: string) => ({
  ...oauth.preset,
  server: () => ({
    authorizationEndpoint: `${url}/login/oauth/authorize`,
    tokenEndpoint: `${url}/login/oauth/access_token`,
    deviceAuthorizationEndpoint: `${url}/login/device/code`,
    insecureLoopbackIssuer: true
  })
})

const clientFor = (url: string, clientId: string) =>
  Effect.gen(function* () {
    const fields = yield* Schema.decodeUnknown(oauth.fields)({ clientId })
    const client = oauth2ClientOf(presetFor(url), { id: "gh-oauth", type: "github.oauth", fields })
    return yield* Either.match(client, { onLeft: Effect.die, onRight: Effect.succeed })
  })

describe("github.oauth credential against the GitHub fake", () => {
  it("asks for the scopes the GitHub nodes use", () => {
    expect(oauth.type).toBe("github.oauth")
    expect(oauth.oauth2).toMatchObject({
      grants: ["authorization_code", "device_code", "refresh_token"],
      deviceAuthorizationEndpoint: "https://github.com/login/device/code",
      defaultScopes: ["repo", "read:org"]
    })
  })

  it.scoped("connects with the device flow, polling through GitHub's 200-with-error answers", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const fake = yield* startGitHubFake()
      const client = yield* clientFor(fake.url, "Ov23sandboxOAuthApp")
      const prompts: Array<DeviceCodePrompt> = []
      const signIn = yield* Effect.fork(
        deviceSignIn(client, { showCode: (prompt) => Effect.sync(() => prompts.push(prompt)) })
      )
      yield* until(prompts, 1)
      expect(prompts[0]).toMatchObject({
        verificationUri: "https://github.com/login/device",
        expiresInSeconds: 900
      })

      yield* wakeAt(start + 5_000)
      yield* until(fake.state.exchanges, 2)
      expect(fake.state.exchanges[1]).toMatchObject({
        status: 200,
        response: { error: "authorization_pending" }
      })

      fake.state.approveDevice(prompts[0]!.userCode)
      yield* wakeAt(start + 10_000)
      const tokens = yield* Fiber.join(signIn)
      const token = Redacted.value(tokens.accessToken)
      expect(token).toMatch(/^gho_/)
      expect(tokens.refreshToken).toBeUndefined()
      expect(fake.state.tokens.get(token)).toMatchObject({
        kind: "oauth",
        scopes: ["repo", "read:org"]
      })
    })
  )

  it.scoped(
    "a GitHub App's user token expires in eight hours and is renewed with its refresh token",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const fake = yield* startGitHubFake({ deviceInterval: 1 })
        const client = yield* clientFor(fake.url, "Iv23sandboxGitHubApp")
        const signIn = yield* Effect.fork(
          deviceSignIn(client, {
            showCode: (prompt) => Effect.sync(() => fake.state.approveDevice(prompt.userCode))
          })
        )
        yield* wakeAt(start + 1_000)
        const tokens = yield* Fiber.join(signIn)
        expect(tokens.expiresAt).toBe(Date.UTC(2025, 0, 6, 17, 0, 1))
        expect(Redacted.value(tokens.refreshToken!)).toMatch(/^ghr_/)

        const renewed = yield* refreshTokens(client, {
          ...tokens,
          refreshToken: tokens.refreshToken!
        })
        expect(Redacted.value(renewed.accessToken)).toMatch(/^ghu_/)
        expect(Redacted.value(renewed.accessToken)).not.toBe(Redacted.value(tokens.accessToken))
        const reused = yield* Effect.flip(
          refreshTokens(client, { ...tokens, refreshToken: tokens.refreshToken! })
        )
        expect(reused).toMatchObject({ _tag: "AuthenticationError", reconnect: true })
      })
  )
})
