/**
 * Pagination: the pages of a list endpoint as a lazy `Stream`, one request per page.
 *
 * A style says how a page points to the next one (a `Link` header, a cursor in the body, a
 * next URL in the body, or an offset the client counts). Pages are fetched one at a time
 * as the consumer pulls, through the integration's client (so every page gets retries,
 * rate limits and the credential), and the stream ends when the provider has no next page,
 * when `limit` items or `maxPages` pages are reached, or with a `PaginationError` when the
 * provider repeats a cursor or next URL.
 *
 * The repeat check keeps the markers of the last pages and of one checkpoint page, not of
 * every page, so memory stays flat however long the list is (see {@link Seen}).
 *
 * @module
 */
import { Effect, Either, Option, Stream } from "effect"
import type { ErrorContext, KernelError } from "./errors.js"
import { DecodeError, PaginationError } from "./errors.js"
import type { JsonPath } from "./jsonPath.js"
import { compilePath } from "./jsonPath.js"
import type { HttpClient } from "./kernel.js"
import type { HttpRequest, HttpResponse, QueryValue } from "./request.js"

/** How a page of a list endpoint points to the next page. */
export type PaginationStyle =
  /** RFC 8288 `Link: <url>; rel="next"` response header (GitHub, GitLab). */
  | { readonly _tag: "LinkHeader" }
  /**
   * A cursor read from the body at `cursorPath` (Slack `response_metadata.next_cursor`,
   * Google `nextPageToken`, Notion `next_cursor`), sent back as the query parameter or JSON
   * body field `param`. An empty, `null` or missing cursor ends the list.
   */
  | {
      readonly _tag: "Cursor"
      readonly cursorPath: string
      readonly param: string
      /** Where the cursor goes in the next request; default `query`. */
      readonly in?: "query" | "body" | undefined
    }
  /**
   * The next page's URL in the body at `nextUrlPath` (`@odata.nextLink`, `next`); a
   * relative URL is resolved against the current page's URL.
   */
  | { readonly _tag: "NextUrl"; readonly nextUrlPath: string }
  /**
   * An item offset in the query parameter `param`, starting at `start` (default 0) and
   * advanced by the number of items on each page; `limitParam`, when set, carries
   * `pageSize`. A page shorter than `pageSize` is the last one.
   */
  | {
      readonly _tag: "Offset"
      readonly param: string
      readonly limitParam?: string | undefined
      readonly pageSize: number
      readonly start?: number | undefined
    }

/** What to read from each page, and when to stop early. */
export interface PaginateOptions {
  /** JSON path to the items list in each page's body; by default the body is the list. */
  readonly itemsPath?: string | undefined
  /**
   * Treat a page whose body has nothing at `itemsPath` as empty (some Google APIs leave out
   * an empty list); by default that is a `DecodeError`.
   */
  readonly allowMissingItems?: boolean | undefined
  /** Most items in total: the last page's items are cut and no further page is fetched. */
  readonly limit?: number | undefined
  /** Most pages fetched; the stream then ends without an error. */
  readonly maxPages?: number | undefined
}

/** One fetched page: the response, its parsed JSON body and its items. */
export interface Page {
  readonly response: HttpResponse
  readonly body: unknown
  /** The page's items, cut short on the last page when `limit` is reached. */
  readonly items: ReadonlyArray<unknown>
  /** Position of the page in the list, from 0. */
  readonly index: number
}

/**
 * The pages of a list endpoint, fetched lazily: a page is requested only when the
 * consumer pulls past the previous one. Every page is sent with `client.request` using the
 * first request's method, headers and body, changed only as the style says.
 *
 * Fails with `DecodeError` when a body is not JSON or has no items list at `itemsPath`,
 * with `PaginationError` when the provider repeats a cursor or next URL (the page that
 * repeated it is still emitted) or when the options cannot work, and with any error of
 * the request itself.
 */
export const pages = (
  client: HttpClient,
  request: HttpRequest,
  style: PaginationStyle,
  options: PaginateOptions = {}
): Stream.Stream<Page, KernelError> =>
  Stream.unwrap(
    Effect.map(makePlan(client, request, style, options), (plan) =>
      Stream.unfoldEffect(firstState(plan, request), (state) => nextPage(plan, state))
    )
  )

/**
 * The items of every page of a list endpoint, in order, fetched lazily page by page
 * (taking the first 10 items of a 100-item page sends one request). Fails as
 * {@link pages} does.
 */
