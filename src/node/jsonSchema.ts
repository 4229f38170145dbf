/**
 * JSON Schema export of node inputs, node outputs and credential fields.
 *
 * A settings form in a designer, and any runtime that is not JavaScript, sees a node
 * only through these schemas, so they describe the JSON a flow writes (the encoded side
 * of every transformation) and keep what the author wrote for people: titles,
 * descriptions, examples and defaults. Secret fields (`Secret`, or any `Schema.Redacted`)
 * become `{ "type": "string", "format": "password", "writeOnly": true }` so forms hide
 * them.
 *
 * The export is `effect`'s `JSONSchema`, targeting JSON Schema 2020-12; named object
 * schemas (`FileRef`) are shared under `$defs`, named scalars (`Int`) are written in place.
 * Before it runs, a small pass over the schema fills in what it leaves out: defaults from
 * `Schema.optionalWith(..., { default })`, the words on refinements, on secret fields and
 * on the other fields of a struct with defaults, and the JSON side of refined
 * transformations. The result is written with a fixed key order, so the files diff cleanly.
 *
 * @module
 */
import { SchemaAST as AST, Data, Either, JSONSchema, Option, ParseResult, Schema } from "effect"

/** The JSON Schema dialect every exported schema declares in `$schema`. */
export const jsonSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

/** A JSON Schema document, as written to `schemas/`. */
export type JsonSchemaDocument = { readonly [keyword: string]: unknown }

/** A schema uses something JSON cannot carry (a `bigint`, a symbol, a class instance). */
export class JsonSchemaError extends Data.TaggedError("JsonSchemaError")<{
  readonly message: string
  /** Which schema failed, for example `http.request@1 input`. */
  readonly schema: string
}> {
  readonly retryable = false
}

/**
 * The JSON Schema of a node input, node output or credential's fields: the JSON a flow
 * or a credential file writes. Fails when part of the schema has no JSON form; the
 * message names the field and says to give it a JSON encoding or a `jsonSchema`
 * annotation.
 */
export const toJsonSchema = (
  schema: Schema.Schema.Any,
  label = "schema"
): Either.Either<JsonSchemaDocument, JsonSchemaError> =>
  Either.try({
    try: () => {
      const definitions: Record<string, JSONSchema.JsonSchema7> = {}
      const body = JSONSchema.fromAST(prepare(schema.ast, new Map()), {
        definitions,
        target: "jsonSchema2020-12"
      })
      const root = { $schema: jsonSchemaDialect, ...body, $defs: definitions }
      return canonicalSchema(inlineScalarDefinitions(root)) as JsonSchemaDocument
    },
    catch: (cause) =>
      new JsonSchemaError({
        schema: label,
        message:
          `The ${label} schema cannot be written as JSON Schema: ${errorMessage(cause)} ` +
          `Give the field a JSON encoding (for example Schema.DateFromString) or a ` +
          `"jsonSchema" annotation.`
      })
  })

/**
 * Writes JSON the way every generated file is written: 2-space indent, a trailing
 * newline, and the keys in the order the value has (schemas are already canonical).
 */
export const formatJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

// ---------------------------------------------------------------------------------------
// The pass before `JSONSchema`: what it would otherwise leave out.

const secretJsonSchema = { writeOnly: true }
const passwordJsonSchema = { format: "password", writeOnly: true }

const docAnnotationIds = [
  AST.TitleAnnotationId,
  AST.DescriptionAnnotationId,
  AST.ExamplesAnnotationId,
  AST.DefaultAnnotationId
] as const

/**
 * Rebuilds an AST so that `JSONSchema` keeps the author's annotations and the JSON side:
 * each node is rebuilt with prepared children, then given the annotations it needs.
 * `memo` ends recursion through `Schema.suspend`.
 */
const prepare = (ast: AST.AST, memo: Map<AST.AST, AST.AST>): AST.AST => {
  const seen = memo.get(ast)
  if (seen !== undefined) return seen
  if (AST.isSuspend(ast)) {
    const suspended = new AST.Suspend(() => prepare(ast.f(), memo), ast.annotations)
    memo.set(ast, suspended)
    return suspended
  }
  const prepared = annotate(withPreparedSurrogate(withPreparedChildren(ast, memo), memo))
  memo.set(ast, prepared)
  return prepared
}

/** `JSONSchema` reads a class through its surrogate schema; prepare that one too. */
const withPreparedSurrogate = (ast: AST.AST, memo: Map<AST.AST, AST.AST>): AST.AST => {
  const surrogate = ast.annotations[AST.SurrogateAnnotationId] as AST.AST | undefined
  if (surrogate === undefined) return ast
  return withAnnotations(ast, {
    ...ast.annotations,
    [AST.SurrogateAnnotationId]: prepare(surrogate, memo)
  })
}

