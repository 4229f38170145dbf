import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { describeNode, describeNodeRef, listNodes, schemaFields } from "../../src/node/describe.js"
import { toJsonSchema } from "../../src/node/jsonSchema.js"
import { makeRegistry } from "../../src/node/registry.js"
import { Secret } from "../../src/node/secret.js"
import { echo, fakeIntegration, otherIntegration, upload } from "./fixtures.js"

const registry = Either.getOrThrow(makeRegistry([fakeIntegration(), otherIntegration]))

describe("describeNode", () => {
  it("prints title, type@version, category, credentials, docs and fields as text", () => {
    const text = Either.getOrThrow(describeNode(echo, "text"))
    expect(text).toBe(
      [
        "Echo (fake.echo@2)",
        "Category: Testing",
        "Credentials: fake.token (optional)",
        "Docs: https://fake.test/docs/echo",
        "",
        "Returns the text, repeated.",
        "",
        "Input:",
        "  text (string, required)",
        "      Text: What to echo.",
        "  times (integer, optional, default 1)",
        "      Times: a number between 1 and 10",
        "",
        "Output:",
        "  text (string, required)",
        "  times (number, required)",
        ""
      ].join("\n")
    )
  })

  it("names shared schemas and lists the fields of every output shape", () => {
    const text = Either.getOrThrow(describeNode(upload, "text"))
    expect(text).toContain("Credentials: fake.oauth2, fake.token (required)\nScopes: files.write\n")
    expect(text).toContain("  file (FileRef, required)")
    expect(text).toContain("  metadata (record<any>, optional)")
    expect(text).toContain("  id (string, required)\n      File id")
    expect(text).toContain("  size (number, optional, in Uploaded)")
    expect(text).toContain("  duplicateOf (string, optional, in Duplicate)")
  })

  it("prints JSON with the fields and the full schemas", () => {
    const json = JSON.parse(Either.getOrThrow(describeNode(echo, "json")))
    expect(json).toMatchObject({
      type: "fake.echo",
      version: 2,
      title: "Echo",
      category: "Testing",
      credentials: { types: ["fake.token"], required: false }
    })
    expect(json.input).toEqual([
      {
        name: "text",
        type: "string",
        required: true,
        title: "Text",
        description: "What to echo.",
        secret: false
      },
      {
        name: "times",
        type: "integer",
        required: false,
        title: "Times",
        description: "a number between 1 and 10",
        default: 1,
        secret: false
      }
    ])
    expect(json.inputSchema.properties.times.default).toBe(1)
  })

  it("describes a node by reference, or says which one is unknown", () => {
    expect(Either.getOrThrow(describeNodeRef(registry, "fake.echo@1", "text"))).toContain(
      "Echo (old) (fake.echo@1)"
    )
    const unknown = describeNodeRef(registry, "fake.ech", "text")
    expect(Either.isLeft(unknown) && unknown.left.message).toContain('Did you mean "fake.echo"?')
  })
})

/** A node whose input nests an object, a union with an object, and a list of objects. */
const nested = defineNode({
  type: "fake.nested",
  version: 1,
  title: "Nested",
  description: "Takes nested settings.",
  category: "Testing",
  credentials: { types: [], required: false },
  input: Schema.Struct({
    paging: Schema.optional(
      Schema.Struct({
        style: Schema.Literal("cursor", "offset").annotations({
          title: "Style",
          description: "How pages are linked."
        }),
        size: Schema.optionalWith(Schema.Int.annotations({ title: "Size" }), {
          default: () => 50
        })
      }).annotations({ title: "Paging" })
    ),
    retry: Schema.optional(
      Schema.Union(
        Schema.Struct({
          attempts: Schema.Int.annotations({ title: "Attempts", description: "In total." })
        }),
        Schema.Literal(false)
      ).annotations({ title: "Retry" })
    ),
    rows: Schema.Array(Schema.Struct({ name: Schema.String.annotations({ title: "Name" }) }))
  }),
  output: Schema.Struct({}),
  run: () => Effect.succeed({})
})

describe("nested fields", () => {
  it("lists the fields of objects, of each alternative and of list items, with dotted paths", () => {
    const text = Either.getOrThrow(describeNode(nested, "text"))
    expect(text).toContain(
      [
        "Input:",
        "  paging (object, optional)",
        "      Paging",
        '    paging.style ("cursor" | "offset", required)',
        "        Style: How pages are linked.",
        "    paging.size (integer, optional, default 50)",
        "        Size: an integer",
        "  retry (object | false, optional)",
        "      Retry",
        "    retry, option 1: object",
        "      retry.attempts (integer, required)",
        "          Attempts: In total.",
        "    retry, option 2: false",
        "  rows (array<object>, required)",
        "    rows[].name (string, required)",
        "        Name",
        ""
      ].join("\n")
    )
  })

  it("keeps the nested fields in JSON, next to the full schema", () => {
    const json = JSON.parse(Either.getOrThrow(describeNode(nested, "json")))
    const [paging, retry, rows] = json.input
    expect(paging.fields.map((f: { name: string }) => f.name)).toEqual(["style", "size"])
    expect(paging.fields[1]).toMatchObject({ type: "integer", required: false, default: 50 })
    expect(retry.alternatives).toEqual([
      {
        label: "object",
        type: "object",
        fields: [
          {
            name: "attempts",
            type: "integer",
            required: true,
            title: "Attempts",
            description: "In total.",
            secret: false
          }
        ]
      },
      { label: "false", type: "false" }
    ])
    expect(rows.itemFields[0]).toMatchObject({ name: "name", type: "string", required: true })
    expect(json.inputSchema.properties.paging.properties.style.enum).toEqual(["cursor", "offset"])
  })
})

describe("schemaFields", () => {
  it("marks secret fields", () => {
    const schema = Either.getOrThrow(
      toJsonSchema(Schema.Struct({ user: Schema.String, password: Secret }))
    )
    expect(schemaFields(schema).map((f) => [f.name, f.secret])).toEqual([
      ["user", false],
      ["password", true]
    ])
  })

  it("has no fields for a schema that is not an object", () => {
    expect(schemaFields(Either.getOrThrow(toJsonSchema(Schema.String)))).toEqual([])
  })
})

describe("listNodes", () => {
  it("prints an aligned table of every node version", () => {
    expect(listNodes(registry, "text")).toBe(
      [
        "NODE           CATEGORY  TITLE        CREDENTIALS",
        "fake.echo@1    Testing   Echo (old)   none",
        "fake.echo@2    Testing   Echo         fake.token (optional)",
        "fake.upload@1  Files     Upload file  fake.oauth2, fake.token (required)",
        "other.ping@1   Testing   Ping         none",
        ""
      ].join("\n")
    )
  })

  it("prints a JSON array for scripts", () => {
    const rows = JSON.parse(listNodes(registry, "json"))
    expect(rows).toHaveLength(4)
    expect(rows[3]).toEqual({
      type: "other.ping",
      version: 1,
      title: "Ping",
      category: "Testing",
      description: "Answers pong.",
      credentials: { types: [], required: false }
    })
  })
})