export const items = (
  client: HttpClient,
  request: HttpRequest,
  style: PaginationStyle,
  options: PaginateOptions = {}
): Stream.Stream<unknown, KernelError> =>
  Stream.mapConcat(pages(client, request, style, options), (page) => page.items)

/**
 * The links of an RFC 8288 `Link` header by relation type, lower-cased: `next`, `prev`,
 * `last`, ... A link with several relation types (`rel="next last"`) is listed under each;
 * when a relation appears twice the first link wins. Quoted parameters, commas inside
 * `<...>` and parameters without a value are read correctly; malformed parts are skipped.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8288#section-3
 */
export const parseLinkHeader = (value: string): Record<string, string> => {
  const links = new Map<string, string>()
  let i = 0
  while (i < value.length) {
    const open = value.indexOf("<", i)
    const close = open === -1 ? -1 : value.indexOf(">", open)
    if (close === -1) break
    const params = readLinkParams(value, close + 1)
    for (const rel of (params.rel ?? "").toLowerCase().split(/\s+/)) {
      if (rel !== "" && !links.has(rel)) links.set(rel, value.slice(open + 1, close).trim())
    }
    i = params.next
  }
  return Object.fromEntries(links)
}

/** Everything about the paginated call that is worked out once, before the first page. */
interface Plan {
  readonly client: HttpClient
  readonly style: PaginationStyle
  readonly itemsPath: JsonPath
  /** The cursor or next-URL path, for the styles that read one from the body. */
  readonly linkPath: JsonPath | undefined
  readonly allowMissingItems: boolean
  readonly limit: number
  readonly maxPages: number
  /** The first request's idempotency key, from which each later page's key is derived. */
  readonly idempotencyKey: string | undefined
  readonly context: ErrorContext
}

/** What to do on the next pull. */
type Next =
  | { readonly _tag: "Fetch"; readonly request: HttpRequest }
  | { readonly _tag: "End" }
  | { readonly _tag: "Fail"; readonly error: KernelError }

interface State {
  readonly next: Next
  /** Index of the page the next fetch returns. */
  readonly index: number
  /** Items emitted so far. */
  readonly emitted: number
  /** Offset of the next page (Offset style). */
  readonly offset: number
  /** Cursors or page URLs already used, to catch a provider that repeats one. */
  readonly seen: Seen
}

/**
 * What identifies the pages fetched so far, to catch a provider that repeats a cursor or
 * a next URL (its list would never end), in memory that does not grow with the list: the
 * markers of the last pages (up to {@link recentMarkers}), and those of one earlier page,
 * the checkpoint, which moves to pages 1, 2, 4, 8, ... A repeat of one of the last pages is
 * caught at once. A provider that goes round a longer loop of pages sends the same pages
 * in the same order again (each page names the next), so once the checkpoint is a page of
 * the loop and the loop fits between two checkpoints, the loop comes back to it: a loop of
 * `n` pages entered after `m` pages is caught by page 3 × max(n, m) at the latest (Brent's
 * cycle detection).
 */
interface Seen {
  readonly recent: ReadonlyArray<string>
  readonly checkpoint: ReadonlyArray<string>
}

/** Markers of the last pages kept by {@link Seen}: 128 cursors, or 64 pages' URLs. */
const recentMarkers = 128

const nothingSeen: Seen = { recent: [], checkpoint: [] }

const hasSeen = (seen: Seen, marker: string): boolean =>
  seen.recent.includes(marker) || seen.checkpoint.includes(marker)

/** `seen` after page `number` (from 1), which is identified by `markers`. */
const withSeen = (seen: Seen, number: number, markers: ReadonlyArray<string>): Seen => {
  if (markers.length === 0) return seen
  const recent = [...seen.recent, ...markers]
  return {
    recent: recent.length > recentMarkers ? recent.slice(recent.length - recentMarkers) : recent,
    checkpoint: (number & (number - 1)) === 0 ? markers : seen.checkpoint
  }
}

const end: Next = { _tag: "End" }

