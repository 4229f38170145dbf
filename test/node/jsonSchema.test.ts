import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import {
  formatJson,
  type JsonSchemaDocument,
  jsonSchemaDialect,
  toJsonSchema
} from "../../src/node/jsonSchema.js"
import { Secret } from "../../src/node/secret.js"
import { strictValidator as validator } from "./strictValidator.js"

const exported = (schema: Schema.Schema.Any): JsonSchemaDocument =>
  Either.getOrThrow(toJsonSchema(schema))

const propertiesOf = (schema: JsonSchemaDocument) =>
  schema.properties as Record<string, Record<string, unknown>>

const secretSchema = { type: "string", format: "password", writeOnly: true }

describe("toJsonSchema: secrets", () => {
  it("marks a Secret field as a write-only password, keeping its title and description", () => {
    const fields = exported(
      Schema.Struct({
        token: Secret.annotations({ title: "Token", description: "The API token." }),
        plain: Secret,
        optional: Schema.optional(Secret)
      })
    )
    const properties = propertiesOf(fields)
    const nonEmptySecret = { ...secretSchema, minLength: 1 }
    expect(properties.token).toEqual({
      title: "Token",
      description: "The API token.",
      ...nonEmptySecret
    })
    expect(properties.plain).toEqual(nonEmptySecret)
    expect(properties.optional).toEqual(nonEmptySecret)
    expect(fields.required).toEqual(["token", "plain"])
  })

  it("marks any Schema.Redacted field as secret, and never writes its examples or default", () => {
    const fields = exported(
      Schema.Struct({
        password: Schema.Redacted(Schema.String).annotations({
          title: "Password",
          examples: [] as never,
          default: "hunter2" as never
        }),
        pin: Schema.Redacted(Schema.Number)
      })
    )
    const properties = propertiesOf(fields)
    expect(properties.password).toEqual({ title: "Password", ...secretSchema })
    expect(properties.pin).toEqual({ type: "number", writeOnly: true })
    expect(formatJson(fields)).not.toContain("hunter2")
  })
})

describe("toJsonSchema: words for people", () => {
  const Input = Schema.Struct({
    url: Schema.String.annotations({
      title: "URL",
      description: "Where to send the request.",
      examples: ["https://api.example.com/items"]
    }),
    method: Schema.optionalWith(Schema.Literal("GET", "POST"), {
      default: () => "GET" as const
    }).annotations({
      title: "Method"
    }),
    limit: Schema.optionalWith(Schema.NumberFromString.annotations({ title: "Limit" }), {
      default: () => 10
    }),
    path: Schema.String.pipe(Schema.filter((s) => s.startsWith("/"))).annotations({
      title: "Path",
      description: "Starts with a slash."
    }),
    since: Schema.optional(Schema.Date.annotations({ title: "Since", examples: [new Date(0)] })),
    exact: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
  })

  it("keeps titles, descriptions and examples", () => {
    const properties = propertiesOf(exported(Input))
    expect(properties.url).toEqual({
      title: "URL",
      description: "Where to send the request.",
      type: "string",
      examples: ["https://api.example.com/items"]
    })
    expect(properties.path).toEqual({
      title: "Path",
      description: "Starts with a slash.",
      type: "string"
    })
  })

  it("writes optionalWith defaults as `default`, encoded, and leaves those fields optional", () => {
    const schema = exported(Input)
    const properties = propertiesOf(schema)
    expect(properties.method).toEqual({
      title: "Method",
      type: "string",
      enum: ["GET", "POST"],
      default: "GET"
    })
    expect(properties.limit).toMatchObject({ title: "Limit", type: "string", default: "10" })
    expect(properties.exact).toEqual({ type: "boolean", default: false })
    expect(schema.required).toEqual(["url", "path"])
  })

  it("keeps the other fields' words in a struct that has defaults", () => {
    const properties = propertiesOf(
      exported(
        Schema.Struct({
          a: Schema.propertySignature(Schema.String).annotations({
            title: "A",
            description: "First."
          }),
          b: Schema.optionalWith(Schema.String, { default: () => "b" })
        })
      )
    )
    expect(properties.a).toEqual({ title: "A", description: "First.", type: "string" })
  })

  it("exports the JSON side of transformations, with the decoded side's words", () => {
    const properties = propertiesOf(exported(Input))
    expect(properties.since).toEqual({
      title: "Since",
      description: "a valid Date",
      type: "string",
      examples: ["1970-01-01T00:00:00.000Z"]
    })
    const nested = propertiesOf(
      exported(Schema.Struct({ payload: Schema.parseJson(Schema.Struct({ a: Schema.Number })) }))
    )
    expect(nested.payload).toMatchObject({ type: "string", contentMediaType: "application/json" })
  })

  it("exports a top-level parseJson as the string it decodes from", () => {
    const schema = exported(Schema.parseJson(Schema.Struct({ a: Schema.Number })))
    expect(schema).toMatchObject({ type: "string", contentMediaType: "application/json" })
  })
})

