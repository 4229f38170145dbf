/**
 * The Google preset against a fake that answers like Google's OAuth 2.0 endpoints:
 * refresh tokens only with offline access and consent, never rotated; incremental
 * authorization; `verification_url` and 428/403 polling answers in the device flow; JWT
 * bearer for service accounts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted, Schema, TestClock } from "effect"
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from "jose"
import { connectCredential, revokeCredential } from "../../../src/auth/connectCredential.js"
import { testCredential } from "../../../src/auth/credentialTest.js"
import type { DeviceCodePrompt } from "../../../src/auth/deviceSignIn.js"
import type { OAuth2CredentialType, OAuth2Fields } from "../../../src/auth/oauth2CredentialType.js"
import { makeOAuth2CredentialType } from "../../../src/auth/oauth2CredentialType.js"
import { withServer } from "../../../src/auth/oauth2Preset.js"
import {
  googleDeviceScopes,
  googlePreset,
  googleServiceAccountPreset
} from "../../../src/auth/presets/google.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import type { Credential } from "../../../src/node/credentialType.js"
import { captureLogs } from "../logCapture.js"
import { memorySource } from "../memorySource.js"
import {
  clientOf,
  type FakeHttp,
  fakeBrowserUser,
  json,
  pkceMatches,
  startFake,
  token,
  waitUntil
} from "./fakeHttp.js"

const client = { id: "1234-desktop.apps.googleusercontent.com", secret: "GOCSPX-fake-secret" }
const sheets = "https://www.googleapis.com/auth/spreadsheets"
const drive = "https://www.googleapis.com/auth/drive.file"
const gmailSend = "https://www.googleapis.com/auth/gmail.send"

/** A fake of Google's OAuth 2.0 endpoints; `device` scripts the answers to device polls. */
const startGoogle = (
  device: Array<"authorization_pending" | "slow_down" | "access_denied" | "approve"> = []
) => {
  const codes = new Map<string, { challenge?: string; scope: string; offline: boolean }>()
  const refreshTokens = new Set<string>()
  const granted = new Set<string>()
  const revoked: Array<string> = []
  return Effect.map(
    startFake((request) => {
      const { response, path, query, form } = request
      if (path === "/o/oauth2/v2/auth") {
        const redirect = new URL(query.get("redirect_uri")!)
        const scopes = (query.get("scope") ?? "").split(" ")
        if (query.get("include_granted_scopes") !== "true") granted.clear()
        for (const scope of scopes) granted.add(scope)
        const code = token("4/0A")
        codes.set(code, {
          challenge:
            query.get("code_challenge_method") === "S256"
              ? (query.get("code_challenge") ?? undefined)
              : undefined,
          scope: [...granted].join(" "),
          offline: query.get("access_type") === "offline" && query.get("prompt") === "consent"
        })
        redirect.searchParams.set("code", code)
        redirect.searchParams.set("state", query.get("state")!)
        redirect.searchParams.set("scope", [...granted].join(" "))
        response.writeHead(302, { location: redirect.href }).end()
        return
      }
      if (path === "/token") {
        const grant = form.get("grant_type")
        if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer")
          return serviceAccountToken(request)
        const { id, secret } = clientOf(request)
        if (id !== client.id || secret !== client.secret) {
          return json(response, 401, { error: "invalid_client", error_description: "Unauthorized" })
        }
        if (grant === "authorization_code") {
          const issued = codes.get(form.get("code") ?? "")
          codes.delete(form.get("code") ?? "")
          if (issued === undefined || !pkceMatches(form.get("code_verifier"), issued.challenge)) {
            return json(response, 400, {
              error: "invalid_grant",
              error_description: "Malformed auth code."
            })
          }
          const refresh = token("1//0g")
          if (issued.offline) refreshTokens.add(refresh)
          return json(response, 200, {
            access_token: token("ya29."),
            expires_in: 3599,
            scope: issued.scope,
            token_type: "Bearer",
            id_token: "not.a.jwt-google-would-send-a-real-one",
            ...(issued.offline ? { refresh_token: refresh } : {})
          })
        }
        if (grant === "refresh_token") {
          if (!refreshTokens.has(form.get("refresh_token") ?? "")) {
            return json(response, 400, {
              error: "invalid_grant",
              error_description: "Token has been expired or revoked."
            })
          }
          return json(response, 200, {
            access_token: token("ya29."),
            expires_in: 3599,
            scope: sheets,
            token_type: "Bearer"
          })
        }
        if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
          const next = device.shift() ?? "authorization_pending"
          if (next === "approve") {
            const refresh = token("1//0g")
            refreshTokens.add(refresh)
            return json(response, 200, {
              access_token: token("ya29."),
              expires_in: 3599,
              refresh_token: refresh,
              scope: sheets,
              token_type: "Bearer"
            })
          }
          const status = next === "authorization_pending" ? 428 : 403
          return json(response, status, {
            error: next,
            error_description: next === "slow_down" ? "Forbidden" : "Precondition Required"
          })
        }
        return json(response, 400, { error: "unsupported_grant_type" })
      }
      if (path === "/device/code") {
        return json(response, 200, {
          device_code: token("AH-1Ng"),
          user_code: "GQVQ-JKEC",
          verification_url: "https://www.google.com/device",
          expires_in: 1800,
          interval: 5
        })
      }
      if (path === "/revoke") {
        revoked.push(form.get("token") ?? "")
        return json(response, 200, {})
      }
      return json(response, 404, {})
    }),
    (fake) => ({ fake, revoked })
  )
}

