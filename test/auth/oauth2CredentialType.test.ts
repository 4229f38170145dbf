/**
 * How an OAuth2 credential type compares scopes: its provider's covering rule (exact match
 * unless the preset says otherwise), the granted scopes a credential reports, and the
 * smallest list of scopes still to ask for.
 */
import { describe, expect, it } from "vitest"
import {
  grantedScopesOf,
  makeOAuth2CredentialType,
  minimalScopes,
  missingScopes
} from "../../src/auth/oauth2CredentialType.js"
import { exactScopeCovers, type ScopeCovers } from "../../src/auth/oauth2Preset.js"
import { genericPreset } from "../../src/auth/presets/generic.js"

/** A provider whose `admin` scope covers every `read:*` and `write:*` scope. */
const adminCovers: ScopeCovers = (granted, wanted) =>
  granted.includes(wanted) ||
  (granted.includes("admin") && (wanted.startsWith("read:") || wanted.startsWith("write:")))

describe("OAuth2 credential type scopes", () => {
  it("compares scopes exactly unless the preset knows better", () => {
    const plain = makeOAuth2CredentialType(genericPreset)
    expect(plain.scopeCovers).toBe(exactScopeCovers)
    expect(plain.scopeCovers(["api:write"], "api:read")).toBe(false)
    expect(plain.scopeCovers(["api:read"], "api:read")).toBe(true)

    const ranked = makeOAuth2CredentialType({ ...genericPreset, scopeCovers: adminCovers })
    expect(ranked.scopeCovers(["admin"], "read:orders")).toBe(true)
  })

  it("reads the granted scopes a provider reported, separated by spaces or commas", () => {
    expect(grantedScopesOf({ grantedScopes: "openid email" })).toEqual(["openid", "email"])
    expect(grantedScopesOf({ grantedScopes: "chat:write,channels:read" })).toEqual([
      "chat:write",
      "channels:read"
    ])
    expect(grantedScopesOf({})).toBeUndefined()
    expect(grantedScopesOf({ grantedScopes: " " })).toBeUndefined()
  })

  it("asks for the fewest scopes not granted yet, in the order they were given", () => {
    expect(minimalScopes(exactScopeCovers, ["b", "a", "b"])).toEqual(["b", "a"])
    expect(minimalScopes(adminCovers, ["read:orders", "admin", "write:orders", "email"])).toEqual([
      "admin",
      "email"
    ])
    expect(missingScopes(adminCovers, ["admin"], ["read:orders", "email"])).toEqual(["email"])
    expect(missingScopes(exactScopeCovers, ["admin"], ["read:orders"])).toEqual(["read:orders"])
    expect(missingScopes(adminCovers, ["admin", "email"], ["read:orders", "email"])).toEqual([])
  })

  it("keeps one of two names for the same scope", () => {
    const aliases: ScopeCovers = (granted, wanted) =>
      granted.includes(wanted) ||
      (wanted === "email" && granted.includes("userinfo.email")) ||
      (wanted === "userinfo.email" && granted.includes("email"))
    expect(minimalScopes(aliases, ["email", "userinfo.email"])).toEqual(["userinfo.email"])
  })
})
