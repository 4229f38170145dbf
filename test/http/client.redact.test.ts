import { describe, expect, it } from "@effect/vitest"
import { isSecretName, maskText, maskUrl } from "../../src/http/redact.js"

describe("maskUrl", () => {
  it("masks query values named like secrets, whatever their case", () => {
    expect(
      maskUrl("https://api.test/v1/items?page=2&Access_Token=abc&api_key=k&sig=s&X-Amz-Signature=z")
    ).toBe(
      "https://api.test/v1/items?page=2&Access_Token=***&api_key=***&sig=***&X-Amz-Signature=***"
    )
    expect(maskUrl("https://api.test/?refresh_token=r&code=c&q=1")).toBe(
      "https://api.test/?refresh_token=***&code=***&q=1"
    )
  })

  it("masks the credential's own names and values", () => {
    expect(maskUrl("https://api.test/?auth=zzz&q=1", ["AUTH"])).toBe(
      "https://api.test/?auth=***&q=1"
    )
    expect(maskUrl("https://api.test/users/tok-123456/x?q=1", [], ["tok-123456"])).toBe(
      "https://api.test/users/***/x?q=1"
    )
    expect(maskUrl("https://api.test/?note=has-tok-123456-in", [], ["tok-123456"])).toBe(
      "https://api.test/?note=***"
    )
  })

  it("masks tokens carried in paths and user info", () => {
    expect(maskUrl("https://api.telegram.org/bot123456:AAH-secret_x/sendMessage")).toBe(
      "https://api.telegram.org/bot123456:***/sendMessage"
    )
    expect(maskUrl("https://hooks.slack.com/services/T000/B000/XXXXSECRET")).toBe(
      "https://hooks.slack.com/services/***/***/***"
    )
    expect(maskUrl("https://user:pa55@api.test/x#frag")).toBe("https://user:***@api.test/x")
  })

  it("leaves a URL without secrets as it was and masks text that is not a URL", () => {
    expect(maskUrl("https://api.test/a%20b?q=x%20y")).toBe("https://api.test/a%20b?q=x%20y")
    expect(maskUrl("not a url with tok-123456", [], ["tok-123456"])).toBe("not a url with ***")
  })
})

describe("maskText", () => {
  it("replaces secrets, their URL-encoded form and bearer tokens", () => {
    expect(maskText("key a+b/c= and a%2Bb%2Fc%3D", ["a+b/c="])).toBe("key *** and ***")
    expect(maskText("header was Bearer eyJhbGciOi.payload.sig")).toBe("header was Bearer ***")
    expect(maskText("short ab stays", ["ab"])).toBe("short ab stays")
    expect(maskText("q=a%20b%27c and f=a+b%27c", ["a b'c"])).toBe("q=*** and f=***")
  })
})

describe("isSecretName", () => {
  it("knows the common names and endings", () => {
    for (const name of ["token", "client_secret", "x-goog-signature", "password", "APIKEY"]) {
      expect(isSecretName(name)).toBe(true)
    }
    for (const name of ["page", "q", "per_page", "cursor"]) expect(isSecretName(name)).toBe(false)
    expect(isSecretName("X-Custom", ["x-custom"])).toBe(true)
  })
})
