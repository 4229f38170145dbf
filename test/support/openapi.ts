/**
 * Contract checks against GitHub's published OpenAPI description (`@octokit/openapi`).
 *
 * A test hands in what a fake saw (the request our client sent and the response the fake
 * gave); the check finds the operation by method and path template and reports every way
 * the request's parameters and body, and the response's body, differ from the
 * description. Schemas are compiled with Ajv once per operation and status.
 */

import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { ErrorObject, ValidateFunction } from "ajv"
import { Ajv } from "ajv"
import * as ajvFormats from "ajv-formats"

const require = createRequire(import.meta.url)
/** `ajv-formats` is CommonJS: its plugin is the module's default export. */
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv

/** One request and its response, as a fake recorded them. */
export interface Exchange {
  readonly method: string
  /** Path without the query, for example `/repos/acme/web/issues`. */
  readonly path: string
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** Parsed JSON request body, when there was one. */
  readonly body?: unknown
  readonly status: number
  /** Parsed JSON response body; undefined for an empty body. */
  readonly response?: unknown
}

/** Checks exchanges against one OpenAPI 3.0 description. */
export interface OpenApiContract {
  /** The operation id an exchange matches, or undefined when none does. */
  readonly operationOf: (exchange: Exchange) => string | undefined
  /** Problems with the request: unknown or invalid parameters, an invalid body. */
  readonly checkRequest: (exchange: Exchange) => ReadonlyArray<string>
  /** Problems with the response body for its status. */
  readonly checkResponse: (exchange: Exchange) => ReadonlyArray<string>
}

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are untyped JSON, read by path
type Json = Record<string, any>

interface Route {
  readonly template: string
  readonly pattern: RegExp
  readonly names: ReadonlyArray<string>
  /** Literal segments: more means a more specific template. */
  readonly literals: number
  readonly item: Json
}

let github: OpenApiContract | undefined

/** GitHub's REST API description for api.github.com, loaded once per test file. */
export const githubContract = (): OpenApiContract => {
  if (github === undefined) {
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json")
    github = makeContract(
      JSON.parse(readFileSync(file, "utf8")) as Json,
      "github",
      "#/components/schemas/basic-error"
    )
  }
  return github
}

/**
 * A contract over an OpenAPI 3.0 document; `name` is the Ajv id of its components. An
 * error status an operation does not list is checked against `errorSchema` when given.
 */
export const makeContract = (spec: Json, name: string, errorSchema?: string): OpenApiContract => {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false })
  addFormats(ajv)
  ajv.addSchema({ $id: name, components: normalize(spec.components, name) }, name)
  const routes = routesOf(spec)
  const compiled = new Map<string, ValidateFunction>()

  const compile = (key: string, schema: Json): ValidateFunction => {
    const known = compiled.get(key)
    if (known !== undefined) return known
    const validate = ajv.compile(normalize(schema, name))
    compiled.set(key, validate)
    return validate
  }

  const resolve = (node: Json): Json =>
    typeof node.$ref === "string" ? resolve(pointer(spec, node.$ref)) : node

  const find = (exchange: Exchange) => {
    const method = exchange.method.toLowerCase()
    for (const route of routes) {
      const match = route.pattern.exec(exchange.path)
      const operation = route.item[method] as Json | undefined
      if (match === null || operation === undefined) continue
      const pathParams = Object.fromEntries(
        route.names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)])
      )
      return { route, operation, pathParams }
    }
    return undefined
  }

  return {
    operationOf: (exchange) => find(exchange)?.operation.operationId,

    checkRequest: (exchange) => {
      const found = find(exchange)
      if (found === undefined) return [`${exchange.method} ${exchange.path}: no such operation`]
      const { route, operation, pathParams } = found
      const id = operation.operationId as string
      const problems: Array<string> = []
      const params = [...(route.item.parameters ?? []), ...(operation.parameters ?? [])].map(
        resolve
      )
      for (const param of params) {
        const where = `${id} ${param.in} parameter "${param.name}"`
        const value =
          param.in === "path"
            ? pathParams[param.name]
            : param.in === "query"
              ? exchange.query[param.name]
              : undefined
        if (param.in === "header" || param.in === "cookie") continue
        if (value === undefined) {
          if (param.required === true) problems.push(`${where} is required`)
          continue
        }
        const validate = compile(`${id}:param:${param.in}:${param.name}`, param.schema ?? {})
        if (!validate(coerce(value, resolve(param.schema ?? {})))) {
          problems.push(...messages(`${where}`, validate.errors))
        }
      }
      const declared = new Set(params.filter((p) => p.in === "query").map((p) => p.name as string))
      for (const key of Object.keys(exchange.query)) {
        if (!declared.has(key)) problems.push(`${id} has no query parameter "${key}"`)
      }
      const body = operation.requestBody === undefined ? undefined : resolve(operation.requestBody)
      if (exchange.body !== undefined) {
        const schema = body?.content?.["application/json"]?.schema
        if (schema === undefined) problems.push(`${id} takes no JSON body`)
        else {
          const validate = compile(`${id}:body`, schema)
          if (!validate(exchange.body)) problems.push(...messages(`${id} body`, validate.errors))
        }
      } else if (body?.required === true) {
        problems.push(`${id} needs a body`)
      }
      return problems
    },

    checkResponse: (exchange) => {
      const found = find(exchange)
      if (found === undefined) return [`${exchange.method} ${exchange.path}: no such operation`]
      const id = found.operation.operationId as string
      const responses = found.operation.responses as Json
      const declared = responses[String(exchange.status)] ?? responses.default
      if (declared === undefined && exchange.status >= 400 && errorSchema !== undefined) {
        // Rate limits (403, 429) and permission errors can answer any operation, listed or not.
        const validate = compile("error", { $ref: errorSchema })
        return validate(exchange.response)
          ? []
          : messages(`${id} ${exchange.status} error`, validate.errors)
      }
      if (declared === undefined) return [`${id} declares no ${exchange.status} response`]
      const content = resolve(declared).content as Json | undefined
      if (content === undefined) {
        return exchange.response === undefined ? [] : [`${id} ${exchange.status} has no body`]
      }
      const schema = (content["application/json"] ?? Object.values(content)[0])?.schema
      if (schema === undefined) return []
      const validate = compile(`${id}:response:${exchange.status}`, schema)
      return validate(exchange.response)
        ? []
        : messages(`${id} ${exchange.status} response`, validate.errors)
    }
  }
}