const makePlan = (
  client: HttpClient,
  request: HttpRequest,
  style: PaginationStyle,
  options: PaginateOptions
): Effect.Effect<Plan, PaginationError> => {
  const context = { integration: client.integration, method: request.method }
  const invalid = (message: string) =>
    Effect.fail(new PaginationError({ ...context, message, page: 0 }))
  const itemsPath = compilePath(options.itemsPath ?? "")
  if (Either.isLeft(itemsPath)) return invalid(`The items path is wrong: ${itemsPath.left}`)
  const linkPath = compileStylePath(style)
  if (Either.isLeft(linkPath)) {
    return invalid(
      `The ${style._tag === "Cursor" ? "cursor" : "next URL"} path is wrong: ${linkPath.left}`
    )
  }
  const problem = optionsProblem(request, style, options)
  if (problem !== undefined) return invalid(problem)
  return Effect.succeed({
    client,
    style,
    itemsPath: itemsPath.right,
    linkPath: linkPath.right,
    allowMissingItems: options.allowMissingItems ?? false,
    limit: options.limit ?? Number.POSITIVE_INFINITY,
    maxPages: options.maxPages ?? Number.POSITIVE_INFINITY,
    idempotencyKey: request.idempotencyKey,
    context
  })
}

const compileStylePath = (style: PaginationStyle): Either.Either<JsonPath | undefined, string> =>
  style._tag === "Cursor"
    ? compilePath(style.cursorPath)
    : style._tag === "NextUrl"
      ? compilePath(style.nextUrlPath)
      : Either.right(undefined)

const optionsProblem = (
  request: HttpRequest,
  style: PaginationStyle,
  options: PaginateOptions
): string | undefined => {
  if (!isCount(options.limit)) return "Set limit to a whole number of items, 0 or more."
  if (!isCount(options.maxPages)) return "Set maxPages to a whole number of pages, 0 or more."
  if (style._tag === "Offset" && !(Number.isInteger(style.pageSize) && style.pageSize > 0)) {
    return "Set the offset page size to a whole number of items, 1 or more."
  }
  if (style._tag === "Offset" && !isCount(style.start)) {
    return "Set the offset start to a whole number, 0 or more."
  }
  if (style._tag === "Cursor" && style.in === "body" && !canCarryCursor(request)) {
    return "A cursor sent in the body needs a JSON object or form body; send it in the query."
  }
  return undefined
}

const isCount = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 0)

const canCarryCursor = (request: HttpRequest) =>
  request.body === undefined ||
  request.body._tag === "Form" ||
  (request.body._tag === "Json" && isJsonObject(request.body.value))

const firstState = (plan: Plan, request: HttpRequest): State => {
  const start = plan.style._tag === "Offset" ? (plan.style.start ?? 0) : 0
  const first = plan.style._tag === "Offset" ? withOffset(plan.style, request, start) : request
  const empty = plan.limit === 0 || plan.maxPages === 0
  return {
    next: empty ? end : { _tag: "Fetch", request: first },
    index: 0,
    emitted: 0,
    offset: start,
    seen: nothingSeen
  }
}

const nextPage = (
  plan: Plan,
  state: State
): Effect.Effect<Option.Option<readonly [Page, State]>, KernelError> => {
  switch (state.next._tag) {
    case "End":
      return Effect.succeed(Option.none())
    case "Fail":
      return Effect.fail(state.next.error)
    case "Fetch":
      return fetchPage(plan, state, state.next.request)
  }
}

const fetchPage = (plan: Plan, state: State, request: HttpRequest) =>
  Effect.gen(function* () {
    const number = state.index + 1
    const response = yield* plan.client.request(request)
    const context = { ...plan.context, status: response.status }
    const body = yield* parseBody(response, number, context)
    const all = yield* pageItems(plan, body, number, context)
    const room = plan.limit - state.emitted
    const items = all.length > room ? all.slice(0, room) : all
    yield* Effect.logDebug("Fetched a page").pipe(
      Effect.annotateLogs({
        integration: plan.client.integration,
        page: number,
        items: items.length
      })
    )

    const following: State = {
      ...state,
      index: number,
      emitted: state.emitted + items.length,
      offset: state.offset + all.length,
      seen: withSeen(state.seen, number, markersOf(plan.style, request, response))
    }
    const done = following.emitted >= plan.limit || following.index >= plan.maxPages
    const fetched = { request, response, body, count: all.length, context }
    const next = done ? end : continuation(plan, following, fetched)
    const page: Page = { response, body, items, index: state.index }
    return Option.some([page, { ...following, next }] as const)
  })

/** A fetched page, as the next page's request is worked out from it. */
interface Fetched {
  readonly request: HttpRequest
  readonly response: HttpResponse
  readonly body: unknown
  /** Items on the page before `limit` cut them. */
  readonly count: number
  readonly context: ErrorContext
}