const withPreparedChildren = (ast: AST.AST, memo: Map<AST.AST, AST.AST>): AST.AST => {
  const go = (child: AST.AST) => prepare(child, memo)
  switch (ast._tag) {
    case "TypeLiteral":
      return new AST.TypeLiteral(
        ast.propertySignatures.map(
          (ps) =>
            new AST.PropertySignature(
              ps.name,
              go(ps.type),
              ps.isOptional,
              ps.isReadonly,
              ps.annotations
            )
        ),
        ast.indexSignatures.map(
          (is) => new AST.IndexSignature(is.parameter, go(is.type), is.isReadonly)
        ),
        ast.annotations
      )
    case "Union":
      return AST.Union.make(ast.types.map(go), ast.annotations)
    case "TupleType":
      return new AST.TupleType(
        ast.elements.map((e) => new AST.OptionalType(go(e.type), e.isOptional, e.annotations)),
        ast.rest.map((r) => new AST.Type(go(r.type), r.annotations)),
        ast.isReadonly,
        ast.annotations
      )
    case "Refinement": {
      const from = go(ast.from)
      // A refinement of a transformation checks the decoded value; JSON sees the encoded one.
      if (AST.isTransformation(from))
        return AST.annotations(from, pick(ast.annotations, docAnnotationIds))
      return new AST.Refinement(from, ast.filter, ast.annotations)
    }
    case "Transformation": {
      const from = withPropertyDocs(go(ast.from), ast.to, ast.transformation)
      return new AST.Transformation(from, ast.to, ast.transformation, ast.annotations)
    }
    default:
      return ast
  }
}

/**
 * Carries a struct's property annotations to its JSON side. When a struct has a property
 * with a default, `Schema.Struct` keeps the other properties' annotations on the decoded
 * side only; and the default itself exists only in the decoding. Both become annotations
 * of the encoded property here.
 */
const withPropertyDocs = (
  from: AST.AST,
  to: AST.AST,
  transformation: AST.TransformationKind
): AST.AST => {
  if (!AST.isTypeLiteral(from) || transformation._tag !== "TypeLiteralTransformation") return from
  const decodedName = new Map<PropertyKey, PropertyKey>()
  const defaults = new Map<PropertyKey, unknown>()
  for (const pst of transformation.propertySignatureTransformations) {
    decodedName.set(pst.from, pst.to)
    const value = decodedDefault(pst)
    if (Option.isSome(value)) defaults.set(pst.from, value.value)
  }
  const decoded = AST.isTypeLiteral(to) ? to.propertySignatures : []
  return new AST.TypeLiteral(
    from.propertySignatures.map((ps) => {
      const name = decodedName.get(ps.name) ?? ps.name
      const docs = pick(decoded.find((d) => d.name === name)?.annotations ?? {}, docAnnotationIds)
      const fallback = defaults.has(ps.name)
        ? { [AST.DefaultAnnotationId]: defaults.get(ps.name) }
        : {}
      const annotations = { ...fallback, ...docs, ...ps.annotations }
      return new AST.PropertySignature(ps.name, ps.type, ps.isOptional, ps.isReadonly, annotations)
    }),
    from.indexSignatures,
    from.annotations
  )
}

/** What decoding puts in a property the input left out; none for a plain optional one. */
const decodedDefault = (pst: AST.PropertySignatureTransformation): Option.Option<unknown> => {
  try {
    return pst.decode(Option.none())
  } catch {
    return Option.none()
  }
}

/** The annotations a rebuilt node needs so that `JSONSchema` keeps what the author wrote. */
const annotate = (ast: AST.AST): AST.AST => {
  if (isSecret(ast)) {
    const rest = omit(ast.annotations, [AST.ExamplesAnnotationId, AST.DefaultAnnotationId])
    const marks = isStringEncoded(ast) ? passwordJsonSchema : secretJsonSchema
    return withAnnotations(ast, { ...rest, [AST.JSONSchemaAnnotationId]: marks })
  }
  const hook = ast.annotations[AST.JSONSchemaAnnotationId] as Record<string, unknown> | undefined
  if (hook === undefined) {
    // Without a hook, `JSONSchema` drops a refinement's title and description.
    return AST.isRefinement(ast)
      ? withAnnotations(ast, { ...ast.annotations, [AST.JSONSchemaAnnotationId]: {} })
      : ast
  }
  if (ast._tag === "Declaration" || !isOverride(ast, hook)) return ast
  // An overriding hook replaces the whole schema; keep the author's words on it.
  return withAnnotations(ast, {
    ...ast.annotations,
    [AST.JSONSchemaAnnotationId]: { ...docJson(ast), ...hook }
  })
}

