/**
 * Node descriptions for people and scripts: what `rpa-integrations nodes` and
 * `rpa-integrations describe <type>` print.
 *
 * Fields are read from the node's JSON Schemas, so the description shows exactly what a
 * flow writes: the encoded names and types, defaults, and which fields are secret.
 *
 * @module
 */
import { Either } from "effect"
import type { NodeDefinition } from "./defineNode.js"
import {
  formatJson,
  type JsonSchemaDocument,
  type JsonSchemaError,
  toJsonSchema
} from "./jsonSchema.js"
import type { Registry, RegistryError } from "./registry.js"

/** How to print: aligned text for a terminal, or JSON for scripts. */
export type DescribeFormat = "text" | "json"

/** One field of a node's input or output, with the fields nested in it. */
export interface FieldDescription {
  readonly name: string
  /** A short type, for example `string`, `"GET" | "POST"`, `array<string>` or `FileRef`. */
  readonly type: string
  readonly required: boolean
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly default?: unknown
  /** True for a secret field (a password form field; never printed). */
  readonly secret: boolean
  /** For a schema with several shapes: the titles of the shapes that have this field. */
  readonly variants?: ReadonlyArray<string> | undefined
  /** The fields of an object value (`pagination.style`). */
  readonly fields?: ReadonlyArray<FieldDescription> | undefined
  /** The fields of each item of a list of objects (`rows[].name`). */
  readonly itemFields?: ReadonlyArray<FieldDescription> | undefined
  /** For a value of several kinds, at least one an object: each kind, with its fields. */
  readonly alternatives?: ReadonlyArray<FieldAlternative> | undefined
}

/** One kind of value a field takes (`retry`: an object with `maxAttempts`, or `false`). */
export interface FieldAlternative {
  /** Its title, else its type. */
  readonly label: string
  readonly type: string
  readonly fields?: ReadonlyArray<FieldDescription> | undefined
}

/** A node version, described: its palette entry, credentials and fields. */
export interface NodeDescription {
  readonly type: string
  readonly version: number
  readonly title: string
  readonly description: string
  readonly category: string
  readonly credentials: { readonly types: ReadonlyArray<string>; readonly required: boolean }
  /** OAuth scopes the node's calls need. */
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly docsUrl?: string | undefined
  readonly input: ReadonlyArray<FieldDescription>
  readonly output: ReadonlyArray<FieldDescription>
  readonly inputSchema: JsonSchemaDocument
  readonly outputSchema: JsonSchemaDocument
}

/**
 * Describes a node: title, `type@version`, category, description, credentials, and its
 * input and output fields (name, type, required, default, description), nested fields
 * included (`pagination.style`, `rows[].name`, each alternative of `retry`). JSON output
 * also carries the full input and output JSON Schemas. Fails when a schema has no JSON form.
 */
export const describeNode = (
  node: NodeDefinition,
  format: DescribeFormat
): Either.Either<string, JsonSchemaError> =>
  Either.map(nodeDescription(node), (description) =>
    format === "json" ? formatJson(description) : describeText(description)
  )

/** Describes the node a reference names (`http.request` or `http.request@1`). */
export const describeNodeRef = (
  registry: Registry,
  ref: string,
  format: DescribeFormat
): Either.Either<string, RegistryError | JsonSchemaError> =>
  Either.flatMap(registry.resolve(ref), (node) => describeNode(node, format))

/**
 * Lists every node version of the registry: `type@version`, category, title and the
 * credential types it accepts; as an aligned table, or as a JSON array.
 */
export const listNodes = (registry: Registry, format: DescribeFormat): string => {
  const rows = registry.nodes.map((node) => ({
    type: node.type,
    version: node.version,
    title: node.title,
    category: node.category,
    description: node.description,
    credentials: { types: [...node.credentials.types], required: node.credentials.required }
  }))
  if (format === "json") return formatJson(rows)
  const table = [
    ["NODE", "CATEGORY", "TITLE", "CREDENTIALS"],
    ...rows.map((row) => [
      `${row.type}@${row.version}`,
      row.category,
      row.title,
      credentialsText(row.credentials)
    ])
  ]
  return `${alignColumns(table)}\n`
}

/** The structured description of a node, as `describeNode` prints it in JSON. */
export const nodeDescription = (
  node: NodeDefinition
): Either.Either<NodeDescription, JsonSchemaError> =>
  Either.gen(function* () {
    const label = `${node.type}@${node.version}`
    const inputSchema = yield* toJsonSchema(node.input, `${label} input`)
    const outputSchema = yield* toJsonSchema(node.output, `${label} output`)
    return {
      type: node.type,
      version: node.version,
      title: node.title,
      description: node.description,
      category: node.category,
      credentials: { types: [...node.credentials.types], required: node.credentials.required },
      scopes: node.scopes,
      docsUrl: node.docsUrl,
      input: schemaFields(inputSchema),
      output: schemaFields(outputSchema),
      inputSchema,
      outputSchema
    }
  })

