/**
 * The Microsoft Entra ID preset against a fake of the v2.0 endpoints: tenant in every
 * path, `.default` scopes for client credentials, refresh tokens rotated on every use,
 * `authorization_declined` in the device flow, AADSTS error descriptions.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { connectCredential } from "../../../src/auth/connectCredential.js"
import type { OAuth2CredentialType, OAuth2Fields } from "../../../src/auth/oauth2CredentialType.js"
import { makeOAuth2CredentialType } from "../../../src/auth/oauth2CredentialType.js"
import { allowInsecureLoopback } from "../../../src/auth/oauth2Preset.js"
import { microsoftPreset } from "../../../src/auth/presets/microsoft.js"
import type { Credential } from "../../../src/node/credentialType.js"
import { memorySource } from "../memorySource.js"
import {
  clientOf,
  fakeBrowserUser,
  json,
  pkceMatches,
  runWithTestClock,
  startFake,
  token
} from "./fakeHttp.js"

const app = { id: "7f3c1c9e-0000-4000-8000-000000000001", secret: "Q~fake.entra.secret" }

const aadsts = (error: string, description: string) => ({
  error,
  error_description: `${description}\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2024-01-01 00:00:00Z`,
  error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
  timestamp: "2024-01-01 00:00:00Z",
  trace_id: "0000",
  correlation_id: "0000"
})

/** A fake of login.microsoftonline.com's v2.0 endpoints. */
const startEntra = (
  device: Array<"authorization_pending" | "authorization_declined" | "approve"> = []
) => {
  const codes = new Map<string, { challenge?: string; scope: string }>()
  const refreshTokens = new Set<string>()
  const issued = (scope: string) => {
    const refresh = token("0.AXEA")
    refreshTokens.add(refresh)
    return {
      token_type: "Bearer",
      scope,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: token("eyJ0eXAi."),
      refresh_token: refresh,
      id_token: "eyJ.issued-by-the-users-own-tenant.sig"
    }
  }
  return startFake((request) => {
    const { response, path, query, form } = request
    const match = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token|devicecode)$/.exec(path)
    if (match === null) return json(response, 404, {})
    const endpoint = match[2]
    if (endpoint === "authorize") {
      const code = token("0.AXEAcode")
      codes.set(code, {
        challenge: query.get("code_challenge") ?? undefined,
        scope: query.get("scope") ?? ""
      })
      const redirect = new URL(query.get("redirect_uri")!)
      redirect.searchParams.set("code", code)
      redirect.searchParams.set("state", query.get("state")!)
      response.writeHead(302, { location: redirect.href }).end()
      return
    }
    if (endpoint === "devicecode") {
      return json(response, 200, {
        user_code: "FJ3K9QXL2",
        device_code: token("DAQABAAEAAA"),
        verification_uri: "https://microsoft.com/devicelogin",
        expires_in: 900,
        interval: 5,
        message:
          "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FJ3K9QXL2 to authenticate."
      })
    }
    const grant = form.get("grant_type")
    const { id, secret } = clientOf(request)
    if (id !== app.id)
      return json(
        response,
        400,
        aadsts("unauthorized_client", "AADSTS700016: Application not found.")
      )
    if (grant === "client_credentials") {
      if (secret !== app.secret)
        return json(
          response,
          401,
          aadsts("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        )
      const scope = form.get("scope") ?? ""
      if (!/^\S+\/\.default$/.test(scope)) {
        return json(
          response,
          400,
          aadsts(
            "invalid_scope",
            `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
          )
        )
      }
      return json(response, 200, {
        token_type: "Bearer",
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token("eyJapp.")
      })
    }
    if (grant === "authorization_code") {
      const issuedCode = codes.get(form.get("code") ?? "")
      if (
        issuedCode === undefined ||
        !pkceMatches(form.get("code_verifier"), issuedCode.challenge)
      ) {
        return json(
          response,
          400,
          aadsts(
            "invalid_grant",
            "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity."
          )
        )
      }
      return json(response, 200, issued(issuedCode.scope))
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? ""
      if (!refreshTokens.delete(presented)) {
        return json(
          response,
          400,
          aadsts("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.")
        )
      }
      return json(response, 200, issued("User.Read"))
    }
    if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
      const next = device.shift() ?? "authorization_pending"
      if (next === "approve") return json(response, 200, issued("User.Read"))
      return json(
        response,
        400,
        aadsts(next, `AADSTS${next === "authorization_pending" ? "70016" : "70000"}: ${next}`)
      )
    }
    return json(response, 400, aadsts("unsupported_grant_type", "AADSTS70003"))
  })
}

const typeFor = (origin: string): OAuth2CredentialType =>
  makeOAuth2CredentialType(allowInsecureLoopback(microsoftPreset({ authority: origin })))

const decode = (type: OAuth2CredentialType, fields: Record<string, unknown>) =>
  Effect.map(
    Schema.decodeUnknown(type.fields)(fields),
    (decoded): Credential<OAuth2Fields> => ({ id: "outlook", type: type.type, fields: decoded })
  )

describe("Microsoft Entra ID preset", () => {
  it.scopedLive("every endpoint sits under the credential's tenant, `common` by default", () =>
    Effect.gen(function* () {
      const fake = yield* startEntra()
      const type = typeFor(fake.origin)
      expect(type.oauth2?.tokenEndpoint).toBe(`${fake.origin}/{tenant}/oauth2/v2.0/token`)
      const user = fakeBrowserUser()
      const connected = yield* connectCredential(
        type,
        yield* decode(type, { clientId: app.id, tenant: "contoso.onmicrosoft.com" }),
        { method: "browser", ...user }
      )
      expect(user.opened[0]!.pathname).toBe("/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
      expect(user.opened[0]!.searchParams.get("scope")).toBe(
        "offline_access https://graph.microsoft.com/User.Read"
      )
      expect(fake.received().map((r) => r.path)).toContain(
        "/contoso.onmicrosoft.com/oauth2/v2.0/token"
      )
      expect(connected.fields.refreshToken).toMatch(/^0\.AXEA/)
      expect(JSON.stringify(connected.fields)).not.toContain("issued-by-the-users-own-tenant")

      yield* connectCredential(type, yield* decode(type, { clientId: app.id }), {
        method: "browser",
        ...fakeBrowserUser()
      })
      expect(fake.received().at(-1)!.path).toBe("/common/oauth2/v2.0/token")
    })
  )

  it.scopedLive("client credentials ask for the resource's `.default` scope", () =>
    Effect.gen(function* () {
      const fake = yield* startEntra()
      const type = typeFor(fake.origin)
      for (const [scopes, expected] of [
        [undefined, "https://graph.microsoft.com/.default"],
        ["https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/.default"],
        ["api://my-api/.default", "api://my-api/.default"]
      ] as const) {
        const fields = {
          clientId: app.id,
          clientSecret: app.secret,
          tenant: "contoso",
          grant: "client_credentials",
          scopes
        }
        const authenticator = yield* Effect.provide(
          type.authenticate(yield* decode(type, fields)),
          memorySource([{ id: "outlook", type: type.type, origin: "store", fields }]).layer
        )
        const header = Redacted.value((yield* authenticator.authorize).headers!.authorization!)
        expect(header).toMatch(/^Bearer eyJapp\./)
        expect(fake.received().at(-1)!.form.get("scope")).toBe(expected)
        expect(fake.received().at(-1)!.path).toBe("/contoso/oauth2/v2.0/token")
      }
    })
  )

  it.scopedLive("a wrong client secret says to fix the credential, not to retry", () =>
    Effect.gen(function* () {
      const fake = yield* startEntra()
      const type = typeFor(fake.origin)
      const fields = {
        clientId: app.id,
        clientSecret: "wrong",
        tenant: "contoso",
        grant: "client_credentials"
      }
      const source = memorySource([{ id: "outlook", type: type.type, origin: "store", fields }])
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, fields)),
        source.layer
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.message).toContain("AADSTS7000215")
      expect(error.message).toContain("check its client id and client secret")
      expect(yield* Effect.flip(authenticator.authorize)).toBe(error)
      expect(fake.received()).toHaveLength(1)
    })
  )

  it.scopedLive("refresh tokens rotate on every use, and each new one is saved", () =>
    Effect.gen(function* () {
      const fake = yield* startEntra()
      const type = typeFor(fake.origin)
      const connected = yield* connectCredential(type, yield* decode(type, { clientId: app.id }), {
        method: "browser",
        ...fakeBrowserUser()
      })
      let fields: Record<string, unknown> = { clientId: app.id, ...connected.fields }
      for (let run = 0; run < 3; run++) {
        const expired = { ...fields, expiresAt: new Date(Date.now() - 1000).toISOString() }
        const source = memorySource([
          { id: "outlook", type: type.type, origin: "store", fields: expired }
        ])
        const authenticator = yield* Effect.provide(
          type.authenticate(yield* decode(type, expired)),
          source.layer
        )
        yield* authenticator.authorize
        expect(source.fields("outlook").refreshToken).not.toBe(fields.refreshToken)
        fields = source.fields("outlook")
      }
      const stale = {
        ...fields,
        refreshToken: connected.fields.refreshToken,
        expiresAt: "2020-01-01T00:00:00Z"
      }
      const source = memorySource([
        { id: "outlook", type: type.type, origin: "store", fields: stale }
      ])
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, stale)),
        source.layer
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.message).toContain("AADSTS700082")
      expect(error.message).toContain("reconnect the credential 'outlook'")
    })
  )

  it.scoped(
    "device flow: polls while pending, and stops when the user declines (authorization_declined)",
    () =>
      Effect.gen(function* () {
        const fake = yield* startEntra([
          "authorization_pending",
          "authorization_pending",
          "authorization_declined"
        ])
        const type = typeFor(fake.origin)
        const shown: Array<string> = []
        const error = yield* runWithTestClock(
          Effect.flip(
            connectCredential(
              type,
              yield* decode(type, { clientId: app.id, tenant: "organizations" }),
              {
                method: "device",
                openUrl: () => Effect.void,
                showCode: (prompt) =>
                  Effect.sync(() => shown.push(`${prompt.verificationUri} ${prompt.userCode}`))
              }
            )
          )
        )
        expect(shown).toEqual(["https://microsoft.com/devicelogin FJ3K9QXL2"])
        expect(error.message).toContain("was declined (access_denied)")
        expect(fake.received("/organizations/oauth2/v2.0/token")).toHaveLength(3)
      })
  )

  it.scoped("device flow: an approved sign-in returns the tokens", () =>
    Effect.gen(function* () {
      const fake = yield* startEntra(["authorization_pending", "approve"])
      const type = typeFor(fake.origin)
      const connected = yield* runWithTestClock(
        connectCredential(type, yield* decode(type, { clientId: app.id }), {
          method: "device",
          openUrl: () => Effect.void,
          showCode: () => Effect.void
        })
      )
      expect(connected.fields.refreshToken).toMatch(/^0\.AXEA/)
      expect(fake.received("/common/oauth2/v2.0/devicecode")[0]!.form.get("scope")).toBe(
        "offline_access https://graph.microsoft.com/User.Read"
      )
    })
  )
})
