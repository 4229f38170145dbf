/**
 * The settings and the result of an `http.request` step, as schemas: every field with a
 * title, a description and examples for the settings form, and the checks that span
 * fields (a GET with a body, a file body that is not a file, pagination that cannot
 * work), so a bad step is refused with the field named before anything is sent.
 *
 * @module
 */
import { Either, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { parsePath } from "../../src/http/jsonPath.js"
import type { HttpMethod } from "../../src/http/request.js"

// ---------------------------------------------------------------------------------------
// Input

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const

const bodyTypes = ["json", "form", "multipart", "text", "file"] as const

type BodyType = (typeof bodyTypes)[number]

const Scalar = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)

/** A query value: text, a number, a boolean, or a list of them that repeats the key. */
const QueryParam = Schema.Union(Scalar, Schema.Array(Scalar)).annotations({
  title: "Query value",
  description: "A value, or a list of values that repeats the parameter (`?tag=a&tag=b`)."
})

const AbsoluteUrl = Schema.String.pipe(
  Schema.filter(
    (url) =>
      isHttpUrl(url) ||
      "Enter an absolute http:// or https:// URL, for example https://api.example.com/v1/items.",
    { jsonSchema: { format: "uri" } }
  )
).annotations({
  title: "URL",
  description: "Absolute http:// or https:// URL to send the request to.",
  examples: ["https://httpbin.sandbox/anything", "https://api.example.com/v1/items?status=open"]
})

/** A JSON path into a response body, checked when the input is decoded. */
const JsonPathString = Schema.String.pipe(
  Schema.filter((path) => Either.match(parsePath(path), { onLeft: (m) => m, onRight: () => true }))
)

/** How to follow the pages of a list, and when to stop. */
const Pagination = Schema.Struct({
  style: Schema.Literal("linkHeader", "cursor", "nextUrl", "offset").annotations({
    title: "Style",
    description:
      'How the API links pages: `linkHeader` (a `Link: <…>; rel="next"` header), `cursor` ' +
      "(a cursor in the body, sent back as a parameter), `nextUrl` (the next page's URL in " +
      "the body) or `offset` (an offset parameter counted in items).",
    examples: ["linkHeader", "cursor"]
  }),
  itemsPath: Schema.optional(
    JsonPathString.annotations({
      title: "Items path",
      description:
        "JSON path to the list of items in each page. Leave empty when the body is the list.",
      examples: ["items", "data.results", "value"]
    })
  ),
  cursorPath: Schema.optional(
    JsonPathString.annotations({
      title: "Cursor path",
      description: "For `cursor`: JSON path to the next cursor in each page; empty or null ends.",
      examples: ["next_cursor", "response_metadata.next_cursor"]
    })
  ),
  cursorParam: Schema.optional(
    Schema.NonEmptyString.annotations({
      title: "Cursor parameter",
      description: "For `cursor`: the parameter that sends the cursor back.",
      examples: ["cursor", "page_token"]
    })
  ),
  cursorIn: Schema.optionalWith(
    Schema.Literal("query", "body").annotations({
      title: "Cursor sent in",
      description: "For `cursor`: send the cursor in the query string or in the JSON body.",
      default: "query"
    }),
    { default: () => "query" as const }
  ),
  nextUrlPath: Schema.optional(
    JsonPathString.annotations({
      title: "Next URL path",
      description: "For `nextUrl`: JSON path to the next page's URL in each page.",
      examples: ['["@odata.nextLink"]', "links.next"]
    })
  ),
  offsetParam: Schema.optional(
    Schema.NonEmptyString.annotations({
      title: "Offset parameter",
      description: "For `offset`: the query parameter that carries the offset, in items.",
      examples: ["offset", "skip"]
    })
  ),
  limitParam: Schema.optional(
    Schema.NonEmptyString.annotations({
      title: "Page size parameter",
      description: "For `offset`: the query parameter that carries the page size.",
      examples: ["limit", "per_page"]
    })
  ),
  pageSize: Schema.optional(
    Schema.Int.pipe(Schema.between(1, 10_000)).annotations({
      title: "Page size",
      description: "For `offset`: items per page; a shorter page is the last one.",
      examples: [100]
    })
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Item limit",
      description: "Stop after this many items.",
      examples: [250]
    })
  ),
  maxPages: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Page limit",
      description: "Stop after this many pages.",
      examples: [10]
    })
  )
})
  .pipe(
    Schema.filter((p) => {
      const missing = (field: string, style: string) => ({
        path: [field],
        message: `Pagination style "${style}" needs ${field}; set it or choose another style.`
      })
      if (p.style === "cursor") {
        return [
          p.cursorPath === undefined ? missing("cursorPath", "cursor") : undefined,
          p.cursorParam === undefined ? missing("cursorParam", "cursor") : undefined
        ]
      }
      if (p.style === "nextUrl" && p.nextUrlPath === undefined)
        return missing("nextUrlPath", "nextUrl")
      if (p.style === "offset") {
        return [
          p.offsetParam === undefined ? missing("offsetParam", "offset") : undefined,
          p.pageSize === undefined ? missing("pageSize", "offset") : undefined
        ]
      }
      return undefined
    })
  )
  .annotations({
    title: "Pagination",
    description: "Follow every page of a list and return its items; leave empty for one request."
  })

