/**
 * A contract checker built from Google's discovery documents.
 *
 * Given one HTTP exchange as a fake saw it (method, URL, headers, body, and the answer),
 * it finds the API method the request calls by its path template and HTTP method, checks
 * every path and query parameter against the method's (and the API's global) parameters
 * (known, typed, in the enum, required ones present, deprecated ones unused), validates
 * the JSON request body and the JSON response body against the document's `schemas`
 * (translated to JSON Schema for ajv, with unknown fields rejected as Google rejects
 * them), and checks media uploads (simple, multipart and resumable sessions) and error
 * bodies. It returns the problems found, in words; an empty list means the exchange
 * follows the contract.
 *
 * @module
 */
import { readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import {
  type RelatedPart,
  relatedBoundary,
  splitRelated
} from "../../nodes/google/fakeMultipart.js"

/** The Google APIs whose discovery documents the project keeps. */
export type GoogleApi = "sheets" | "drive" | "gmail"

/** One request and its answer, as a fake received and sent them. */
export interface DiscoveryExchange {
  readonly method: string
  /** Path and query as sent, for example `/drive/v3/files?pageSize=10`. */
  readonly url: string
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>
  /** Request body; absent when the fake did not keep it (large media). */
  readonly body?: Uint8Array | undefined
  /** True when the request had a body the fake did not keep. */
  readonly bodyOmitted?: boolean | undefined
  readonly status: number
  /** Response headers, names lower-cased. */
  readonly responseHeaders: Readonly<Record<string, string>>
  /** The JSON response body, parsed; absent for media and empty answers. */
  readonly responseBody?: unknown
}

/** The checker for one API. */
export interface DiscoveryContract {
  readonly api: GoogleApi
  /** Problems of one exchange; empty when it follows the document. */
  readonly check: (exchange: DiscoveryExchange) => ReadonlyArray<string>
  /** The id of the method an exchange calls (`drive.files.list`), or `undefined`. */
  readonly methodOf: (exchange: Pick<DiscoveryExchange, "method" | "url">) => string | undefined
}

/** The repository's root, from this file's place in `test/support/`. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

const documentFiles: Record<GoogleApi, string> = {
  sheets: "google-sheets-v4-discovery.json",
  drive: "google-drive-v3-discovery.json",
  gmail: "google-gmail-v1-discovery.json"
}

/** The discovery document of an API, read from the copies in `test/fixtures/specs`. */
export const discoveryDocument = (api: GoogleApi): DiscoveryDocument =>
  JSON.parse(
    readFileSync(path.resolve(repoRoot, "test/fixtures/specs", documentFiles[api]), "utf8")
  ) as DiscoveryDocument

const contracts = new Map<GoogleApi, DiscoveryContract>()

/** The checker of an API, built once per test file. */
export const discoveryContract = (api: GoogleApi): DiscoveryContract => {
  const found = contracts.get(api)
  if (found !== undefined) return found
  const contract = makeContract(api, discoveryDocument(api))
  contracts.set(api, contract)
  return contract
}

// ---------------------------------------------------------------------------------------
// The discovery format, as far as the checker reads it

interface DiscoveryParameter {
  readonly type: "string" | "integer" | "number" | "boolean"
  readonly location: "path" | "query"
  readonly required?: boolean
  readonly repeated?: boolean
  readonly deprecated?: boolean
  readonly enum?: ReadonlyArray<string>
  readonly format?: string
  readonly minimum?: string
  readonly maximum?: string
}

interface DiscoveryMethod {
  readonly id: string
  readonly httpMethod: string
  readonly path: string
  readonly flatPath?: string
  readonly parameters?: Readonly<Record<string, DiscoveryParameter>>
  readonly request?: { readonly $ref: string }
  readonly response?: { readonly $ref: string }
  readonly supportsMediaDownload?: boolean
  readonly supportsMediaUpload?: boolean
  readonly mediaUpload?: {
    readonly accept: ReadonlyArray<string>
    readonly maxSize?: string
    readonly protocols: Readonly<Record<string, { readonly path: string }>>
  }
}

interface DiscoveryResource {
  readonly methods?: Readonly<Record<string, DiscoveryMethod>>
  readonly resources?: Readonly<Record<string, DiscoveryResource>>
}

/** A discovery document (REST description), the parts the checker reads. */
export interface DiscoveryDocument {
  readonly id: string
  readonly rootUrl: string
  readonly servicePath: string
  readonly parameters: Readonly<Record<string, DiscoveryParameter>>
  readonly schemas: Readonly<Record<string, DiscoverySchema>>
  readonly resources: Readonly<Record<string, DiscoveryResource>>
}

interface DiscoverySchema {
  readonly $ref?: string
  readonly type?: string
  readonly format?: string
  readonly enum?: ReadonlyArray<string>
  readonly properties?: Readonly<Record<string, DiscoverySchema>>
  readonly additionalProperties?: DiscoverySchema
  readonly items?: DiscoverySchema
}

// ---------------------------------------------------------------------------------------
// Building the checker

/** A method's path as a regular expression, and how literal (specific) the template is. */
interface Route {
  readonly method: DiscoveryMethod
  readonly pattern: RegExp
  readonly names: ReadonlyArray<string>
  /** Characters of the template outside `{...}`; the most literal match wins. */
  readonly literal: number
  /** `api` for the method's own path, `upload` for its media upload path. */
  readonly kind: "api" | "upload"
}

const makeContract = (api: GoogleApi, doc: DiscoveryDocument): DiscoveryContract => {
  const methods = allMethods(doc.resources)
  const routes = methods.flatMap((method) => routesOf(doc, method))
  const validators = makeValidators(doc)

  const match = (method: string, pathname: string, upload: boolean) => {
    let best: { route: Route; params: Record<string, string> } | undefined
    for (const route of routes) {
      if (upload !== (route.kind === "upload")) continue
      if (route.method.httpMethod !== method) continue
      const found = route.pattern.exec(pathname)
      if (found === null) continue
      if (best !== undefined && best.route.literal >= route.literal) continue
      const params: Record<string, string> = {}
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? "")
      })
      best = { route, params }
    }
    return best
  }

  const methodOf = (exchange: Pick<DiscoveryExchange, "method" | "url">) => {
    const url = new URL(exchange.url, "http://fake.invalid")
    const session = url.searchParams.has("upload_id")
    return session
      ? sessionMethod(url.pathname)?.route.method.id
      : match(exchange.method, url.pathname, url.pathname.startsWith("/upload/"))?.route.method.id
  }

  /** The method that started a resumable session, found by the session URI's path. */
  const sessionMethod = (pathname: string) =>
    match("POST", pathname, true) ?? match("PATCH", pathname, true) ?? match("PUT", pathname, true)

  const check = (exchange: DiscoveryExchange): ReadonlyArray<string> => {
    const url = new URL(exchange.url, "http://fake.invalid")
    const label = `${exchange.method} ${url.pathname}`
    if (url.searchParams.has("upload_id")) {
      return checkSession(exchange, url, sessionMethod(url.pathname)?.route.method, validators)
    }
    const upload = url.pathname.startsWith("/upload/")
    const found = match(exchange.method, url.pathname, upload)
    if (found === undefined) return [`${label} matches no method of ${doc.id}`]

    const method = found.route.method
    const problems = [
      ...checkParameters(doc, method, found.params, url.searchParams, upload),
      ...checkRequestBody(exchange, method, url, upload, validators),
      ...(exchange.status === 0 ? [] : checkResponse(exchange, method, url, validators))
    ]
    return problems.map((problem) => `${method.id} (${label}): ${problem}`)
  }

  return { api, check, methodOf }
}