/**
 * The fields of an object schema, each with the fields nested in it (see
 * {@link FieldDescription}). For a union of objects (a node whose output
 * has several shapes) the fields of every shape are listed once; a field is required
 * when every shape requires it, and `variants` names the shapes that have it when not
 * all do. A schema that is not an object has no fields.
 */
export const schemaFields = (schema: JsonSchemaDocument): ReadonlyArray<FieldDescription> => {
  const variants = objectVariants(schema, resolveRef(schema, schema))
  const fields = new Map<string, FieldDescription & { readonly in: Array<string> }>()
  for (const [index, variant] of variants.entries()) {
    const variantTitle = stringOf(variant.title) ?? `shape ${index + 1}`
    const required = Array.isArray(variant.required) ? variant.required : []
    for (const [name, value] of Object.entries(asRecord(variant.properties))) {
      const seen = fields.get(name)
      if (seen !== undefined) {
        seen.in.push(variantTitle)
        fields.set(name, { ...seen, required: seen.required && required.includes(name) })
        continue
      }
      fields.set(name, {
        ...describeField(schema, name, asRecord(value), required.includes(name), 0),
        in: [variantTitle]
      })
    }
  }
  return [...fields.values()].map(({ in: present, ...field }) => ({
    ...field,
    required: field.required && present.length === variants.length,
    ...(present.length < variants.length ? { variants: present } : {})
  }))
}

// ---------------------------------------------------------------------------------------

/** How deep nested fields are listed; deeper ones show only their type. */
const maxNesting = 4

/** One field, with the fields nested in its object, list items or alternatives. */
const describeField = (
  document: JsonSchemaDocument,
  name: string,
  raw: JsonObject,
  required: boolean,
  depth: number
): FieldDescription => {
  const field = resolveRef(document, raw)
  return {
    name,
    type: typeLabel(document, raw),
    required,
    title: stringOf(field.title),
    description: stringOf(field.description),
    ...("default" in field ? { default: field.default } : {}),
    secret: field.writeOnly === true,
    ...(depth < maxNesting ? nestedFields(document, field, depth + 1) : {})
  }
}

/** The nested fields of a field's schema: of its object, its list's items, or its kinds. */
const nestedFields = (
  document: JsonSchemaDocument,
  schema: JsonObject,
  depth: number
): Pick<FieldDescription, "fields" | "itemFields" | "alternatives"> => {
  const own = objectFields(document, schema, depth)
  if (own !== undefined) return { fields: own }
  if (schema.type === "array") {
    const items = objectFields(document, resolveRef(document, asRecord(schema.items)), depth)
    return items === undefined ? {} : { itemFields: items }
  }
  const members = schema.anyOf ?? schema.oneOf
  if (!Array.isArray(members)) return {}
  const alternatives = members.map((member): FieldAlternative => {
    const raw = asRecord(member)
    const resolved = resolveRef(document, raw)
    const type = typeLabel(document, raw)
    const fields = objectFields(document, resolved, depth)
    const title = stringOf(resolved.title)
    return {
      label: title === undefined ? type : `${title} (${type})`,
      type,
      ...(fields === undefined ? {} : { fields })
    }
  })
  return alternatives.some((alternative) => alternative.fields !== undefined)
    ? { alternatives }
    : {}
}

/** The fields of an object schema with named properties; undefined for anything else. */
const objectFields = (
  document: JsonSchemaDocument,
  schema: JsonObject,
  depth: number
): ReadonlyArray<FieldDescription> | undefined => {
  const properties = Object.entries(asRecord(schema.properties))
  if (schema.type !== "object" || properties.length === 0) return undefined
  const required = Array.isArray(schema.required) ? schema.required : []
  return properties.map(([name, value]) =>
    describeField(document, name, asRecord(value), required.includes(name), depth)
  )
}

const describeText = (node: NodeDescription): string => {
  const lines = [
    `${node.title} (${node.type}@${node.version})`,
    `Category: ${node.category}`,
    `Credentials: ${credentialsText(node.credentials)}`,
    ...(node.scopes === undefined ? [] : [`Scopes: ${node.scopes.join(" ")}`]),
    ...(node.docsUrl === undefined ? [] : [`Docs: ${node.docsUrl}`]),
    "",
    node.description,
    "",
    "Input:",
    ...fieldsText(node.input),
    "",
    "Output:",
    ...fieldsText(node.output)
  ]
  return `${lines.join("\n")}\n`
}

