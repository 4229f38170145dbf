import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, ParseResult, Redacted, Schema } from "effect"
import { Secret } from "../../src/node/secret.js"

describe("Secret", () => {
  it("decodes a string to a Redacted value", () => {
    const decoded = Schema.decodeUnknownSync(Secret)("tok-123")
    expect(Redacted.isRedacted(decoded)).toBe(true)
    expect(Redacted.value(decoded)).toBe("tok-123")
  })

  it("refuses an empty value, which would send an empty Authorization header", () => {
    const decoded = Schema.decodeUnknownEither(Secret)("")
    expect(Either.isLeft(decoded)).toBe(true)
    if (Either.isLeft(decoded)) {
      expect(ParseResult.TreeFormatter.formatErrorSync(decoded.left)).toContain("must not be empty")
    }
  })

  it("is a write-only password field in JSON Schema", () => {
    expect(JSONSchema.make(Secret)).toMatchObject({
      type: "string",
      format: "password",
      writeOnly: true,
      minLength: 1
    })
  })
})
