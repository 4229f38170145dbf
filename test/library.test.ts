/**
 * The built library, imported by its package name the way a host imports it: its entry
 * exists, exposes the run, node, credential and OAuth2 API, and runs a flow on the sandbox.
 */
import { describe, expect, it } from "vitest"

describe("the rpa-integrations package", () => {
  it("exports the API a host builds on", async () => {
    const library = await import("rpa-integrations")
    for (const name of [
      "runFlow",
      "runFlowEffect",
      "defineNode",
      "defineIntegration",
      "defineCredentialType",
      "connectCredential",
      "testCredential",
      "makeCredentialStore",
      "makeOAuth2CredentialType",
      "googlePreset",
      "microsoftPreset",
      "githubPreset",
      "slackPreset",
      "oauth2Generic"
    ]) {
      expect(typeof (library as Record<string, unknown>)[name], name).not.toBe("undefined")
    }
  })

  it("runs the main example flow on the sandbox", async () => {
    const { runFlow } = await import("rpa-integrations")
    const result = await runFlow("examples/flows/paginated-summary.json", { sandbox: true })
    expect(result.status).toBe("succeeded")
    expect(Object.keys(result.steps)).toEqual(["items", "summary"])
  })
})