const allMethods = (resources: Readonly<Record<string, DiscoveryResource>>) => {
  const out: Array<DiscoveryMethod> = []
  const walk = (level: Readonly<Record<string, DiscoveryResource>> | undefined) => {
    for (const resource of Object.values(level ?? {})) {
      out.push(...Object.values(resource.methods ?? {}))
      walk(resource.resources)
    }
  }
  walk(resources)
  return out
}

const routesOf = (doc: DiscoveryDocument, method: DiscoveryMethod): Array<Route> => {
  const base = new URL(doc.rootUrl).pathname.replace(/\/$/, "")
  const own = `${base}/${doc.servicePath}${method.flatPath ?? method.path}`
  const routes = [makeRoute(method, own, "api")]
  const simple = method.mediaUpload?.protocols.simple?.path
  if (simple !== undefined) routes.push(makeRoute(method, `${base}${simple}`, "upload"))
  return routes
}

const makeRoute = (method: DiscoveryMethod, template: string, kind: Route["kind"]): Route => {
  const names: Array<string> = []
  let literal = 0
  let source = ""
  for (const piece of template.split(/(\{\+?[^}]+\})/)) {
    const name = /^\{(\+?)([^}]+)\}$/.exec(piece)
    if (name === null) {
      literal += piece.length
      source += piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      continue
    }
    names.push(name[2]!)
    source += name[1] === "+" ? "(.+)" : "([^/]+)"
  }
  return { method, pattern: new RegExp(`^${source}$`), names, literal, kind }
}