let serviceAccountKey: { readonly spki: string } | undefined
const assertions: Array<{
  readonly header: Record<string, unknown>
  readonly claims: Record<string, unknown>
}> = []

/** Verifies the assertion like Google: signature with the account's key, audience, issuer. */
const serviceAccountToken = async ({
  response,
  form,
  headers
}: Parameters<Parameters<typeof startFake>[0]>[0]) => {
  const publicKey = await importSPKI(serviceAccountKey!.spki, "RS256")
  try {
    const origin = `http://${headers.host}`
    const { payload, protectedHeader } = await jwtVerify(form.get("assertion") ?? "", publicKey, {
      audience: `${origin}/token`,
      issuer: "robot@project.iam.gserviceaccount.com"
    })
    if (form.has("client_id") || form.has("client_secret"))
      throw new Error("unexpected client authentication")
    assertions.push({ header: protectedHeader, claims: payload })
    return json(response, 200, {
      access_token: token("ya29.c."),
      expires_in: 3599,
      token_type: "Bearer"
    })
  } catch {
    return json(response, 400, {
      error: "invalid_grant",
      error_description: "Invalid JWT Signature."
    })
  }
}

const typeFor = (
  fake: FakeHttp,
  preset = googlePreset({ scopes: [sheets] })
): OAuth2CredentialType =>
  makeOAuth2CredentialType(
    withServer(preset, {
      issuer: fake.origin,
      authorizationEndpoint: `${fake.origin}/o/oauth2/v2/auth`,
      tokenEndpoint: `${fake.origin}/token`,
      deviceAuthorizationEndpoint: `${fake.origin}/device/code`,
      revocationEndpoint: `${fake.origin}/revoke`,
      insecureLoopbackIssuer: true
    })
  )

const decode = (type: OAuth2CredentialType, fields: Record<string, unknown>) =>
  Effect.map(
    Schema.decodeUnknown(type.fields)(fields),
    (decoded): Credential<OAuth2Fields> => ({ id: "sheets", type: type.type, fields: decoded })
  )

const clientFields = { clientId: client.id, clientSecret: client.secret }

