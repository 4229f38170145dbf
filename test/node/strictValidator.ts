/**
 * A strict JSON Schema 2020-12 validator for the exported schemas: an unknown keyword or
 * format fails the compile, so a schema a runtime could misread fails the test.
 */
import { Ajv2020 } from "ajv/dist/2020.js"
import * as ajvFormats from "ajv-formats"
import type { JsonSchemaDocument } from "../../src/node/jsonSchema.js"

/** `ajv-formats` is CommonJS: its plugin is the module's default export. */
const addFormats = ajvFormats.default as unknown as (ajv: Ajv2020) => Ajv2020

/** Compiles a schema with a strict 2020-12 validator that knows the `password` format. */
export const strictValidator = (schema: JsonSchemaDocument) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true, formats: { password: true } })
  addFormats(ajv)
  return ajv.compile(schema)
}
