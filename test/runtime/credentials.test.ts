import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { makeEnvCredentialSource } from "../../src/auth/envCredentials.js"
import { composeCredentialSources } from "../../src/runtime/credentials.js"

describe("composeCredentialSources", () => {
  it.effect("answers from the first source that has the id, and saves updates there", () =>
    Effect.gen(function* () {
      const environment = makeEnvCredentialSource({
        RPA_CREDENTIAL_BOTH: '{"type":"http.bearer","token":"from-env"}'
      })
      const store = makeEnvCredentialSource({
        RPA_CREDENTIAL_BOTH: '{"type":"http.bearer","token":"from-store"}',
        RPA_CREDENTIAL_STORED: '{"type":"http.bearer","token":"only-stored"}'
      })
      const source = composeCredentialSources([environment, store])
      const token = (id: string) =>
        Effect.map(
          source.get(id),
          Option.map((c) => c.fields.token)
        )

      expect(yield* token("both")).toEqual(Option.some("from-env"))
      expect(yield* token("stored")).toEqual(Option.some("only-stored"))
      expect(yield* token("none")).toEqual(Option.none())

      yield* source.update("stored", { token: "rotated" })
      expect(
        yield* Effect.map(
          store.get("stored"),
          Option.map((c) => c.fields.token)
        )
      ).toEqual(Option.some("rotated"))
      const error = yield* Effect.flip(source.update("none", { token: "x" }))
      expect(error.message).toContain('"none"')
    })
  )
})
