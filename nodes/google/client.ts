/**
 * What the Google integrations share about their kernel clients: the client settings
 * (Google's error mapping, per-user quotas, Google's recommended backoff) and reading a
 * list page by page through `nextPageToken`.
 *
 * @module
 */
import { Effect, ParseResult, Schema } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { DecodeError, PaginationError } from "../../src/http/errors.js"
import type { ClientConfig, HttpClient } from "../../src/http/kernel.js"
import type { RateLimit } from "../../src/http/rateLimit.js"
import type { HttpRequest } from "../../src/http/request.js"
import type { RetryPolicy } from "../../src/http/retry.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import { classifyGoogleResponse } from "./errors.js"

/**
 * Google's advice for retries: truncated exponential backoff from about a second, with
 * jitter, up to 32 seconds a wait. Google sends no `Retry-After`, so the jitter is what
 * spreads the retries of many robots apart.
 */
export const googleRetry: Partial<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 32_000,
  jitter: "full"
}

/** The kernel client settings of a Google integration for one step's credential. */
export const googleClientConfig = (
  integration: string,
  context: IntegrationContext,
  rateLimitsFor: (credentialKey: string) => (request: HttpRequest) => ReadonlyArray<RateLimit>
): ClientConfig => {
  const credentialId = context.authenticator?.credentialId
  return {
    integration,
    authenticator: context.authenticator,
    classify: classifyGoogleResponse(
      integration,
      credentialId,
      context.authenticator?.credentialType
    ),
    rateLimitsFor: rateLimitsFor(credentialId ?? "anonymous"),
    retry: googleRetry
  }
}

/** How much of a list to read. */
export interface ListLimit {
  /** Read every page (up to `limit`, when set); otherwise only the first page. */
  readonly returnAll: boolean
  /** Most items in total. */
  readonly limit?: number | undefined
}

/** How a Google list sizes its pages. */
export interface PageSizes {
  /** The query parameter that carries the page size: `pageSize` (Drive), `maxResults` (Gmail). */
  readonly param: string
  /** The largest page the API (or the caller) allows. */
  readonly max: number
  /** The size of the one page read without `returnAll` and without a limit. */
  readonly first: number
}

/** A list read page by page, and the token of the page after the last one read. */
export interface Listed<A> {
  readonly items: ReadonlyArray<A>
  /**
   * Set when more items exist than were read; pass it back as `pageToken` to go on. It
   * always points just past the last item returned, so going on skips nothing.
   */
  readonly nextPageToken?: string | undefined
  /**
   * True when Google answered a page with more items than asked for, so the page was cut
   * at the limit and no token can point just past the last item kept: the items after it
   * cannot be reached by going on.
   */
  readonly truncated?: boolean | undefined
  /** Drive's `incompleteSearch`: some of the places searched could not be searched. */
  readonly incompleteSearch?: boolean | undefined
}

/**
 * Reads a Google list (items in the field `itemsField`, `nextPageToken` in the body,
 * `pageToken` in the query): one page, or every page up to `limit`. Each request asks for
 * no more items than are still wanted (`min(max, remaining)`), so the last page ends
 * exactly at the limit and the token returned points just past the last item read. A
 * page without the list (Google leaves out empty lists) is an empty page. Fails with
 * `PaginationError` when Google hands back a token it gave before.
 */
export const listPages = <A, I>(
  client: HttpClient,
  request: HttpRequest,
  itemsField: string,
  item: Schema.Schema<A, I>,
  sizes: PageSizes,
  how: ListLimit
): Effect.Effect<Listed<A>, KernelError> => {
  const page = Schema.Struct({
    items: Schema.optionalWith(Schema.Array(item), { default: () => [] }).pipe(
      Schema.fromKey(itemsField)
    ),
    nextPageToken: Schema.optional(Schema.String),
    incompleteSearch: Schema.optional(Schema.Boolean)
  })
  const limit = how.limit ?? Number.POSITIVE_INFINITY
  const max = Math.max(1, Math.floor(sizes.max))
  return Effect.gen(function* () {
    const items: Array<A> = []
    const first = request.query?.pageToken
    const seen = new Set<string>(typeof first === "string" && first !== "" ? [first] : [])
    let token = typeof first === "string" && first !== "" ? first : undefined
    let incomplete: boolean | undefined
    for (let index = 1; ; index++) {
      const room = limit - items.length
      const size = how.returnAll ? Math.min(max, room) : Math.min(max, how.limit ?? sizes.first)
      const body = yield* client.json(
        {
          ...request,
          query: { ...request.query, [sizes.param]: size, pageToken: token }
        },
        page
      )
      const found = body.items
      const next = body.nextPageToken === "" ? undefined : body.nextPageToken
      if (body.incompleteSearch !== undefined) {
        incomplete = incomplete === true || body.incompleteSearch
      }
      yield* Effect.logDebug("Fetched a page").pipe(
        Effect.annotateLogs({ integration: client.integration, page: index, items: found.length })
      )
      if (found.length > room) {
        items.push(...found.slice(0, room))
        yield* Effect.logWarning(
          "Google answered with more items than asked for; the list was cut at the limit and has no page token to go on from"
        ).pipe(Effect.annotateLogs({ integration: client.integration, page: index }))
        return { items, truncated: true, incompleteSearch: incomplete }
      }
      items.push(...found)
      const done = next === undefined || !how.returnAll || items.length >= limit
      if (done) return { items, nextPageToken: next, incompleteSearch: incomplete }
      if (seen.has(next)) {
        return yield* Effect.fail(
          new PaginationError({
            integration: client.integration,
            method: request.method,
            page: index,
            message:
              `Page ${index} repeated an earlier page token, so the list would never end; ` +
              `stopped after ${index} page${index === 1 ? "" : "s"}. Set a limit, or read one page at a time.`
          })
        )
      }
      seen.add(next)
      token = next
    }
  })
}

/** A `DecodeError` for an answer that does not match what the node expects. */
export const decodeFailure =
  (integration: string) =>
  (error: ParseResult.ParseError): DecodeError =>
    new DecodeError({
      integration,
      message: `Google answered with data this node cannot read; report it with the step's log.`,
      issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
        path: issue.path.join("."),
        message: issue.message
      }))
    })

/** Drops `undefined` values, so a query or JSON body carries only what is set. */
export const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