/** Settings of an `http.request` step. */
export const RequestInput = Schema.Struct({
  method: Schema.optionalWith(
    Schema.Literal(...methods).annotations({
      title: "Method",
      description: "HTTP method of the request.",
      examples: ["GET", "POST"],
      default: "GET"
    }),
    { default: () => "GET" as const }
  ),
  url: AbsoluteUrl,
  query: Schema.optional(
    Schema.Record({ key: Schema.String, value: QueryParam }).annotations({
      title: "Query",
      description: "Query parameters added to the URL; a list repeats the parameter.",
      examples: [{ status: "open", tag: ["a", "b"], page: 1 }]
    })
  ),
  headers: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
      title: "Headers",
      description: "Request headers. Use a credential for secrets, never a header here.",
      examples: [{ accept: "application/json" }]
    })
  ),
  body: Schema.optional(
    Schema.Unknown.annotations({
      title: "Body",
      description:
        "What to send: any JSON value for `json`, an object of fields for `form` and " +
        "`multipart` (file values become file parts), a string for `text`, a file for `file`.",
      examples: [{ name: "Ada", tags: ["admin"] }]
    })
  ),
  bodyType: Schema.optionalWith(
    Schema.Literal(...bodyTypes).annotations({
      title: "Body type",
      description:
        "How the body is sent: `json`, `form` (URL-encoded fields), `multipart` (fields and " +
        "files), `text` (content type from the headers, else text/plain) or `file` (streamed).",
      default: "json"
    }),
    { default: () => "json" as const }
  ),
  response: Schema.optionalWith(
    Schema.Literal("auto", "json", "text", "file").annotations({
      title: "Response",
      description:
        "How to read the response: `auto` (JSON for JSON, text for textual content, else a " +
        "file), `json`, `text`, or `file` (streamed to disk, for any size).",
      default: "auto"
    }),
    { default: () => "auto" as const }
  ),
  fileName: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "File name",
      description: "Name of the downloaded file. Defaults to the name the server or URL gives.",
      examples: ["report.pdf"]
    })
  ),
  timeoutMs: Schema.optional(
    Schema.Int.pipe(Schema.between(1, 3_600_000)).annotations({
      title: "Timeout (ms)",
      description: "Longest time for the whole request, body included, in milliseconds.",
      examples: [30_000]
    })
  ),
  followRedirects: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Follow redirects",
      description: "Follow redirects; credentials are dropped when one leaves the origin.",
      default: true
    }),
    { default: () => true }
  ),
  retry: Schema.optional(
    Schema.Union(
      Schema.Struct({
        maxAttempts: Schema.Int.pipe(Schema.between(1, 10)).annotations({
          title: "Attempts",
          description: "Attempts in total, the first included.",
          examples: [3]
        })
      }),
      Schema.Literal(false)
    ).annotations({
      title: "Retry",
      description:
        "Retry failed attempts (throttling, server errors, dropped connections); `false` sends " +
        "once. POST and PATCH are retried only when safe or with an idempotency key.",
      examples: [{ maxAttempts: 3 }, false]
    })
  ),
  idempotencyKey: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Idempotency key",
      description:
        "Sent as `Idempotency-Key`; lets a POST or PATCH be retried without acting twice.",
      examples: ["order-1001-summary"]
    })
  ),
  acceptStatus: Schema.optional(
    Schema.Array(
      Schema.Int.pipe(Schema.between(100, 599)).annotations({
        title: "Status",
        description: "An HTTP status from 100 to 599."
      })
    ).annotations({
      title: "Accepted statuses",
      description: "Error statuses to return as output instead of failing the step.",
      examples: [[404, 409]]
    })
  ),
  pagination: Schema.optional(Pagination)
})
  .pipe(Schema.filter((input) => [bodyIssue(input), paginationIssue(input)]))
  .annotations({
    identifier: "HttpRequestInput",
    title: "HTTP request",
    description: "Settings of an HTTP request step."
  })