// ---------------------------------------------------------------------------------------
// Parameters

const checkParameters = (
  doc: DiscoveryDocument,
  method: DiscoveryMethod,
  pathParams: Readonly<Record<string, string>>,
  query: URLSearchParams,
  upload: boolean
): Array<string> => {
  const problems: Array<string> = []
  const own = method.parameters ?? {}

  for (const [name, value] of Object.entries(pathParams)) {
    const parameter = own[name]
    if (parameter === undefined || parameter.location !== "path") {
      problems.push(`path parameter "${name}" is not declared`)
      continue
    }
    if (value === "") problems.push(`path parameter "${name}" is empty`)
    problems.push(...checkValue(name, value, parameter))
  }

  for (const name of new Set(query.keys())) {
    const values = query.getAll(name)
    const parameter = own[name] ?? doc.parameters[name]
    if (parameter === undefined || parameter.location !== "query") {
      problems.push(`query parameter "${name}" is not declared`)
      continue
    }
    if (parameter.deprecated === true) problems.push(`query parameter "${name}" is deprecated`)
    if (values.length > 1 && parameter.repeated !== true) {
      problems.push(`query parameter "${name}" is repeated but takes one value`)
    }
    for (const value of values) problems.push(...checkValue(name, value, parameter))
  }

  for (const [name, parameter] of Object.entries(own)) {
    if (parameter.required !== true) continue
    const present = parameter.location === "path" ? name in pathParams : query.has(name)
    if (!present) problems.push(`required ${parameter.location} parameter "${name}" is missing`)
  }

  const uploadType = query.get("uploadType")
  if (upload && !["media", "multipart", "resumable"].includes(uploadType ?? "")) {
    problems.push(`an upload needs uploadType media, multipart or resumable, not "${uploadType}"`)
  }
  if (!upload && uploadType !== null) problems.push("uploadType is only for upload paths")
  return problems
}

const checkValue = (name: string, value: string, parameter: DiscoveryParameter): Array<string> => {
  const problems: Array<string> = []
  if (parameter.enum !== undefined && !parameter.enum.includes(value)) {
    problems.push(`"${name}" is "${value}", not one of ${parameter.enum.join(", ")}`)
  }
  switch (parameter.type) {
    case "integer": {
      if (!/^-?\d+$/.test(value)) {
        problems.push(`"${name}" is "${value}", not an integer`)
        break
      }
      const n = Number(value)
      if (parameter.minimum !== undefined && n < Number(parameter.minimum)) {
        problems.push(`"${name}" is ${n}, below the minimum ${parameter.minimum}`)
      }
      if (parameter.maximum !== undefined && n > Number(parameter.maximum)) {
        problems.push(`"${name}" is ${n}, above the maximum ${parameter.maximum}`)
      }
      break
    }
    case "number":
      if (!Number.isFinite(Number(value))) problems.push(`"${name}" is "${value}", not a number`)
      break
    case "boolean":
      if (value !== "true" && value !== "false") {
        problems.push(`"${name}" is "${value}", not true or false`)
      }
      break
    case "string":
      if (
        (parameter.format === "int64" || parameter.format === "uint64") &&
        !/^-?\d+$/.test(value)
      ) {
        problems.push(`"${name}" is "${value}", not a ${parameter.format}`)
      }
      break
  }
  return problems
}