describe("toJsonSchema: shapes", () => {
  const Upload = Schema.Struct({
    file: FileRef,
    backup: Schema.optional(FileRef.annotations({ title: "Backup file" })),
    tags: Schema.Array(Schema.String),
    metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    target: Schema.Union(
      Schema.Struct({ kind: Schema.Literal("folder"), id: Schema.String }),
      Schema.Struct({ kind: Schema.Literal("drive") })
    ),
    note: Schema.NullOr(Schema.String),
    anything: Schema.Unknown.annotations({ description: "Any JSON value." })
  })

  it("shares named schemas through $defs and inlines a field that renames one", () => {
    const schema = exported(Upload)
    const properties = propertiesOf(schema)
    expect(properties.file).toEqual({ $ref: "#/$defs/FileRef" })
    expect(properties.backup).toMatchObject({ title: "Backup file", type: "object" })
    expect(Object.keys(schema.$defs as object)).toEqual(["FileRef"])
    expect((schema.$defs as Record<string, unknown>).FileRef).toMatchObject({
      title: "File",
      required: ["path", "name", "mimeType", "size"]
    })
  })

  it("writes records, unions, null and unknown values plainly", () => {
    const properties = propertiesOf(exported(Upload))
    expect(properties.metadata).toEqual({ type: "object", additionalProperties: {} })
    expect(properties.note).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] })
    expect(properties.anything).toEqual({ description: "Any JSON value." })
    expect(properties.target?.anyOf).toHaveLength(2)
    expect(formatJson(exported(Upload))).not.toContain("/schemas/")
  })

  it("gives schemas a strict 2020-12 validator accepts, and that validate the JSON a flow writes", () => {
    const validate = validator(exported(Upload))
    const file = { path: "/data/a.csv", name: "a.csv", mimeType: "text/csv", size: 3 }
    const valid = {
      file,
      tags: ["a"],
      metadata: { any: [1, { x: null }] },
      target: { kind: "folder", id: "f1" },
      note: null,
      anything: 42
    }
    expect(validate(valid)).toBe(true)
    expect(validate({ ...valid, file: { ...file, size: "3" } })).toBe(false)
    expect(validate({ ...valid, extra: true })).toBe(false)
    expect(validate({ ...valid, target: { kind: "other" } })).toBe(false)

    const secrets = validator(exported(Schema.Struct({ token: Secret, since: Schema.Date })))
    expect(secrets({ token: "t", since: "2024-01-01" })).toBe(true)
  })

  it("exports a Schema.Class field as its encoded struct, with defaults", () => {
    class Person extends Schema.Class<Person>("Person")({
      name: Schema.String.annotations({ title: "Name" }),
      age: Schema.optionalWith(Schema.Number, { default: () => 1 })
    }) {}
    const person = propertiesOf(exported(Schema.Struct({ person: Person }))).person
    expect(person).toEqual({
      type: "object",
      properties: { name: { title: "Name", type: "string" }, age: { type: "number", default: 1 } },
      required: ["name"],
      additionalProperties: false
    })
  })

  it("handles recursive schemas through $defs", () => {
    interface Category {
      readonly name: string
      readonly children: ReadonlyArray<Category>
    }
    const Category: Schema.Schema<Category> = Schema.Struct({
      name: Schema.String,
      children: Schema.Array(Schema.suspend(() => Category))
    }).annotations({ identifier: "Category" })
    const schema = exported(Schema.Struct({ root: Category }))
    expect(propertiesOf(schema).root).toEqual({ $ref: "#/$defs/Category" })
    const validate = validator(schema)
    expect(validate({ root: { name: "a", children: [{ name: "b", children: [] }] } })).toBe(true)
    expect(validate({ root: { name: "a", children: [{ name: 1, children: [] }] } })).toBe(false)
  })
})

describe("toJsonSchema: output", () => {
  it("declares the 2020-12 dialect and writes keys in a fixed order", () => {
    const schema = exported(
      Schema.Struct({ b: Schema.String, a: Schema.optional(Schema.Number) }).annotations({
        title: "Thing",
        description: "A thing."
      })
    )
    expect(schema.$schema).toBe(jsonSchemaDialect)
    expect(Object.keys(schema)).toEqual([
      "$schema",
      "title",
      "description",
      "type",
      "properties",
      "required",
      "additionalProperties"
    ])
    expect(Object.keys(propertiesOf(schema))).toEqual(["b", "a"])
  })

  it("formats JSON with 2-space indentation and a trailing newline", () => {
    expect(formatJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n')
  })

  it("gives the same bytes for the same schema", () => {
    const make = () =>
      Schema.Struct({
        file: FileRef,
        token: Secret,
        n: Schema.optionalWith(Schema.Int, { default: () => 3 })
      })
    expect(formatJson(exported(make()))).toBe(formatJson(exported(make())))
  })

  it("fails with a JsonSchemaError naming the schema and the field when JSON cannot carry it", () => {
    const result = toJsonSchema(Schema.Struct({ big: Schema.BigIntFromSelf }), "fake.echo@1 input")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("JsonSchemaError")
      expect(result.left.schema).toBe("fake.echo@1 input")
      expect(result.left.message).toContain("fake.echo@1 input")
      expect(result.left.message).toContain('["big"]')
    }
  })
})
