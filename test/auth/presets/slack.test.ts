/**
 * The Slack preset against a fake of Slack's OAuth v2: `oauth.v2.access` answers HTTP 200
 * with `ok: false` on errors, nests the user token under `authed_user` next to the bot
 * token, joins scopes with commas; the Web API says `token_expired` with HTTP 200.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { slackBotScopes } from "../../../nodes/slack/scopes.js"
import { connectCredential } from "../../../src/auth/connectCredential.js"
import { testCredential } from "../../../src/auth/credentialTest.js"
import type { OAuth2CredentialType, OAuth2Fields } from "../../../src/auth/oauth2CredentialType.js"
import { makeOAuth2CredentialType } from "../../../src/auth/oauth2CredentialType.js"
import { allowInsecureLoopback } from "../../../src/auth/oauth2Preset.js"
import { slackPreset } from "../../../src/auth/presets/slack.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import type { Credential } from "../../../src/node/credentialType.js"
import { memorySource } from "../memorySource.js"
import { fakeBrowserUser, json, startFake, token } from "./fakeHttp.js"

const app = { id: "4242.1717", secret: "fake-slack-client-secret" }

/** A fake of slack.com's OAuth v2 endpoints and `auth.test`; tokens rotate. */
const startSlack = () => {
  const codes = new Map<string, { scope: string; userScope: string }>()
  const valid = new Map<string, "bot" | "user">()
  const expired = new Set<string>()
  const refreshTokens = new Set<string>()
  const botTokens = (scope: string) => {
    const access = token("xoxe.xoxb-1-")
    const refresh = token("xoxe-1-")
    valid.set(access, "bot")
    refreshTokens.add(refresh)
    return {
      access_token: access,
      token_type: "bot",
      scope,
      expires_in: 43200,
      refresh_token: refresh
    }
  }
  const fake = startFake((request) => {
    const { response, path, query, form } = request
    if (path === "/oauth/v2/authorize") {
      const code = token("")
      codes.set(code, { scope: query.get("scope") ?? "", userScope: query.get("user_scope") ?? "" })
      const redirect = new URL(query.get("redirect_uri")!)
      redirect.searchParams.set("code", code)
      redirect.searchParams.set("state", query.get("state")!)
      response.writeHead(302, { location: redirect.href }).end()
      return
    }
    if (path === "/api/oauth.v2.access") {
      if (form.get("client_id") !== app.id)
        return json(response, 200, { ok: false, error: "invalid_client_id" })
      if (form.get("client_secret") !== app.secret)
        return json(response, 200, { ok: false, error: "bad_client_secret" })
      if (form.get("grant_type") === "refresh_token") {
        if (!refreshTokens.delete(form.get("refresh_token") ?? "")) {
          return json(response, 200, { ok: false, error: "invalid_refresh_token" })
        }
        return json(response, 200, { ok: true, ...botTokens("chat:write") })
      }
      const issued = codes.get(form.get("code") ?? "")
      if (issued === undefined) return json(response, 200, { ok: false, error: "invalid_code" })
      codes.delete(form.get("code") ?? "")
      const user = token("xoxe.xoxp-1-")
      valid.set(user, "user")
      return json(response, 200, {
        ok: true,
        app_id: "A0KRD7HC3",
        ...(issued.scope === "" ? {} : botTokens(issued.scope)),
        bot_user_id: "U0KRQLJ9H",
        team: { name: "Acme", id: "T9TK3CUKW" },
        enterprise: null,
        is_enterprise_install: false,
        authed_user: {
          id: "U1234",
          scope: issued.userScope,
          access_token: user,
          token_type: "user"
        }
      })
    }
    if (path === "/api/auth.test") {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? ""
      if (expired.has(bearer)) return json(response, 200, { ok: false, error: "token_expired" })
      if (!valid.has(bearer)) return json(response, 200, { ok: false, error: "invalid_auth" })
      return json(response, 200, {
        ok: true,
        url: "https://acme.slack.com/",
        team: "Acme",
        user: valid.get(bearer) === "bot" ? "robot" : "ada"
      })
    }
    return json(response, 404, { ok: false, error: "unknown_method" })
  })
  return Effect.map(fake, (server) => ({
    ...server,
    expire: (accessToken: string) => expired.add(accessToken)
  }))
}

const typeFor = (
  origin: string,
  token: "bot" | "user" = "bot",
  scopes = ["chat:write", "channels:read"]
) => makeOAuth2CredentialType(allowInsecureLoopback(slackPreset({ origin, token, scopes })))

const decode = (type: OAuth2CredentialType, fields: Record<string, unknown>) =>
  Effect.map(
    Schema.decodeUnknown(type.fields)(fields),
    (decoded): Credential<OAuth2Fields> => ({ id: "slack", type: type.type, fields: decoded })
  )

const appFields = { clientId: app.id, clientSecret: app.secret }

