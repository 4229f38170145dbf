import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { oauth2 } from "../../../nodes/slack/credentials.js"
import { slackOrigins, startSlackFake } from "../../../nodes/slack/fake.js"
import { allScopes, sandboxOAuthClient } from "../../../nodes/slack/fakeWorkspace.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { Slack } from "../../../nodes/slack/service.js"
import { CredentialSource, type StoredCredential } from "../../../src/auth/credentialSource.js"
import { refreshTokens } from "../../../src/auth/grants.js"
import { makeOAuth2CredentialType, oauth2ClientOf } from "../../../src/auth/oauth2CredentialType.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import { runNode } from "./harness.js"

/** The `slack.oauth2` type with its token endpoint on the fake (loopback, so plain http). */
const typeFor = (url: string) =>
  makeOAuth2CredentialType({
    ...oauth2.preset,
    server: () => ({
      authorizationEndpoint: `${url}/oauth/v2/authorize`,
      tokenEndpoint: `${url}/api/oauth.v2.access`,
      insecureLoopbackIssuer: true
    })
  })

/** A credential store of one credential, keeping what the token manager saves. */
const storeOf = (stored: StoredCredential) => {
  const saved: Array<Record<string, unknown>> = []
  let current = stored
  const layer = Layer.succeed(CredentialSource, {
    get: (id) => Effect.succeed(id === current.id ? Option.some(current) : Option.none()),
    update: (_, fields) =>
      Effect.sync(() => {
        saved.push({ ...fields })
        current = { ...current, fields: { ...current.fields, ...fields } }
      })
  })
  return { layer, saved }
}

describe("slack.oauth2 credential against the Slack fake", () => {
  it("asks Slack for the bot scopes the nodes use, joined with commas", () => {
    expect(oauth2.type).toBe("slack.oauth2")
    expect(oauth2.oauth2).toMatchObject({
      tokenEndpoint: "https://slack.com/api/oauth.v2.access",
      defaultScopes: expect.arrayContaining(["chat:write", "files:write", "users:read.email"])
    })
  })

  it.scopedLive(
    "rotates the token with oauth.v2.access; a used refresh token means reconnect",
    () =>
      Effect.gen(function* () {
        const fake = yield* startSlackFake()
        fake.state.refreshTokens.set("xoxe-1-seed", {
          clientId: sandboxOAuthClient.id,
          scopes: allScopes
        })
        const type = typeFor(fake.url)
        const fields = yield* Schema.decodeUnknown(type.fields)({
          clientId: sandboxOAuthClient.id,
          clientSecret: sandboxOAuthClient.secret
        })
        const client = Either.getOrThrow(
          oauth2ClientOf(type.preset, { id: "slack-app", type: type.type, fields })
        )
        const seed = {
          accessToken: Redacted.make("xoxe.xoxb-old"),
          refreshToken: Redacted.make("xoxe-1-seed")
        }

        const rotated = yield* refreshTokens(client, seed)
        expect(Redacted.value(rotated.accessToken)).toMatch(/^xoxe\.xoxb-1-/)
        expect(Redacted.value(rotated.refreshToken!)).toMatch(/^xoxe-1-/)
        expect(rotated.expiresAt! - Date.now()).toBeGreaterThan(43_000_000)

        const reused = yield* Effect.flip(refreshTokens(client, seed))
        expect(reused).toMatchObject({ _tag: "AuthenticationError", reconnect: true })
      })
  )

  it.scopedLive(
    "a token_expired answer (HTTP 200) renews the token once and the post goes through",
    () =>
      Effect.gen(function* () {
        const fake = yield* startSlackFake()
        fake.state.tokens.set("xoxe.xoxb-1-expired", {
          scopes: allScopes,
          expiresAt: Date.now() - 1
        })
        fake.state.refreshTokens.set("xoxe-1-seed", {
          clientId: sandboxOAuthClient.id,
          scopes: allScopes
        })
        const type = typeFor(fake.url)
        const encoded = {
          clientId: sandboxOAuthClient.id,
          clientSecret: sandboxOAuthClient.secret,
          accessToken: "xoxe.xoxb-1-expired",
          refreshToken: "xoxe-1-seed",
          expiresAt: new Date(Date.now() + 6 * 3_600_000).toISOString()
        }
        const store = storeOf({
          id: "slack-app",
          type: type.type,
          fields: encoded,
          origin: "store"
        })
        const routes = new Map(slackOrigins.map((origin) => [origin, fake.url]))
        const base = yield* Layer.build(Layer.merge(HttpKernel.layer({ routes }), store.layer))
        const fields = yield* Schema.decodeUnknown(type.fields)(encoded)
        const authenticator = yield* Effect.provide(
          type.authenticate({ id: "slack-app", type: type.type, fields }),
          base
        )
        const services = yield* Layer.build(
          Layer.provideMerge(Slack.layer({ authenticator }), Layer.succeedContext(base))
        )

        const out = yield* runNode(
          postMessage,
          { channel: "C0GENERAL", text: "after rotation" },
          services
        )
        expect(out).toMatchObject({ channel: "C0GENERAL", text: "after rotation" })
        expect(
          fake.state.calls.map((c) => [c.method, (c.response as { error?: string }).error])
        ).toEqual([
          ["chat.postMessage", "token_expired"],
          ["oauth.v2.access", undefined],
          ["chat.postMessage", undefined]
        ])
        expect(store.saved).toHaveLength(1)
        expect(String(store.saved[0]!.refreshToken)).toMatch(/^xoxe-1-/)
        expect(store.saved[0]!.refreshToken).not.toBe("xoxe-1-seed")
      })
  )
})