/** A `Schema.Redacted` field: the JSON side of a `Redacted` value. */
const isSecret = (ast: AST.AST): ast is AST.Transformation =>
  AST.isTransformation(ast) &&
  AST.isDeclaration(ast.to) &&
  AST.getTypeConstructorAnnotation(ast.to).pipe(
    Option.exists((typeConstructor) => typeConstructor._tag === "effect/Redacted")
  )

const isStringEncoded = (ast: AST.AST): boolean => {
  switch (ast._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return true
    case "Refinement":
    case "Transformation":
      return isStringEncoded(ast.from)
    default:
      return false
  }
}

/** Mirrors `JSONSchema`: a hook that is a whole schema replaces the generated one. */
const isOverride = (ast: AST.AST, hook: Record<string, unknown>): boolean => {
  if (AST.isRefinement(ast) && ast.annotations[AST.SchemaIdAnnotationId] === Schema.IntSchemaId) {
    return "type" in hook && hook.type !== "integer"
  }
  return "type" in hook || "oneOf" in hook || "anyOf" in hook || "$ref" in hook
}

/** Title, description, and the encoded examples and default of a node, as JSON Schema. */
const docJson = (ast: AST.AST): Record<string, unknown> => {
  const encode = ParseResult.encodeOption(Schema.make<unknown, unknown, never>(ast))
  const out: Record<string, unknown> = {}
  const title = authorText(ast, AST.TitleAnnotationId)
  const description = authorText(ast, AST.DescriptionAnnotationId)
  if (title !== undefined) out.title = title
  if (description !== undefined) out.description = description
  const examples = ast.annotations[AST.ExamplesAnnotationId]
  if (Array.isArray(examples)) {
    const encoded = examples.flatMap((example) => Option.toArray(encode(example)))
    if (encoded.length > 0) out.examples = encoded
  }
  if (AST.DefaultAnnotationId in ast.annotations) {
    const encoded = encode(ast.annotations[AST.DefaultAnnotationId])
    if (Option.isSome(encoded)) out.default = encoded.value
  }
  return out
}

/** A title or description, unless it is the one `effect` gives every string or number. */
const authorText = (ast: AST.AST, id: symbol): string | undefined => {
  const text = ast.annotations[id]
  const builtIn = builtInKeywords[ast._tag]?.annotations[id]
  return typeof text === "string" && text !== builtIn ? text : undefined
}

const builtInKeywords: Partial<Record<AST.AST["_tag"], AST.Annotated>> = {
  StringKeyword: AST.stringKeyword,
  NumberKeyword: AST.numberKeyword,
  BooleanKeyword: AST.booleanKeyword
}

const withAnnotations = (ast: AST.AST, annotations: AST.Annotations): AST.AST =>
  Object.create(Object.getPrototypeOf(ast), {
    ...Object.getOwnPropertyDescriptors(ast),
    annotations: { value: annotations, enumerable: true }
  })

const pick = (annotations: AST.Annotations, keys: ReadonlyArray<symbol>): AST.Annotations =>
  Object.fromEntries(keys.filter((key) => key in annotations).map((key) => [key, annotations[key]]))

const omit = (annotations: AST.Annotations, keys: ReadonlyArray<symbol>): AST.Annotations => {
  const out: Record<symbol, unknown> = { ...annotations }
  for (const key of keys) delete out[key]
  return out
}

const errorMessage = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).replace(/\s+/g, " ").trim()

// ---------------------------------------------------------------------------------------
// Canonical form: scalar definitions inlined, fixed key order, no internal markers.

type JsonObject = Record<string, unknown>

/**
 * Keywords written first, in this order: what a schema is; then its constraints
 * alphabetically; then its structure, last, in {@link trailingKeywords} order.
 */
const leadingKeywords = [
  "$schema",
  "$id",
  "$ref",
  "$comment",
  "title",
  "description",
  "type",
  "format",
  "enum",
  "const",
  "default",
  "examples",
  "readOnly",
  "writeOnly"
]
const trailingKeywords = [
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "prefixItems",
  "items",
  "additionalItems",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "propertyNames",
  "$defs"
]

/** Keywords whose value is one schema. */
const schemaKeywords = new Set([
  "additionalItems",
  "additionalProperties",
  "contains",
  "contentSchema",
  "else",
  "if",
  "items",
  "not",
  "propertyNames",
  "then",
  "unevaluatedItems",
  "unevaluatedProperties"
])
/** Keywords whose value is a list of schemas. */
const schemaListKeywords = new Set(["allOf", "anyOf", "oneOf", "prefixItems", "items"])
/** Keywords whose value maps names to schemas; kept in the author's order (form order). */
const schemaMapKeywords = new Set(["properties", "patternProperties", "dependentSchemas", "$defs"])

