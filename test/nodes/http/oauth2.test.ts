/**
 * The HTTP Request node with an `oauth2.generic` credential: a client credentials grant
 * against a real authorization server (oidc-provider), the token sent to an API on
 * 127.0.0.1, and one token request shared by every step of the run.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runFlow } from "../../../src/runtime/runFlow.js"
import { type OidcServer, robotSecret, startOidcServer } from "../../support/oidcProvider.js"

let oidc: OidcServer
let api: Server
let apiUrl: string
const seen: Array<string | undefined> = []

beforeAll(async () => {
  oidc = await startOidcServer()
  api = createServer((req, res) => {
    seen.push(req.headers.authorization)
    res.setHeader("content-type", "application/json")
    res.end(JSON.stringify({ ok: true }))
  })
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve))
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
})

afterAll(async () => {
  await Promise.all([oidc?.close(), new Promise((resolve) => api?.close(resolve))])
})

describe("http.request with an oauth2.generic credential", () => {
  it("gets a client credentials token once and sends it on every step", async () => {
    const before = oidc.tokenRequests("client_credentials")
    const credential = {
      type: "oauth2.generic",
      issuer: oidc.issuer,
      insecureLoopbackIssuer: true,
      grant: "client_credentials",
      clientId: "robot",
      clientSecret: robotSecret,
      scopes: "api:read"
    }
    const step = (id: string) => ({
      id,
      node: "http.request",
      credential: "robot",
      input: { url: `${apiUrl}/${id}` }
    })
    const result = await runFlow(
      { version: 1, name: "OAuth2 client", steps: [step("first"), step("second")] },
      { env: { RPA_CREDENTIAL_ROBOT: JSON.stringify(credential) } }
    )

    expect(result.status).toBe("succeeded")
    expect(oidc.tokenRequests("client_credentials")).toBe(before + 1)
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatch(/^Bearer \S+$/)
    expect(seen[1]).toBe(seen[0])
    expect(await oidc.isAccessTokenActive(seen[0]!.slice(7))).toBe(true)
    expect(JSON.stringify(result)).not.toContain(seen[0]!.slice(7))
  })
})