/** The request for the page after `fetched`, the end of the list, or why it cannot go on. */
const continuation = (plan: Plan, state: State, fetched: Fetched): Next => {
  const style = plan.style
  switch (style._tag) {
    case "Offset":
      return fetched.count < style.pageSize
        ? end
        : fetchNext(withOffset(style, fetched.request, state.offset))
    case "LinkHeader": {
      const next = parseLinkHeader(fetched.response.headers.link ?? "").next
      return followUrl(plan, state, next, fetched)
    }
    case "NextUrl": {
      const next = plan.linkPath!.read(fetched.body)
      if (isBlank(next)) return end
      if (typeof next !== "string") return notText(plan.linkPath!, state.index, next, fetched)
      return followUrl(plan, state, next, fetched)
    }
    case "Cursor": {
      const cursor = plan.linkPath!.read(fetched.body)
      if (isBlank(cursor)) return end
      if (typeof cursor !== "string" && typeof cursor !== "number") {
        return notText(plan.linkPath!, state.index, cursor, fetched)
      }
      if (hasSeen(state.seen, cursorMarker(cursor))) {
        return repeated(`cursor "${cursor}"`, state.index, fetched.context)
      }
      return fetchNext(withCursor(style, fetched.request, cursor, pageKey(plan, state.index)))
    }
  }
}

const followUrl = (plan: Plan, state: State, next: string | undefined, fetched: Fetched): Next => {
  if (next === undefined || next === "") return end
  const url = resolveUrl(next, fetched.response.url || fetched.request.url)
  if (url === undefined) {
    const message =
      `Page ${state.index} points to a next page that is not a valid URL; ` +
      "check the list's pagination settings."
    return { _tag: "Fail", error: new DecodeError({ ...fetched.context, message }) }
  }
  if (hasSeen(state.seen, url)) return repeated("next page URL", state.index, fetched.context)
  const idempotencyKey = pageKey(plan, state.index)
  return fetchNext({ ...fetched.request, url, query: undefined, idempotencyKey })
}

/**
 * What identifies a fetched page: the cursor it was asked with, or the URL it was asked at
 * and the URL it came from (after redirects). Offsets only grow, so the Offset style
 * remembers nothing.
 */
const markersOf = (
  style: PaginationStyle,
  request: HttpRequest,
  response: HttpResponse
): ReadonlyArray<string> => {
  switch (style._tag) {
    case "Offset":
      return []
    case "Cursor": {
      const sent = cursorSent(style, request)
      return sent === undefined ? [] : [cursorMarker(sent)]
    }
    case "LinkHeader":
    case "NextUrl": {
      const asked = normalizeUrl(request.url)
      const answered = normalizeUrl(response.url)
      return asked === answered ? [asked] : [asked, answered]
    }
  }
}

const cursorMarker = (cursor: string | number) => `cursor:${cursor}`

const cursorSent = (style: CursorStyle, request: HttpRequest): string | number | undefined => {
  const body = request.body
  const sent =
    style.in !== "body"
      ? request.query?.[style.param]
      : body?._tag === "Json"
        ? (body.value as Readonly<Record<string, unknown>>)[style.param]
        : body?._tag === "Form"
          ? body.fields[style.param]
          : undefined
  return typeof sent === "string" || typeof sent === "number" ? sent : undefined
}

const fetchNext = (request: HttpRequest): Next => ({ _tag: "Fetch", request })

const repeated = (what: string, page: number, context: ErrorContext): Next => ({
  _tag: "Fail",
  error: new PaginationError({
    ...context,
    page,
    message:
      `Page ${page} repeated an earlier ${what}, so the list would never end; stopped after ` +
      `${page} page${page === 1 ? "" : "s"}. Set a limit or maxPages, or check the list's pagination settings.`
  })
})

const notText = (path: JsonPath, page: number, found: unknown, fetched: Fetched): Next => ({
  _tag: "Fail",
  error: new DecodeError({
    ...fetched.context,
    message:
      `Page ${page} has ${describe(found)} at "${path.source}" where the next page's cursor ` +
      "or URL should be; check the pagination path.",
    issues: [{ path: path.source, message: `expected text, found ${describe(found)}` }]
  })
})

type OffsetStyle = Extract<PaginationStyle, { _tag: "Offset" }>
type CursorStyle = Extract<PaginationStyle, { _tag: "Cursor" }>

const withOffset = (style: OffsetStyle, request: HttpRequest, offset: number): HttpRequest => {
  const query: Record<string, QueryValue | undefined> = { ...request.query, [style.param]: offset }
  if (style.limitParam !== undefined) query[style.limitParam] = style.pageSize
  return { ...request, query }
}