describe("Google preset", () => {
  it.scopedLive(
    "asks for offline access with consent and S256 PKCE, and keeps the refresh token Google never rotates",
    () =>
      Effect.gen(function* () {
        const logs = captureLogs()
        const { fake } = yield* startGoogle()
        const type = typeFor(fake)
        const user = fakeBrowserUser()
        const connected = yield* connectCredential(type, yield* decode(type, clientFields), {
          method: "browser",
          ...user
        }).pipe(Effect.provide(logs.layer))
        expect(yield* user.page()).toContain("The account is connected")

        const asked = user.opened[0]!.searchParams
        expect(asked.get("access_type")).toBe("offline")
        expect(asked.get("prompt")).toBe("consent")
        expect(asked.get("include_granted_scopes")).toBe("true")
        expect(asked.get("code_challenge_method")).toBe("S256")
        expect(asked.get("scope")).toBe(`openid email ${sheets}`)
        expect(asked.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
        const exchange = fake.received("/token")[0]!
        expect(exchange.form.get("client_secret")).toBe(client.secret)
        expect(connected.fields.refreshToken).toMatch(/^1\/\/0g/)
        expect(JSON.stringify(connected.fields)).not.toContain("not.a.jwt")

        const stored = {
          ...clientFields,
          ...connected.fields,
          expiresAt: new Date(Date.now() - 1000).toISOString()
        }
        const source = memorySource([
          { id: "sheets", type: type.type, origin: "store", fields: stored }
        ])
        const authenticator = yield* Effect.provide(
          type.authenticate(yield* decode(type, stored)),
          source.layer
        )
        const header = Redacted.value((yield* authenticator.authorize).headers!.authorization!)
        expect(header).toMatch(/^Bearer ya29\./)
        expect(source.updates).toHaveLength(1)
        expect(source.fields("sheets").refreshToken).toBe(connected.fields.refreshToken)
        expect(logs.leaks([client.secret, connected.fields.refreshToken as string])).toEqual([])
      })
  )

  it.scopedLive("a second login asks for more scopes and keeps the ones granted before", () =>
    Effect.gen(function* () {
      const { fake } = yield* startGoogle()
      const type = typeFor(fake)
      const first = yield* connectCredential(type, yield* decode(type, clientFields), {
        method: "browser",
        ...fakeBrowserUser()
      })
      const user = fakeBrowserUser()
      const second = yield* connectCredential(
        type,
        yield* decode(type, { ...clientFields, ...first.fields }),
        {
          method: "browser",
          ...user,
          addScopes: [drive]
        }
      )
      expect(user.opened[0]!.searchParams.get("scope")).toBe(`openid email ${sheets} ${drive}`)
      expect(second.fields.scopes).toBe(`openid email ${sheets} ${drive}`)
      expect(String(second.fields.grantedScopes).split(" ")).toEqual(
        expect.arrayContaining([sheets, drive])
      )
    })
  )

  it.scoped(
    "device flow: reads verification_url, waits on 428, and polls 5 seconds slower after slow_down",
    () =>
      Effect.gen(function* () {
        const { fake } = yield* startGoogle([
          "authorization_pending",
          "slow_down",
          "authorization_pending",
          "approve"
        ])
        const type = typeFor(fake, googlePreset({ scopes: [drive] }))
        const prompts: Array<DeviceCodePrompt> = []
        const login = yield* connectCredential(type, yield* decode(type, clientFields), {
          method: "device",
          openUrl: () => Effect.void,
          showCode: (prompt) => Effect.sync(() => prompts.push(prompt))
        }).pipe(Effect.fork)

        const polls = () => fake.received("/token").length
        yield* waitUntil(() => prompts.length === 1)
        expect(prompts[0]).toMatchObject({
          userCode: "GQVQ-JKEC",
          verificationUri: "https://www.google.com/device"
        })
        // interval 5: polls at 5 (pending) and 10 (slow_down); then every 10: 20 (pending), 30.
        for (const [second, expected] of [
          [4, 0],
          [5, 1],
          [10, 2],
          [19, 2],
          [20, 3],
          [29, 3]
        ] as const) {
          yield* TestClock.setTime(second * 1000)
          yield* waitUntil(() => polls() === expected)
          expect(polls()).toBe(expected)
        }
        yield* TestClock.setTime(30_000)
        const connected = yield* Fiber.join(login)
        expect(polls()).toBe(4)
        expect(connected.fields.refreshToken).toMatch(/^1\/\/0g/)
      })
  )

  it.scopedLive(
    "refuses a device sign-in for scopes Google's device flow does not grant, before asking Google",
    () =>
      Effect.gen(function* () {
        const { fake } = yield* startGoogle(["approve"])
        const type = typeFor(fake, googlePreset({ scopes: [sheets, gmailSend] }))
        const shown: Array<DeviceCodePrompt> = []
        const error = yield* Effect.flip(
          connectCredential(type, yield* decode(type, clientFields), {
            method: "device",
            openUrl: () => Effect.void,
            showCode: (prompt) => Effect.sync(() => shown.push(prompt))
          })
        )
        expect(error.message).toContain(`needs ${sheets}, ${gmailSend}, which a device sign-in`)
        expect(error.message).toContain("without --device")
        expect(fake.received("/device/code")).toHaveLength(0)
        expect(shown).toHaveLength(0)
        expect(googleDeviceScopes).toEqual(
          expect.arrayContaining(["openid", "email", "profile", drive])
        )
      })
  )

  it.scopedLive("a revoked refresh token asks to reconnect, in Google's words", () =>
    Effect.gen(function* () {
      const { fake } = yield* startGoogle()
      const type = typeFor(fake)
      const fields = {
        ...clientFields,
        accessToken: "ya29.old",
        refreshToken: "1//0g-revoked",
        expiresAt: "2020-01-01T00:00:00Z"
      }
      const source = memorySource([{ id: "sheets", type: type.type, origin: "store", fields }])
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, fields)),
        source.layer
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.reconnect).toBe(true)
      expect(error.message).toContain("invalid_grant: Token has been expired or revoked.")
      expect(error.message).toContain("reconnect the credential 'sheets'")
      expect(fake.received("/token")).toHaveLength(1)
    })
  )

  it.scopedLive("removing a connected credential revokes its refresh token", () =>
    Effect.gen(function* () {
      const { fake, revoked } = yield* startGoogle()
      const type = typeFor(fake)
      const fields = { ...clientFields, accessToken: "ya29.a", refreshToken: "1//0g-to-revoke" }
      expect(yield* revokeCredential(type, yield* decode(type, fields))).toBe("Revoked")
      expect(revoked).toEqual(["1//0g-to-revoke"])
      expect(fake.received("/revoke")[0]!.form.get("token_type_hint")).toBe("refresh_token")
    })
  )

  it.scopedLive(
    "a service account signs an assertion, optionally for a user, and sends no client secret",
    () =>
      Effect.gen(function* () {
        const { fake } = yield* startGoogle()
        const keys = yield* Effect.promise(() => generateKeyPair("RS256", { extractable: true }))
        serviceAccountKey = { spki: yield* Effect.promise(() => exportSPKI(keys.publicKey)) }
        const keyFile = JSON.stringify({
          type: "service_account",
          client_email: "robot@project.iam.gserviceaccount.com",
          private_key_id: "key-1",
          private_key: yield* Effect.promise(() => exportPKCS8(keys.privateKey)),
          token_uri: "https://oauth2.googleapis.com/token"
        })
        const type = typeFor(fake, googleServiceAccountPreset({ scopes: [sheets] }))
        const fields = { serviceAccountKey: keyFile, subject: "ada@example.test" }
        const source = memorySource([{ id: "sheets", type: type.type, origin: "store", fields }])
        const authenticator = yield* Effect.provide(
          type.authenticate(yield* decode(type, fields)),
          source.layer
        )
        const first = yield* authenticator.authorize
        yield* authenticator.authorize
        expect(Redacted.value(first.headers!.authorization!)).toMatch(/^Bearer ya29\.c\./)
        expect(fake.received("/token")).toHaveLength(1)
        expect(assertions.at(-1)!.claims).toMatchObject({ scope: sheets, sub: "ada@example.test" })
        expect(assertions.at(-1)!.header).toMatchObject({ alg: "RS256", kid: "key-1" })
        expect(source.updates).toHaveLength(0)

        const tested = yield* Effect.provide(
          testCredential(type, yield* decode(type, fields)),
          Layer.merge(memorySource([]).layer, HttpKernel.layer())
        )
        expect(tested.status).toBe("Passed")

        const forged = JSON.stringify({ ...JSON.parse(keyFile), private_key: "not a key" })
        const broken = yield* Effect.flip(
          Effect.provide(
            type.authenticate(yield* decode(type, { serviceAccountKey: forged })),
            memorySource([]).layer
          ).pipe(Effect.flatMap((a) => a.authorize))
        )
        expect(broken.message).toContain("could not sign an assertion")
      }).pipe(Effect.ensuring(Effect.sync(() => (serviceAccountKey = undefined))))
  )
})
