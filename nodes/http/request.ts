/**
 * The `http.request` node: send one HTTP request to any URL, or walk every page of a list.
 *
 * @module
 */
import { writeFile } from "node:fs/promises"
import { basename, extname, join } from "node:path"
import { Effect, Stream } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { DecodeError, ResponseTooLargeError, TransportError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { type PaginationStyle, pages } from "../../src/http/pagination.js"
import { maskUrl } from "../../src/http/redact.js"
import type {
  HttpRequest,
  HttpResponse,
  MultipartPart,
  QueryValue,
  RequestBody
} from "../../src/http/request.js"
import { Workspace } from "../../src/http/workspace.js"
import { defineNode } from "../../src/node/defineNode.js"
import { canHaveBody, isFileRef, RequestInput, RequestOutput } from "./requestSchema.js"
import { Http } from "./service.js"

// ---------------------------------------------------------------------------------------
// Node

/**
 * Sends an HTTP request to any URL and returns the status, headers and body, the body
 * saved as a file, or with pagination the items of every page.
 *
 * Fails with the kernel's typed errors: `AuthenticationError` for 401, `NotFoundError` for
 * 404, `RateLimitError` when throttled past the retries, `TimeoutError`, and so on;
 * statuses in `acceptStatus` are returned instead. A `response: "json"` body that is not
 * JSON fails with `DecodeError`.
 */
export const request = defineNode({
  type: "http.request",
  version: 1,
  title: "HTTP request",
  description:
    "Call any HTTP API: send JSON, forms, files or text, read JSON, text or files back, and " +
    "follow every page of a list.",
  category: "Core",
  credentials: {
    types: ["http.bearer", "http.basic", "http.apiKey", "oauth2.generic"],
    required: false
  },
  input: RequestInput,
  output: RequestOutput,
  run: (input) =>
    Effect.gen(function* () {
      const client = yield* Http
      const request = toHttpRequest(input)
      if (input.pagination !== undefined) {
        return yield* paginate(client, request, input.pagination)
      }
      if (input.response === "file") {
        return yield* client.download(request, { name: input.fileName })
      }
      const response = yield* client.request(request).pipe(Effect.mapError(explainTooLarge))
      return yield* readResponse(response, input)
    })
})

// ---------------------------------------------------------------------------------------
// Building the request

const toHttpRequest = (input: RequestInput): HttpRequest => {
  const { headers, contentType } = splitContentType(input.headers)
  return {
    method: input.method,
    url: input.url,
    query: input.query,
    headers,
    body: toRequestBody(input, contentType),
    idempotencyKey: input.idempotencyKey,
    timeouts: deadline(input.timeoutMs),
    followRedirects: input.followRedirects,
    retry: input.retry,
    acceptStatus: input.acceptStatus
  }
}

/** The step's timeout bounds the whole request, and the wait for its response may use all of it. */
const deadline = (timeoutMs: number | undefined) =>
  timeoutMs === undefined ? undefined : { totalMs: timeoutMs, headersMs: timeoutMs }

const toRequestBody = (
  input: RequestInput,
  contentType: string | undefined
): RequestBody | undefined => {
  const { body } = input
  if (body === undefined) return undefined
  if (body === null && (input.bodyType !== "json" || !canHaveBody(input.method))) return undefined
  switch (input.bodyType) {
    case "json":
      return { _tag: "Json", value: body }
    case "form":
      return { _tag: "Form", fields: formFields(body) }
    case "multipart":
      return { _tag: "Multipart", parts: multipartParts(body) }
    case "text":
      return {
        _tag: "Text",
        text: String(body),
        contentType: contentType ?? "text/plain; charset=utf-8"
      }
    case "file":
      return {
        _tag: "File",
        file: body as FileRef,
        contentType: contentType ?? (body as FileRef).mimeType
      }
  }
}

const formFields = (body: unknown): Record<string, QueryValue | undefined> => {
  const fields: Record<string, QueryValue | undefined> = {}
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    fields[name] = value === null ? undefined : (value as QueryValue)
  }
  return fields
}

const multipartParts = (body: unknown): ReadonlyArray<MultipartPart> =>
  Object.entries(body as Record<string, unknown>).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((item): ReadonlyArray<MultipartPart> => {
      if (item === null || item === undefined) return []
      if (isFileRef(item)) return [{ _tag: "File", name, file: item }]
      const text = typeof item === "object" ? JSON.stringify(item) : String(item)
      return [{ _tag: "Field", name, value: text }]
    })
  )

/** Takes `content-type` out of the headers, so a text or file body can carry it. */
const splitContentType = (headers: RequestInput["headers"]) => {
  if (headers === undefined) return { headers, contentType: undefined }
  const rest: Record<string, string> = {}
  let contentType: string | undefined
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === "content-type") contentType = value
    else rest[name] = value
  }
  return { headers: rest, contentType }
}

// ---------------------------------------------------------------------------------------
// Reading the response

const readResponse = (
  response: HttpResponse,
  input: RequestInput
): Effect.Effect<RequestOutput, KernelError, Workspace> => {
  const { status, headers, body } = response
  const contentType = headers["content-type"] ?? ""
  const mode = input.response === "auto" ? autoMode(contentType, body) : input.response
  switch (mode) {
    case "empty":
      return Effect.succeed({ status, headers, body: null })
    case "text":
      return Effect.succeed({ status, headers, body: decodeText(body, contentType) })
    case "json":
      return Effect.map(parseJson(response, input), (json) => ({ status, headers, body: json }))
    default:
      return Effect.map(saveBody(response, input), (file) => ({ status, headers, file }))
  }
}