const scalarTypes = new Set(["string", "number", "integer", "boolean", "null"])

/** The titles `JSONSchema` gives its built-in schemas, keyed by the marker `$id` they carry. */
const builtInMarkers: Record<string, string> = {
  "/schemas/any": "any",
  "/schemas/unknown": "unknown",
  "/schemas/object": "object",
  "/schemas/%7B%7D": "{}",
  "/schemas/never": "never",
  "/schemas/void": "void"
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Applies `f` to every direct subschema of `schema`, leaving values (`default`, `enum`) alone. */
const mapSubschemas = (schema: JsonObject, f: (sub: unknown) => unknown): JsonObject =>
  Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      if (schemaListKeywords.has(key) && Array.isArray(value)) return [key, value.map(f)]
      if (schemaKeywords.has(key)) return [key, f(value)]
      if (schemaMapKeywords.has(key) && isObject(value)) {
        return [key, Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, f(sub)]))]
      }
      return [key, value]
    })
  )

/**
 * Replaces references to scalar definitions (`Int`, `Trimmed`, ...) with the definition,
 * so a field states its `type` beside its own constraints and words; only object schemas
 * stay shared in `$defs`.
 */
const inlineScalarDefinitions = (root: JsonObject): JsonObject => {
  const definitions = (root.$defs ?? {}) as Record<string, unknown>
  const scalarAt = (ref: unknown): JsonObject | undefined => {
    if (typeof ref !== "string" || !ref.startsWith("#/$defs/")) return undefined
    const name = ref.slice("#/$defs/".length).replace(/~1/g, "/").replace(/~0/g, "~")
    const definition = definitions[name]
    return isObject(definition) && scalarTypes.has(definition.type as string)
      ? definition
      : undefined
  }
  const inline = (value: unknown): unknown => {
    if (!isObject(value)) return value
    const wrapped =
      Array.isArray(value.allOf) && value.allOf.length === 1 ? value.allOf[0] : undefined
    const wrappedRef =
      isObject(wrapped) && Object.keys(wrapped).length === 1 ? wrapped.$ref : undefined
    const { $ref, allOf, ...own } = mapSubschemas(value, inline)
    const direct = scalarAt($ref)
    if (direct !== undefined)
      return { ...direct, ...own, ...(allOf === undefined ? {} : { allOf }) }
    const viaAllOf = $ref === undefined ? scalarAt(wrappedRef) : undefined
    if (viaAllOf !== undefined) return { ...viaAllOf, ...own }
    return mapSubschemas(value, inline)
  }
  const definitionsLeft = Object.keys(definitions).filter(
    (name) => scalarAt(`#/$defs/${name}`) === undefined
  )
  const { $defs: _definitions, ...body } = root
  return {
    ...(inline(body) as JsonObject),
    $defs: Object.fromEntries(definitionsLeft.map((name) => [name, inline(definitions[name])]))
  }
}

/** Fixed key order, `$defs` by name, no empty `required`/`properties`, no built-in markers. */
const canonicalSchema = (schema: unknown): unknown => {
  if (!isObject(schema)) return schema
  const out: JsonObject = {}
  const mapped = mapSubschemas(schema, canonicalSchema)
  for (const key of keywordOrder(Object.keys(mapped))) {
    const value = key === "$defs" ? sortKeys(mapped[key]) : mapped[key]
    if (!isEmptyKeyword(key, value)) out[key] = value
  }
  // `JSONSchema` marks its built-ins with an `$id`; a nested `$id` would start a new
  // resource and clash between fields, so drop it with the built-in title.
  const marker = typeof out.$id === "string" ? builtInMarkers[out.$id] : undefined
  if (marker !== undefined) {
    delete out.$id
    if (out.title === marker) delete out.title
  }
  return out
}

const sortKeys = (value: unknown): unknown =>
  isObject(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => compare(a, b)))
    : value

const isEmptyKeyword = (key: string, value: unknown): boolean =>
  (key === "required" && Array.isArray(value) && value.length === 0) ||
  ((key === "properties" || key === "$defs") && isObject(value) && Object.keys(value).length === 0)

const keywordOrder = (keys: ReadonlyArray<string>): Array<string> => {
  const rank = (key: string): number => {
    const leading = leadingKeywords.indexOf(key)
    if (leading >= 0) return leading
    return leadingKeywords.length + 1 + trailingKeywords.indexOf(key)
  }
  return [...keys].sort((a, b) => rank(a) - rank(b) || compare(a, b))
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