/** Every path template as a pattern, most specific first; `{path}` may span segments. */
const routesOf = (spec: Json): ReadonlyArray<Route> =>
  Object.entries(spec.paths as Json)
    .map(([template, item]) => {
      const names: Array<string> = []
      const source = template
        .split("/")
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|[^{}]+/g, (part, param?: string) => {
            if (param === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")
            names.push(param)
            return param === "path" ? "(.+)" : "([^/]+)"
          })
        )
        .join("/")
      const literals = template.split("/").filter((s) => s !== "" && !s.includes("{")).length
      return { template, pattern: new RegExp(`^${source}$`), names, literals, item: item as Json }
    })
    .sort((a, b) => b.literals - a.literals || a.names.length - b.names.length)

/** A query value as the schema's type: `"5"` as 5, `"true"` as true, `"a,b"` stays text. */
const coerce = (value: string | ReadonlyArray<string>, schema: Json): unknown => {
  if (Array.isArray(value)) return schema.type === "array" ? value : value[0]
  const text = value as string
  switch (schema.type) {
    case "integer":
    case "number":
      return text.trim() !== "" && !Number.isNaN(Number(text)) ? Number(text) : text
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text
    case "array":
      return text.split(",")
    default:
      return text
  }
}

/**
 * An OpenAPI 3.0 schema as JSON Schema: `#/components/...` references point at the
 * components registered under `name`, and `nullable: true` becomes a union with null.
 * `oneOf` is checked as `anyOf`: GitHub's description lists overlapping alternatives
 * under `oneOf` (every plain error body matches both schemas of a 409 on contents), so
 * "exactly one" would reject answers GitHub itself sends.
 */
const normalize = (schema: unknown, name: string): Json => {
  if (Array.isArray(schema)) return schema.map((s) => normalize(s, name))
  if (typeof schema !== "object" || schema === null) return schema as Json
  const { nullable, ...rest } = schema as Json
  const out: Json = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [
      key === "oneOf" && Array.isArray(value) ? "anyOf" : key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? `${name}${value}`
        : normalize(value, name)
    ])
  )
  if (nullable !== true) return out
  if (typeof out.type === "string" && out.$ref === undefined) {
    return {
      ...out,
      type: [out.type, "null"],
      ...(Array.isArray(out.enum) ? { enum: [...out.enum, null] } : {})
    }
  }
  return { anyOf: [out, { type: "null" }] }
}

const pointer = (root: Json, ref: string): Json =>
  ref
    .replace(/^#\//, "")
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node: Json, key) => node[key] as Json, root)

const messages = (where: string, errors: ReadonlyArray<ErrorObject> | null | undefined) =>
  (errors ?? [])
    .slice(0, 5)
    .map((e) => `${where}${e.instancePath}: ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`)
