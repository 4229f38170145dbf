/**
 * The Google credential types know how Google's scopes cover each other, so a broader
 * grant is enough for a node that names a narrower scope, and `email` matches the long
 * name Google reports it under.
 */
import { describe, expect, it } from "vitest"
import { googleOAuth2, googleServiceAccount } from "../../../nodes/google/credentials.js"
import { googleScopes, minimalScopes } from "../../../nodes/google/scopes.js"
import { missingScopes } from "../../../src/auth/oauth2CredentialType.js"

const userinfoEmail = "https://www.googleapis.com/auth/userinfo.email"

describe("Google credential types and scopes", () => {
  it("let a broader grant cover a narrower scope, for the account and the service account", () => {
    for (const type of [googleOAuth2, googleServiceAccount]) {
      expect(type.scopeCovers([googleScopes.drive], googleScopes.sheets), type.type).toBe(true)
      expect(type.scopeCovers([googleScopes.sheets], googleScopes.drive), type.type).toBe(false)
      expect(type.scopeCovers(["https://mail.google.com/"], googleScopes.gmailSend)).toBe(true)
    }
  })

  it("take the identity scopes under Google's long names as granted", () => {
    const granted = ["openid", userinfoEmail, googleScopes.drive]
    expect(missingScopes(googleOAuth2.scopeCovers, granted, ["openid", "email"])).toEqual([])
    expect(minimalScopes(["email", userinfoEmail, "openid"])).toEqual([userinfoEmail, "openid"])
  })

  it("ask a person's account only for new scopes at a later login (incremental consent)", () => {
    expect(googleOAuth2.preset.incrementalAuthorization).toBe(true)
    expect(googleOAuth2.preset.authorizationParameters?.include_granted_scopes).toBe("true")
  })
})
