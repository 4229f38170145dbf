/**
 * The schema of a secret field: a string that is `Redacted` once decoded, and marked
 * `format: "password"` and `writeOnly` in JSON Schema so forms hide it.
 *
 * @module
 */
import { Schema } from "effect"

/**
 * A secret string field (token, password, client secret). Decodes to `Redacted`; an empty
 * value is refused, since it would send an empty `Authorization` header.
 */
export const Secret = Schema.Redacted(
  Schema.String.pipe(
    Schema.filter((value) => value.length > 0 || "must not be empty", {
      jsonSchema: { minLength: 1 }
    })
  )
).annotations({
  jsonSchema: { type: "string", format: "password", writeOnly: true, minLength: 1 }
})