const withCursor = (
  style: CursorStyle,
  request: HttpRequest,
  cursor: string | number,
  idempotencyKey: string | undefined
): HttpRequest => {
  if (style.in !== "body") {
    return { ...request, idempotencyKey, query: { ...request.query, [style.param]: cursor } }
  }
  const body = request.body
  if (body?._tag === "Form") {
    const fields = { ...body.fields, [style.param]: cursor }
    return { ...request, idempotencyKey, body: { ...body, fields } }
  }
  const value = body?._tag === "Json" ? (body.value as Readonly<Record<string, unknown>>) : {}
  const json = { ...value, [style.param]: cursor }
  return { ...request, idempotencyKey, body: { _tag: "Json", value: json } }
}

/** Each page after the first gets its own idempotency key, derived from the first one. */
const pageKey = (plan: Plan, index: number) =>
  plan.idempotencyKey === undefined ? undefined : `${plan.idempotencyKey}:page-${index + 1}`

const decoder = new TextDecoder()

const parseBody = (response: HttpResponse, page: number, context: ErrorContext) =>
  Effect.try({
    try: (): unknown => JSON.parse(decoder.decode(response.body)),
    catch: () =>
      new DecodeError({
        ...context,
        message: `Page ${page} of the list is not valid JSON; check that the URL lists JSON items.`
      })
  })

const pageItems = (
  plan: Plan,
  body: unknown,
  page: number,
  context: ErrorContext
): Effect.Effect<ReadonlyArray<unknown>, DecodeError> => {
  const found = plan.itemsPath.read(body)
  if (Array.isArray(found)) return Effect.succeed(found)
  if (found === undefined && plan.allowMissingItems) return Effect.succeed([])
  const where = plan.itemsPath.source === "" ? "the response body" : `"${plan.itemsPath.source}"`
  return Effect.fail(
    new DecodeError({
      ...context,
      message:
        `Page ${page} has ${describe(found)} at ${where} where a list of items should be; ` +
        "set the items path to the field that holds the list.",
      issues: [
        { path: plan.itemsPath.source, message: `expected a list, found ${describe(found)}` }
      ]
    })
  )
}

const describe = (u: unknown) =>
  u === undefined
    ? "nothing"
    : u === null
      ? "null"
      : Array.isArray(u)
        ? "a list"
        : typeof u === "object"
          ? "an object"
          : `a ${typeof u}`

const isBlank = (u: unknown) => u === undefined || u === null || u === ""

const isJsonObject = (u: unknown) => typeof u === "object" && u !== null && !Array.isArray(u)

const resolveUrl = (next: string, base: string): string | undefined => {
  try {
    return new URL(next, base).href
  } catch {
    return undefined
  }
}

const normalizeUrl = (url: string) => resolveUrl(url, url) ?? url

/** Reads the `;`-separated parameters after a link's `<...>`, up to the next `,`. */
const readLinkParams = (
  value: string,
  from: number
): { readonly rel: string | undefined; readonly next: number } => {
  let rel: string | undefined
  let i = skipSpaces(value, from)
  while (value[i] === ";") {
    const nameEnd = indexOfAny(value, "=;,", i + 1)
    const name = value
      .slice(i + 1, nameEnd)
      .trim()
      .toLowerCase()
    i = skipSpaces(value, nameEnd)
    let paramValue = ""
    if (value[i] === "=") {
      const read = readParamValue(value, skipSpaces(value, i + 1))
      paramValue = read.value
      i = skipSpaces(value, read.next)
    }
    if (name === "rel" && rel === undefined) rel = paramValue
  }
  return { rel, next: Math.max(i, from) }
}

const readParamValue = (value: string, from: number) => {
  if (value[from] !== '"') {
    const end = indexOfAny(value, ";,", from)
    return { value: value.slice(from, end).trim(), next: end }
  }
  let text = ""
  let i = from + 1
  while (i < value.length && value[i] !== '"') {
    if (value[i] === "\\" && i + 1 < value.length) i++
    text += value[i]
    i++
  }
  return { value: text, next: i + 1 }
}

const indexOfAny = (value: string, chars: string, from: number) => {
  let i = from
  while (i < value.length && !chars.includes(value[i]!)) i++
  return i
}

const skipSpaces = (value: string, from: number) => {
  let i = from
  while (i < value.length && /\s/.test(value[i]!)) i++
  return i
}
