import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Redacted, Schema } from "effect"
import { decodeJwt, exportPKCS8, generateKeyPair } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  googleCredentials,
  googleOAuth2,
  googleServiceAccount,
  sandboxGoogleToken
} from "../../../nodes/google/credentials.js"
import { googleScopes } from "../../../nodes/google/scopes.js"
import { makeOAuth2CredentialType } from "../../../src/auth/oauth2CredentialType.js"
import { withServer } from "../../../src/auth/oauth2Preset.js"
import { memorySource } from "../../auth/memorySource.js"

/** A token endpoint that answers JWT bearer grants, and remembers the assertions. */
let tokenEndpoint: string
const assertions: Array<Record<string, unknown>> = []
let close: () => void
beforeAll(async () => {
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => {
      body += chunk
    })
    req.on("end", () => {
      const form = new URLSearchParams(body)
      assertions.push(decodeJwt(form.get("assertion") ?? ""))
      res.writeHead(200, { "content-type": "application/json" })
      res.end(
        JSON.stringify({
          access_token: `ya29.sa-${assertions.length}`,
          expires_in: 3599,
          token_type: "Bearer"
        })
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  tokenEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
  close = () => server.close()
})
afterAll(() => close())

const authorize = (type: typeof googleOAuth2, id: string, encoded: Record<string, unknown>) =>
  Effect.gen(function* () {
    const fields = yield* Schema.decodeUnknown(type.fields)(encoded)
    const authenticator = yield* type.authenticate({ id, type: type.type, fields })
    const first = yield* authenticator.authorize
    const second = yield* authenticator.authorize
    return [first, second].map((a) => Redacted.value(a.headers!.authorization!))
  }).pipe(
    Effect.provide(memorySource([{ id, type: type.type, fields: encoded, origin: "store" }]).layer)
  )

describe("Google credential types", () => {
  it("describes the account type for a Connect button: PKCE, offline access, identity scopes", () => {
    expect(googleCredentials.map((type) => type.type)).toEqual([
      "google.oauth2",
      "google.serviceAccount"
    ])
    expect(googleOAuth2.oauth2).toMatchObject({
      grants: expect.arrayContaining(["authorization_code", "refresh_token"]),
      tokenEndpoint: "https://oauth2.googleapis.com/token",
      pkce: true,
      defaultScopes: ["openid", "email"]
    })
    expect(googleOAuth2.preset.authorizationParameters).toMatchObject({
      access_type: "offline",
      include_granted_scopes: "true"
    })
    expect(googleServiceAccount.oauth2).toMatchObject({
      grants: ["jwt_bearer"],
      defaultScopes: [googleScopes.drive]
    })
  })

  it("gives the sandbox a credential the Google fakes accept, with no network", async () => {
    const headers = await Effect.runPromise(
      authorize(googleOAuth2, "sandbox", googleOAuth2.sandbox ?? {})
    )
    expect(headers).toEqual([`Bearer ${sandboxGoogleToken}`, `Bearer ${sandboxGoogleToken}`])
  })

  it("trades a service account key for a token with a signed JWT, acting for a user, and caches it", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true })
    const key = JSON.stringify({
      type: "service_account",
      client_email: "robot@project.iam.gserviceaccount.com",
      private_key: await exportPKCS8(privateKey),
      private_key_id: "k1",
      token_uri: tokenEndpoint
    })
    const type = makeOAuth2CredentialType(
      withServer(googleServiceAccount.preset, { tokenEndpoint, insecureLoopbackIssuer: true })
    )
    const headers = await Effect.runPromise(
      authorize(type as typeof googleOAuth2, "sa", {
        serviceAccountKey: key,
        subject: "ada@example.com"
      })
    )
    expect(headers).toEqual(["Bearer ya29.sa-1", "Bearer ya29.sa-1"])
    expect(assertions).toHaveLength(1)
    expect(assertions[0]).toMatchObject({
      iss: "robot@project.iam.gserviceaccount.com",
      sub: "ada@example.com",
      aud: tokenEndpoint,
      scope: googleScopes.drive
    })
  })
})
