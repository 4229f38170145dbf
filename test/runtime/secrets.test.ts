import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import { makeSecretRegistry } from "../../src/runtime/secrets.js"

describe("makeSecretRegistry", () => {
  it("replaces registered secrets in text, in their JSON and URL forms too", () => {
    const secrets = makeSecretRegistry()
    secrets.register(Redacted.make('pa"ss/word'))
    secrets.register("Bearer tok-12345")
    expect(secrets.scrub('{"password":"pa\\"ss/word"}')).toBe('{"password":"***"}')
    expect(secrets.scrub("https://x.test/?p=pa%22ss%2Fword")).toBe("https://x.test/?p=***")
    expect(secrets.scrub("authorization: Bearer tok-12345")).toBe("authorization: ***")
    expect(secrets.scrub("echoed tok-12345")).toBe("echoed ***")
  })

  it("registers the Redacted values of decoded credential fields, and ignores short values", () => {
    const secrets = makeSecretRegistry()
    secrets.registerRedacted({
      user: "robot",
      password: Redacted.make("hunter22"),
      pin: Redacted.make("12")
    })
    expect(secrets.scrub("robot hunter22 12")).toBe("robot *** 12")
  })

  it("scrubs every string of a JSON value", () => {
    const secrets = makeSecretRegistry()
    secrets.register("s3cr3t!")
    expect(secrets.scrubValue({ a: ["x s3cr3t!"], b: { c: "s3cr3t!" }, n: 1 })).toEqual({
      a: ["x ***"],
      b: { c: "***" },
      n: 1
    })
  })

  it("masks a secret in a query string, form-encoded or with its quote escaped", () => {
    const secrets = makeSecretRegistry()
    secrets.register("a key's value")
    expect(secrets.scrub("?k=a%20key%27s%20value&x=1")).toBe("?k=***&x=1")
    expect(secrets.scrub("k=a+key%27s+value")).toBe("k=***")
  })

  it("masks the start of a secret that an excerpt cut before its ellipsis", () => {
    const secrets = makeSecretRegistry()
    secrets.register("tok-0123456789abcdef")
    expect(secrets.scrub("the server said: you sent tok-0123456…")).toBe(
      "the server said: you sent ***…"
    )
    expect(secrets.scrub("a short cut tok-01… stays")).toBe("a short cut tok-01… stays")
    expect(secrets.scrub("unrelated text…")).toBe("unrelated text…")
  })
})