/** Settings of an `http.request` step, decoded. */
export type RequestInput = typeof RequestInput.Type

// ---------------------------------------------------------------------------------------
// Output

const Status = Schema.Int.annotations({ title: "Status", description: "HTTP status." })

const ResponseHeaders = Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
  title: "Headers",
  description: "Response headers, names lower-cased."
})

const BodyOutput = Schema.Struct({
  status: Status,
  headers: ResponseHeaders,
  body: Schema.Unknown.annotations({
    title: "Body",
    description: "The response body: parsed JSON, text, or null when empty."
  })
}).annotations({ title: "Response" })

const FileOutput = Schema.Struct({
  status: Status,
  headers: ResponseHeaders,
  file: FileRef.annotations({ description: "The response body, saved as a file." })
}).annotations({ title: "File response" })

const PagesOutput = Schema.Struct({
  status: Status,
  headers: ResponseHeaders,
  items: Schema.Array(Schema.Unknown).annotations({
    title: "Items",
    description: "The items of every page, in order, up to the item limit."
  }),
  count: Schema.Int.annotations({ title: "Count", description: "Number of items." }),
  pages: Schema.Int.annotations({ title: "Pages", description: "Number of pages read." })
}).annotations({ title: "Paginated response" })

/** What an `http.request` step returns: a body, a file, or the items of every page. */
export const RequestOutput = Schema.Union(PagesOutput, FileOutput, BodyOutput).annotations({
  identifier: "HttpRequestOutput",
  title: "HTTP response"
})

/** What an `http.request` step returns. */
export type RequestOutput = typeof RequestOutput.Type

// ---------------------------------------------------------------------------------------
// Checks that span fields

/** A problem with one field, or none. */
type FieldProblem = { readonly path: ReadonlyArray<string>; readonly message: string } | undefined

/** The body must suit the method and the body type; checked before anything is sent. */
const bodyIssue = (input: {
  readonly method: HttpMethod
  readonly body?: unknown
  readonly bodyType: BodyType
}): FieldProblem => {
  const { method, body, bodyType } = input
  const issue = (message: string) => ({ path: ["body"], message })
  if (body === undefined || body === null) {
    return bodyType === "file" ? issue('Body type "file" needs a file as the body.') : undefined
  }
  if (!canHaveBody(method)) {
    return issue(`A ${method} request cannot have a body; remove it or use POST.`)
  }
  switch (bodyType) {
    case "json":
      return undefined
    case "form":
      return isFormFields(body)
        ? undefined
        : issue('Body type "form" needs an object whose values are text, numbers or lists.')
    case "multipart":
      return isRecord(body) && !isFileRef(body)
        ? undefined
        : issue('Body type "multipart" needs an object of fields; file values become file parts.')
    case "text":
      return typeof body === "string" ? undefined : issue('Body type "text" needs a string body.')
    case "file":
      return isFileRef(body)
        ? undefined
        : issue('Body type "file" needs a file (path, name, mimeType, size) as the body.')
  }
}

/** Pagination reads JSON pages, so the response cannot be read as a file or as text. */
const paginationIssue = (input: {
  readonly pagination?: unknown
  readonly response: "auto" | "json" | "text" | "file"
}): FieldProblem => {
  if (input.pagination === undefined || input.response === "auto" || input.response === "json") {
    return undefined
  }
  const what = input.response === "file" ? "a file" : "text"
  return {
    path: ["pagination"],
    message:
      `A paginated request reads JSON pages and returns their items, not ${what}; ` +
      'set response to "auto" or "json", or remove pagination.'
  }
}

/** True for a file reference from an earlier step. */
export const isFileRef = Schema.is(FileRef)

/** GET and HEAD requests carry no body. */
export const canHaveBody = (method: HttpMethod) => method !== "GET" && method !== "HEAD"

const isScalar = Schema.is(Scalar)

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const isFormFields = (body: unknown) =>
  isRecord(body) &&
  Object.values(body).every(
    (value) => value === null || isScalar(value) || (Array.isArray(value) && value.every(isScalar))
  )

function isHttpUrl(url: string) {
  if (!URL.canParse(url)) return false
  const { protocol, hostname } = new URL(url)
  return (protocol === "http:" || protocol === "https:") && hostname !== ""
}