// ---------------------------------------------------------------------------------------
// Bodies

interface Validators {
  /** Validates a value against a named schema; returns the problems. */
  readonly schema: (ref: string, value: unknown, where: string) => Array<string>
  readonly error: (value: unknown) => Array<string>
}

const checkRequestBody = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  url: URL,
  upload: boolean,
  validators: Validators
): Array<string> => {
  const body = exchange.body
  const size = body?.length ?? 0
  const contentType = (exchange.headers["content-type"] ?? "").toLowerCase()
  const uploadType = url.searchParams.get("uploadType")

  if (upload && uploadType === "media") {
    return acceptsMedia(method, contentType) ? [] : [`media type "${contentType}" is not accepted`]
  }
  if (upload && uploadType === "multipart") return checkMultipart(exchange, method, validators)
  if (upload && uploadType === "resumable") {
    const media = exchange.headers["x-upload-content-type"]
    const problems =
      media === undefined || acceptsMedia(method, media)
        ? []
        : [`X-Upload-Content-Type "${media}" is not accepted`]
    const length = exchange.headers["x-upload-content-length"]
    if (length !== undefined && !/^\d+$/.test(length)) {
      problems.push(`X-Upload-Content-Length "${length}" is not a byte count`)
    }
    if (size === 0) return problems
    return [...problems, ...jsonBody(exchange, method, contentType, validators)]
  }

  if (size === 0 && exchange.bodyOmitted !== true) return []
  if (method.request === undefined) return [`sends a body (${size} bytes) the method does not take`]
  return jsonBody(exchange, method, contentType, validators)
}

const jsonBody = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  contentType: string,
  validators: Validators
): Array<string> => {
  if (method.request === undefined) return ["sends metadata the method does not take"]
  if (!contentType.startsWith("application/json")) {
    return [`sends a "${contentType}" body where JSON is expected`]
  }
  if (exchange.body === undefined) return []
  const parsed = parseJson(exchange.body)
  if (parsed === undefined) return ["sends a body that is not valid JSON"]
  return validators.schema(method.request.$ref, parsed, "request body")
}

const checkMultipart = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  validators: Validators
): Array<string> => {
  const contentType = exchange.headers["content-type"] ?? ""
  const boundary = relatedBoundary(contentType)
  if (boundary === undefined) {
    return [`a multipart upload needs "multipart/related" with a boundary, not "${contentType}"`]
  }
  if (exchange.body === undefined) return []
  const parts = splitRelated(Buffer.from(exchange.body), boundary)
  if (parts.length !== 2) return [`a multipart upload has 2 parts, not ${parts.length}`]
  const [metadata, media] = parts as [RelatedPart, RelatedPart]
  const problems: Array<string> = []
  if (!(metadata.headers["content-type"] ?? "").startsWith("application/json")) {
    problems.push("the first part of a multipart upload must be JSON metadata")
  } else if (method.request !== undefined) {
    const parsed = parseJson(metadata.body)
    if (parsed === undefined) problems.push("the metadata part is not valid JSON")
    else problems.push(...validators.schema(method.request.$ref, parsed, "metadata part"))
  }
  const mediaType = media.headers["content-type"]
  if (mediaType === undefined) problems.push("the media part has no Content-Type")
  else if (!acceptsMedia(method, mediaType))
    problems.push(`media type "${mediaType}" is not accepted`)
  return problems
}