/** How `response: "auto"` reads a body, from its content type. */
const autoMode = (contentType: string, body: Uint8Array) => {
  if (body.length === 0) return "empty"
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  if (type === "application/json" || type.endsWith("+json")) return "json"
  if (isTextual(type) || /;\s*charset=/i.test(contentType)) return "text"
  return "file"
}

const isTextual = (type: string) =>
  type.startsWith("text/") ||
  type.endsWith("+xml") ||
  type === "application/xml" ||
  type === "application/javascript" ||
  type === "application/x-www-form-urlencoded" ||
  type === "application/x-ndjson" ||
  type === "application/yaml"

const decodeText = (body: Uint8Array, contentType: string) => {
  const charset = /;\s*charset="?([^";]+)"?/i.exec(contentType)?.[1]
  try {
    return new TextDecoder(charset ?? "utf-8").decode(body)
  } catch {
    return new TextDecoder("utf-8").decode(body)
  }
}

const parseJson = (response: HttpResponse, input: RequestInput) => {
  if (response.body.length === 0) return Effect.succeed(null)
  return Effect.try({
    try: (): unknown => JSON.parse(new TextDecoder("utf-8").decode(response.body)),
    catch: () =>
      new DecodeError({
        message:
          input.response === "json"
            ? 'The response is not valid JSON; set response to "text" or "auto" to read it as it is.'
            : 'The response says it is JSON but is not valid JSON; set response to "text" to read it as it is.',
        integration: "http",
        method: input.method,
        url: maskUrl(response.url),
        status: response.status
      })
  })
}

/** Writes a body that `auto` found to be binary to a new file in the run's workspace. */
const saveBody = (response: HttpResponse, input: RequestInput) =>
  Effect.flatMap(Workspace, ({ directory }) =>
    Effect.tryPromise({
      try: async (): Promise<FileRef> => {
        const path = await writeNewFile(
          directory,
          input.fileName ?? fileNameOf(response),
          response.body
        )
        const mimeType = response.headers["content-type"]?.split(";")[0]?.trim().toLowerCase()
        return {
          path,
          name: basename(path),
          mimeType: mimeType || "application/octet-stream",
          size: response.body.length
        }
      },
      catch: (cause) =>
        new TransportError({
          integration: "http",
          method: input.method,
          url: maskUrl(response.url),
          status: response.status,
          reason: "Aborted",
          requestSent: true,
          message:
            `The response could not be saved in the run's workspace (${errorCode(cause)}): ` +
            "check the free disk space and the workspace directory."
        })
    })
  )

/** Writes `bytes` under `name` in `directory`, or `name (2)`, `name (3)`, ... when taken. */
const writeNewFile = async (directory: string, name: string, bytes: Uint8Array) => {
  const extension = extname(name)
  const stem = name.slice(0, name.length - extension.length)
  for (let n = 1; ; n++) {
    const path = join(directory, n === 1 ? name : `${stem} (${n})${extension}`)
    try {
      await writeFile(path, bytes, { flag: "wx" })
      return path
    } catch (error) {
      if (errorCode(error) !== "EEXIST" || n >= 1000) throw error
    }
  }
}

/** The name a response gives its file: `Content-Disposition`, else the URL's last segment. */
const fileNameOf = (response: HttpResponse) => {
  const disposition = response.headers["content-disposition"] ?? ""
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(disposition)?.[1]
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1]
  const last = new URL(response.url).pathname.split("/").pop() ?? ""
  const name = basename(safeDecode(extended ?? "") || plain || safeDecode(last)).trim()
  return name === "" || name === "." || name === ".." ? "download" : name
}

const safeDecode = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const errorCode = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "code" in cause
    ? String((cause as { code: unknown }).code)
    : "write error"

/** Tells the author how to read a body too large for memory. */
/** The kernel's generic advice, which a flow cannot follow as written. */
const tooLargeAdvice = /: download it to a file instead.*$/

const explainTooLarge = (error: KernelError): KernelError =>
  error._tag === "ResponseTooLargeError"
    ? new ResponseTooLargeError({
        ...error,
        message: `${error.message.replace(tooLargeAdvice, "")}; set the step's response to "file" to stream it to disk instead.`
      })
    : error

// ---------------------------------------------------------------------------------------
// Pagination

type PaginationInput = NonNullable<RequestInput["pagination"]>

/** Reads every page (up to the limits) and returns their items with the last page's status. */
const paginate = (client: HttpClient, request: HttpRequest, pagination: PaginationInput) => {
  const { itemsPath, limit, maxPages } = pagination
  const stream = pages(client, request, paginationStyle(pagination), { itemsPath, limit, maxPages })
  return Stream.runFold(stream, emptyPages(), (result, page) => {
    result.items.push(...page.items)
    return { ...result, last: page.response, pages: result.pages + 1 }
  }).pipe(
    Effect.map(({ items, last, pages }) => ({
      status: last?.status ?? 200,
      headers: last?.headers ?? {},
      items,
      count: items.length,
      pages
    }))
  )
}

const emptyPages = () => ({
  items: [] as Array<unknown>,
  last: undefined as HttpResponse | undefined,
  pages: 0
})

/** The kernel's pagination style for the node's settings (checked by the input schema). */
const paginationStyle = (p: PaginationInput): PaginationStyle => {
  switch (p.style) {
    case "linkHeader":
      return { _tag: "LinkHeader" }
    case "cursor":
      return { _tag: "Cursor", cursorPath: p.cursorPath!, param: p.cursorParam!, in: p.cursorIn }
    case "nextUrl":
      return { _tag: "NextUrl", nextUrlPath: p.nextUrlPath! }
    case "offset":
      return {
        _tag: "Offset",
        param: p.offsetParam!,
        limitParam: p.limitParam,
        pageSize: p.pageSize!
      }
  }
}
