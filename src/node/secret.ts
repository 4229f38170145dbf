/**
 * The schema of a secret field: a string that is `Redacted` once decoded, and marked
 * `format: "password"` and `writeOnly` in JSON Schema so forms hide it.
 *
 * @module
 */
import { Schema } from "effect"

/** A secret string field (token, password, client secret). Decodes to `Redacted`. */
export const Secret = Schema.Redacted(Schema.String).annotations({
  jsonSchema: { type: "string", format: "password", writeOnly: true }
})