describe("Slack preset", () => {
  it.scopedLive("keeps the bot token of the nested answer, with scopes joined by commas", () =>
    Effect.gen(function* () {
      const fake = yield* startSlack()
      const type = typeFor(fake.origin)
      expect(type.type).toBe("slack.oauth2")
      const user = fakeBrowserUser()
      const connected = yield* connectCredential(type, yield* decode(type, appFields), {
        method: "browser",
        ...user
      })
      expect(user.opened[0]!.searchParams.get("scope")).toBe("chat:write,channels:read")
      expect(user.opened[0]!.searchParams.has("user_scope")).toBe(false)
      expect(connected.fields.accessToken).toMatch(/^xoxe\.xoxb-/)
      expect(connected.fields.refreshToken).toMatch(/^xoxe-1-/)
      expect(connected.fields.grantedScopes).toBe("chat:write,channels:read")

      const stored = { ...appFields, ...connected.fields }
      const tested = yield* Effect.provide(
        testCredential(type, yield* decode(type, stored)),
        Layer.merge(
          memorySource([{ id: "slack", type: type.type, origin: "store", fields: stored }]).layer,
          HttpKernel.layer()
        )
      )
      expect(tested).toMatchObject({ status: "Passed", identity: "robot in Acme" })
    })
  )

  it.scopedLive("sends the slack integration's default scopes in one comma-joined scope", () =>
    Effect.gen(function* () {
      const fake = yield* startSlack()
      const type = typeFor(fake.origin, "bot", [...slackBotScopes])
      const user = fakeBrowserUser()
      const connected = yield* connectCredential(type, yield* decode(type, appFields), {
        method: "browser",
        ...user
      })
      const asked = user.opened[0]!.searchParams.get("scope")!
      expect(asked).not.toMatch(/\s/)
      expect(asked.split(",")).toEqual(slackBotScopes)
      expect(asked.split(",")).toEqual(
        expect.arrayContaining(["im:read", "mpim:read", "chat:write.public"])
      )
      expect(connected.fields.grantedScopes).toBe(asked)
    })
  )

  it.scopedLive("a user token preset sends user_scope and keeps the token under authed_user", () =>
    Effect.gen(function* () {
      const fake = yield* startSlack()
      const type = typeFor(fake.origin, "user", ["search:read"])
      expect(type.type).toBe("slack.userOAuth2")
      const user = fakeBrowserUser()
      const connected = yield* connectCredential(type, yield* decode(type, appFields), {
        method: "browser",
        ...user
      })
      expect(user.opened[0]!.searchParams.get("user_scope")).toBe("search:read")
      expect(user.opened[0]!.searchParams.has("scope")).toBe(false)
      expect(connected.fields.accessToken).toMatch(/^xoxe\.xoxp-/)
      expect(connected.fields.grantedScopes).toBe("search:read")
    })
  )

  it.scopedLive("ok: false answers become typed errors", () =>
    Effect.gen(function* () {
      const fake = yield* startSlack()
      const type = typeFor(fake.origin)
      const badSecret = yield* Effect.flip(
        connectCredential(type, yield* decode(type, { ...appFields, clientSecret: "wrong" }), {
          method: "browser",
          ...fakeBrowserUser()
        })
      )
      expect(badSecret.message).toContain("invalid_client: bad_client_secret")

      const fields = {
        ...appFields,
        accessToken: "xoxe.xoxb-old",
        refreshToken: "xoxe-1-unknown",
        expiresAt: "2020-01-01T00:00:00Z"
      }
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, fields)),
        memorySource([{ id: "slack", type: type.type, origin: "store", fields }]).layer
      )
      const error = yield* Effect.flip(authenticator.authorize)
      expect(error.reconnect).toBe(true)
      expect(error.message).toContain("invalid_grant: invalid_refresh_token")
      expect(error.message).toContain("reconnect the credential 'slack'")
    })
  )

  it.scopedLive("token_expired answered with HTTP 200 counts as a refusal and refreshes once", () =>
    Effect.gen(function* () {
      const fake = yield* startSlack()
      const type = typeFor(fake.origin)
      const connected = yield* connectCredential(type, yield* decode(type, appFields), {
        method: "browser",
        ...fakeBrowserUser()
      })
      const stored = { ...appFields, ...connected.fields }
      const source = memorySource([
        { id: "slack", type: type.type, origin: "store", fields: stored }
      ])
      const authenticator = yield* Effect.provide(
        type.authenticate(yield* decode(type, stored)),
        source.layer
      )
      const refused = { status: 200, headers: {}, bodyText: '{"ok":false,"error":"token_expired"}' }
      expect(authenticator.isRefused!(refused)).toBe(true)
      expect(
        authenticator.isRefused!({
          ...refused,
          bodyText: '{"ok":false,"error":"channel_not_found"}'
        })
      ).toBe(false)
      expect(authenticator.isRefused!({ ...refused, bodyText: '{"ok":true}' })).toBe(false)

      fake.expire(connected.fields.accessToken as string)
      expect(yield* authenticator.refresh!(refused)).toBe(true)
      const header = Redacted.value((yield* authenticator.authorize).headers!.authorization!)
      expect(header).not.toBe(`Bearer ${connected.fields.accessToken}`)
      expect(source.fields("slack").refreshToken).not.toBe(connected.fields.refreshToken)
    })
  )
})