const fieldsText = (fields: ReadonlyArray<FieldDescription>): Array<string> =>
  fields.length === 0 ? ["  (none)"] : fields.flatMap((field) => fieldText(field, "", 1))

/**
 * A field's lines: its path (`pagination.style`), facts and description, then the
 * fields nested in it one level further in; each alternative of a field of several kinds
 * is labelled (`retry, option 1: object`).
 */
const fieldText = (field: FieldDescription, parent: string, level: number): Array<string> => {
  const indent = "  ".repeat(level)
  const path = `${parent}${field.name}`
  const facts = [
    field.type,
    field.required ? "required" : "optional",
    ...(field.secret ? ["secret"] : []),
    ...(field.variants === undefined ? [] : [`in ${field.variants.join(", ")}`]),
    ...("default" in field ? [`default ${JSON.stringify(field.default)}`] : [])
  ]
  const text = [field.title, field.description].filter((t) => t !== undefined).join(": ")
  const nested = (fields: ReadonlyArray<FieldDescription>, prefix: string, deeper: number) =>
    fields.flatMap((inner) => fieldText(inner, prefix, deeper))
  return [
    `${indent}${path} (${facts.join(", ")})`,
    ...(text === "" ? [] : [`${indent}    ${text}`]),
    ...nested(field.fields ?? [], `${path}.`, level + 1),
    ...nested(field.itemFields ?? [], `${path}[].`, level + 1),
    ...(field.alternatives ?? []).flatMap((alternative, index) => [
      `${indent}  ${path}, option ${index + 1}: ${alternative.label}`,
      ...nested(alternative.fields ?? [], `${path}.`, level + 2)
    ])
  ]
}

const credentialsText = (credentials: NodeDescription["credentials"]): string => {
  if (credentials.types.length === 0) return "none"
  return `${credentials.types.join(", ")} (${credentials.required ? "required" : "optional"})`
}

const alignColumns = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0))
  )
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}

type JsonObject = { readonly [key: string]: unknown }

const asRecord = (value: unknown): JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {}

const stringOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined

/** Follows a local `$ref` (and an `allOf` wrapping one) into `$defs`, keeping local words. */
const resolveRef = (document: JsonSchemaDocument, schema: JsonObject): JsonObject => {
  const wrapped =
    Array.isArray(schema.allOf) && schema.allOf.length === 1 ? asRecord(schema.allOf[0]) : {}
  const ref = stringOf(schema.$ref) ?? stringOf(wrapped.$ref)
  if (ref === undefined || !ref.startsWith("#/$defs/")) return schema
  const target = asRecord(asRecord(document.$defs)[ref.slice("#/$defs/".length)])
  const { $ref: _ref, allOf: _allOf, ...local } = schema
  return { ...target, ...local }
}

/** The object schemas of a schema: itself, or the object members of its union. */
const objectVariants = (document: JsonSchemaDocument, schema: JsonObject): Array<JsonObject> => {
  if (schema.type === "object") return [schema]
  const members = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : []
  return members.flatMap((member) =>
    objectVariants(document, resolveRef(document, asRecord(member)))
  )
}

/** A short, readable type for a field schema; a named object keeps its name (`FileRef`). */
const typeLabel = (document: JsonSchemaDocument, schema: JsonObject, depth = 0): string => {
  if (depth > 5) return "…"
  const ref = stringOf(schema.$ref)
  if (ref !== undefined) {
    const target = resolveRef(document, { $ref: ref })
    return target.type === "object" || depth > 4
      ? ref.slice(ref.lastIndexOf("/") + 1)
      : typeLabel(document, target, depth + 1)
  }
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ")
  if ("const" in schema) return JSON.stringify(schema.const)
  const union = schema.anyOf ?? schema.oneOf ?? schema.allOf
  if (Array.isArray(union)) {
    const labels = union.map((member) => typeLabel(document, asRecord(member), depth + 1))
    return [...new Set(labels)].join(" | ")
  }
  const type = schema.type
  if (Array.isArray(type)) return type.join(" | ")
  if (type === "array") {
    const items = asRecord(schema.items)
    return Object.keys(items).length === 0
      ? "array"
      : `array<${typeLabel(document, items, depth + 1)}>`
  }
  if (type === "object") {
    const values = schema.additionalProperties
    const hasProperties = Object.keys(asRecord(schema.properties)).length > 0
    const isRecord = !hasProperties && typeof values === "object" && values !== null
    return isRecord ? `record<${typeLabel(document, asRecord(values), depth + 1)}>` : "object"
  }
  return typeof type === "string" ? type : "any"
}
