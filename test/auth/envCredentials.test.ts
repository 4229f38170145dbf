import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { credentialVariable, makeEnvCredentialSource } from "../../src/auth/envCredentials.js"

describe("credentialVariable", () => {
  it("upper-cases the id and replaces every other character with _", () => {
    expect(credentialVariable("gh")).toBe("RPA_CREDENTIAL_GH")
    expect(credentialVariable("sheets-bot.eu 2")).toBe("RPA_CREDENTIAL_SHEETS_BOT_EU_2")
  })
})

describe("makeEnvCredentialSource", () => {
  it.effect("reads flat and nested fields", () =>
    Effect.gen(function* () {
      const source = makeEnvCredentialSource({
        RPA_CREDENTIAL_FLAT: '{"type":"http.bearer","token":"abc"}',
        RPA_CREDENTIAL_NESTED: '{"type":"http.basic","fields":{"username":"u","password":"p"}}'
      })
      expect(yield* source.get("flat")).toEqual(
        Option.some({
          id: "flat",
          type: "http.bearer",
          fields: { token: "abc" },
          origin: "environment"
        })
      )
      expect(Option.map(yield* source.get("nested"), (c) => c.fields)).toEqual(
        Option.some({ username: "u", password: "p" })
      )
      expect(yield* source.get("other")).toEqual(Option.none())
    })
  )

  it.effect("names the variable of bad JSON without printing its value", () =>
    Effect.gen(function* () {
      const secret = "ghp_very-secret-token"
      const source = makeEnvCredentialSource({
        RPA_CREDENTIAL_GH: `{"type":"http.bearer","token":${secret}}`,
        RPA_CREDENTIAL_LIST: `["${secret}"]`,
        RPA_CREDENTIAL_UNTYPED: `{"token":"${secret}"}`
      })
      for (const [id, problem] of [
        ["gh", "is not valid JSON"],
        ["list", "is not a JSON object"],
        ["untyped", 'has no "type"']
      ] as const) {
        const error = yield* Effect.flip(source.get(id))
        expect(error.message).toContain(credentialVariable(id))
        expect(error.message).toContain(problem)
        expect(error.message).not.toContain(secret)
        expect(error.credential).toBe(id)
      }
    })
  )

  it.effect("keeps updated fields in memory for the run", () =>
    Effect.gen(function* () {
      const env = {
        RPA_CREDENTIAL_OAUTH: '{"type":"x.oauth2","refreshToken":"old","clientId":"c"}'
      }
      const source = makeEnvCredentialSource(env)
      yield* source.update("oauth", { refreshToken: "new" })
      expect(Option.map(yield* source.get("oauth"), (c) => c.fields)).toEqual(
        Option.some({ refreshToken: "new", clientId: "c" })
      )
      expect(env.RPA_CREDENTIAL_OAUTH).toContain('"old"')
    })
  )
})