/** A resumable session request: a chunk (`bytes a-b/total`) or a status query (`*\/total`). */
const checkSession = (
  exchange: DiscoveryExchange,
  url: URL,
  method: DiscoveryMethod | undefined,
  validators: Validators
): Array<string> => {
  const label = `resumable session ${exchange.method} ${url.pathname}`
  if (method === undefined) return [`${label}: matches no method with a media upload`]
  const problems: Array<string> = []
  if (exchange.method !== "PUT") problems.push("a session is sent chunks with PUT")
  if (url.searchParams.get("uploadType") !== "resumable") {
    problems.push("a session URI keeps uploadType=resumable")
  }
  const range = exchange.headers["content-range"]
  const size = exchange.body?.length
  const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range ?? "")
  const query = /^bytes \*\/(\d+|\*)$/.exec(range ?? "")
  if (chunk !== null) {
    const [start, end] = [Number(chunk[1]), Number(chunk[2])]
    if (end < start) problems.push(`Content-Range "${range}" ends before it starts`)
    if (size !== undefined && size !== end - start + 1) {
      problems.push(`Content-Range "${range}" says ${end - start + 1} bytes, the body has ${size}`)
    }
  } else if (query !== null) {
    if ((size ?? 0) > 0 || exchange.bodyOmitted === true) {
      problems.push("a status query has an empty body")
    }
  } else if (range !== undefined || (size ?? 0) > 0) {
    problems.push(`Content-Range "${range}" is not "bytes a-b/total" or "bytes */total"`)
  }

  problems.push(...checkSessionAnswer(exchange, method, validators))
  return problems.map((problem) => `${method.id} (${label}): ${problem}`)
}

/** A session's answer: none (dropped), `308` with `Range: bytes=0-n`, or the resource. */
const checkSessionAnswer = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  validators: Validators
): Array<string> => {
  if (exchange.status === 0) return []
  if (exchange.status !== 308) return checkAnswer(exchange, method, validators)
  const answered = exchange.responseHeaders.range
  return answered === undefined || /^bytes=0-\d+$/.test(answered)
    ? []
    : [`the fake's Range "${answered}" is not "bytes=0-n"`]
}

const checkResponse = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  url: URL,
  validators: Validators
): Array<string> => {
  const media =
    url.searchParams.get("alt") === "media" ||
    (method.id.endsWith(".export") && exchange.status < 300)
  if (media) {
    return method.supportsMediaDownload === true || method.id.endsWith(".export")
      ? []
      : ["asks for media (alt=media) from a method that has no media download"]
  }
  const resumableStart = url.searchParams.get("uploadType") === "resumable" && exchange.status < 300
  if (resumableStart) {
    const location = exchange.responseHeaders.location
    return location !== undefined &&
      new URL(location, "http://fake.invalid").searchParams.has("upload_id")
      ? []
      : ["the fake started a resumable session without a session URI in Location"]
  }
  return checkAnswer(exchange, method, validators)
}

/** Checks a JSON answer: the method's response schema on success, Google's error body else. */
const checkAnswer = (
  exchange: DiscoveryExchange,
  method: DiscoveryMethod,
  validators: Validators
): Array<string> => {
  if (exchange.status >= 300) return validators.error(exchange.responseBody)
  if (method.response === undefined) {
    return exchange.responseBody === undefined
      ? []
      : ["the fake answered a body the method does not return"]
  }
  if (exchange.responseBody === undefined) return ["the fake answered no JSON body"]
  return validators.schema(method.response.$ref, exchange.responseBody, "response body")
}

const acceptsMedia = (method: DiscoveryMethod, contentType: string) => {
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  return (method.mediaUpload?.accept ?? []).some((accepted) => {
    if (accepted === "*/*") return type.includes("/")
    if (accepted.endsWith("/*")) return type.startsWith(accepted.slice(0, -1))
    return accepted === type
  })
}

const parseJson = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"))
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------
// Schemas: discovery to JSON Schema

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv

