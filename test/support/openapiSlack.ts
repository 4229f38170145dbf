/**
 * Contract checks against Slack's published Web API description (Swagger 2.0, a copy in
 * `test/fixtures/specs`).
 *
 * Slack's description predates some methods (the external file upload) and lists only
 * some error codes, so a call to a method it does not describe is reported as not
 * described rather than as a problem, and `ok: false` answers are checked for Slack's
 * error shape only. Requests are checked for their HTTP method, unknown and missing
 * arguments, and argument types; `ok: true` answers against the method's schema.
 */
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { ErrorObject, ValidateFunction } from "ajv"
import { Ajv } from "ajv"

/** One Web API call, as the Slack fake recorded it. */
export interface SlackExchange {
  /** Web API method, for example `chat.postMessage`. */
  readonly method: string
  readonly httpMethod: string
  /** Arguments sent (the token left out). */
  readonly params: Readonly<Record<string, unknown>>
  /** Whether the token came in the `Authorization` header. */
  readonly bearer: boolean
  readonly response: unknown
}

/** Checks Slack calls against the description. */
export interface SlackContract {
  /** Whether the description has the method. */
  readonly describes: (method: string) => boolean
  readonly checkRequest: (exchange: SlackExchange) => ReadonlyArray<string>
  readonly checkResponse: (exchange: SlackExchange) => ReadonlyArray<string>
}

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are untyped JSON, read by path
type Json = Record<string, any>

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

/** Where the description is kept, relative to the repository. */
export const slackSpecPath = resolve(repoRoot, "test/fixtures/specs/slack-web-openapi-v2.json")

let slack: SlackContract | undefined

/** Slack's Web API description, loaded once per test file. */
export const slackContract = (): SlackContract => {
  if (slack === undefined)
    slack = makeSlackContract(JSON.parse(readFileSync(slackSpecPath, "utf8")) as Json)
  return slack
}

const makeSlackContract = (spec: Json): SlackContract => {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: false })
  ajv.addSchema({ $id: "slack", definitions: rebase(spec.definitions) }, "slack")
  const compiled = new Map<string, ValidateFunction>()
  const operation = (method: string): { verb: string; op: Json } | undefined => {
    const item = (spec.paths as Json)[`/${method}`] as Json | undefined
    if (item === undefined) return undefined
    const [verb, op] = Object.entries(item)[0]!
    return { verb, op: op as Json }
  }

  return {
    describes: (method) => operation(method) !== undefined,

    checkRequest: (exchange) => {
      const found = operation(exchange.method)
      if (found === undefined) return []
      const problems: Array<string> = []
      const where = exchange.method
      if (found.verb.toUpperCase() !== exchange.httpMethod.toUpperCase()) {
        problems.push(
          `${where} is sent with ${found.verb.toUpperCase()}, not ${exchange.httpMethod}`
        )
      }
      const params = (found.op.parameters ?? []) as Array<Json>
      const declared = new Map(params.map((p) => [p.name as string, p]))
      for (const [name, value] of Object.entries(exchange.params)) {
        const param = declared.get(name)
        if (param === undefined) {
          problems.push(`${where} has no argument "${name}"`)
          continue
        }
        const problem = typeProblem(param.type as string | undefined, value)
        if (problem !== undefined) problems.push(`${where} argument "${name}" ${problem}`)
      }
      for (const param of params) {
        if (param.required !== true) continue
        const present =
          param.name === "token" ? exchange.bearer : exchange.params[param.name] !== undefined
        if (!present) problems.push(`${where} needs the argument "${param.name}"`)
      }
      return problems
    },

    checkResponse: (exchange) => {
      const found = operation(exchange.method)
      if (found === undefined) return []
      const body = exchange.response as Json
      if (body?.ok === false) {
        return typeof body.error === "string"
          ? []
          : [`${exchange.method} error answer has no error code`]
      }
      const schema = found.op.responses?.["200"]?.schema
      if (schema === undefined) return []
      let validate = compiled.get(exchange.method)
      if (validate === undefined) {
        validate = ajv.compile(rebase(schema))
        compiled.set(exchange.method, validate)
      }
      if (validate(body)) return []
      const errors = (validate.errors ?? []).filter((e) => !isErratum(exchange.method, e))
      return messages(`${exchange.method} answer`, errors)
    }
  }
}

/**
 * Places where the description contradicts Slack's own examples and answers; errors there
 * are not problems of ours. Each says why.
 */
const errata: ReadonlyArray<{
  readonly method: string
  readonly path: string
  readonly keyword: string
  readonly why: string
}> = [
  {
    method: "conversations.history",
    path: "",
    keyword: "additionalProperties",
    why: "the description's own example has response_metadata, which carries the next cursor"
  },
  {
    method: "conversations.history",
    path: "/messages",
    keyword: "minItems",
    why: "a page of a quiet channel, or past the oldest bound, has no messages"
  },
  {
    method: "chat.update",
    path: "/message/blocks",
    keyword: "type",
    why: "blocks are a list, as the chat.postMessage schema of the same description says"
  }
]

const isErratum = (method: string, error: ErrorObject) =>
  errata.some(
    (e) =>
      e.method === method &&
      e.path === error.instancePath &&
      e.keyword === error.keyword &&
      (e.keyword !== "additionalProperties" ||
        (error.params as { additionalProperty?: string }).additionalProperty ===
          "response_metadata")
  )

/** Form and query arguments are text: check the text reads as the declared type. */
const typeProblem = (type: string | undefined, value: unknown): string | undefined => {
  const text = String(value)
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(text) ? undefined : `should be an integer, got "${text}"`
    case "number":
      return text.trim() !== "" && !Number.isNaN(Number(text))
        ? undefined
        : `should be a number, got "${text}"`
    case "boolean":
      return /^(true|false|1|0)$/.test(text) ? undefined : `should be a boolean, got "${text}"`
    default:
      return undefined
  }
}

/** Points `#/definitions/...` references at the definitions registered as `slack`. */
const rebase = (schema: unknown): Json => {
  if (Array.isArray(schema)) return schema.map(rebase)
  if (typeof schema !== "object" || schema === null) return schema as Json
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? `slack${value}`
        : rebase(value)
    ])
  )
}

const messages = (where: string, errors: ReadonlyArray<ErrorObject> | null | undefined) =>
  (errors ?? [])
    .slice(0, 5)
    .map((e) => `${where}${e.instancePath}: ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`)