const makeValidators = (doc: DiscoveryDocument): Validators => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  const definitions = Object.fromEntries(
    Object.entries(doc.schemas).map(([name, schema]) => [name, translate(schema)])
  )
  const root = `discovery:${doc.id}`
  ajv.addSchema({ $id: root, definitions })
  ajv.addSchema({ $id: "google:error", ...googleErrorSchema })
  const compiled = new Map<string, ValidateFunction>()

  const validatorOf = (ref: string) => {
    let validate = compiled.get(ref)
    if (validate === undefined) {
      const found = ajv.getSchema(`${root}#/definitions/${ref}`)
      if (found === undefined) throw new Error(`${doc.id} has no schema "${ref}"`)
      validate = found
      compiled.set(ref, validate)
    }
    return validate
  }

  const problemsOf = (validate: ValidateFunction, value: unknown, where: string) =>
    validate(value)
      ? []
      : (validate.errors ?? []).map(
          (error) =>
            `${where}${error.instancePath === "" ? "" : ` at ${error.instancePath}`} ${error.message}${
              error.keyword === "additionalProperties"
                ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
                : error.keyword === "enum"
                  ? ` (${(error.params as { allowedValues: Array<string> }).allowedValues.join(", ")})`
                  : ""
            }`
        )

  const errorValidator = ajv.getSchema("google:error")!
  return {
    schema: (ref, value, where) => problemsOf(validatorOf(ref), value, `${where} (${ref})`),
    error: (value) => problemsOf(errorValidator, value, "error body")
  }
}

/**
 * One discovery schema as JSON Schema. Objects with `properties` reject unknown fields
 * (Google answers "Unknown name" to them); `int64` strings must be digits; `byte` strings
 * base64 in either alphabet; Google's date-time formats are RFC 3339.
 */
const translate = (schema: DiscoverySchema): Record<string, unknown> => {
  if (schema.$ref !== undefined) return { $ref: `#/definitions/${schema.$ref}` }
  const out: Record<string, unknown> = {}
  switch (schema.type) {
    case "object":
      out.type = "object"
      if (schema.properties !== undefined) {
        out.properties = Object.fromEntries(
          Object.entries(schema.properties).map(([name, property]) => [name, translate(property)])
        )
        if (schema.additionalProperties === undefined) out.additionalProperties = false
      }
      if (schema.additionalProperties !== undefined) {
        out.additionalProperties = translate(schema.additionalProperties)
      }
      break
    case "array":
      out.type = "array"
      if (schema.items !== undefined) out.items = translate(schema.items)
      break
    case "string":
      out.type = "string"
      if (schema.format === "int64" || schema.format === "uint64") out.pattern = "^-?\\d+$"
      if (schema.format === "byte") out.pattern = "^[A-Za-z0-9+/_-]*={0,2}$"
      if (schema.format === "date-time" || schema.format === "google-datetime") {
        out.format = "date-time"
      }
      if (schema.format === "date") out.format = "date"
      break
    case "integer":
    case "number":
    case "boolean":
      out.type = schema.type
      break
  }
  if (schema.enum !== undefined) out.enum = schema.enum
  return out
}

/** Google's JSON error body (`error.code`, `message`, `status`, `errors[]`, `details[]`). */
const googleErrorSchema = {
  type: "object",
  required: ["error"],
  additionalProperties: false,
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      properties: {
        code: { type: "integer", minimum: 400, maximum: 599 },
        message: { type: "string" },
        status: {
          enum: [
            "INVALID_ARGUMENT",
            "FAILED_PRECONDITION",
            "OUT_OF_RANGE",
            "UNAUTHENTICATED",
            "PERMISSION_DENIED",
            "NOT_FOUND",
            "ABORTED",
            "ALREADY_EXISTS",
            "RESOURCE_EXHAUSTED",
            "CANCELLED",
            "DATA_LOSS",
            "UNKNOWN",
            "INTERNAL",
            "NOT_IMPLEMENTED",
            "UNAVAILABLE",
            "DEADLINE_EXCEEDED"
          ]
        },
        errors: {
          type: "array",
          items: {
            type: "object",
            required: ["message", "domain", "reason"],
            additionalProperties: false,
            properties: {
              message: { type: "string" },
              domain: { type: "string" },
              reason: { type: "string" },
              location: { type: "string" },
              locationType: { type: "string" }
            }
          }
        },
        details: {
          type: "array",
          items: {
            type: "object",
            required: ["@type"],
            properties: { "@type": { type: "string" } }
          }
        }
      }
    }
  }
}
