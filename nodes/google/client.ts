/**
 * What the Google integrations share about their kernel clients: the client settings
 * (Google's error mapping, per-user quotas, Google's recommended backoff) and reading a
 * list page by page through `nextPageToken`.
 *
 * @module
 */
import { Effect, ParseResult, Schema, Stream } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { DecodeError } from "../../src/http/errors.js"
import type { ClientConfig, HttpClient } from "../../src/http/kernel.js"
import { pages } from "../../src/http/pagination.js"
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
    classify: classifyGoogleResponse(integration, credentialId),
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

/** A list read page by page, and the token of the page after the last one read. */
export interface Listed<A> {
  readonly items: ReadonlyArray<A>
  /** Set when more items exist than were read; pass it back as `pageToken` to go on. */
  readonly nextPageToken?: string | undefined
}

/**
 * Reads a Google list (`items` at `itemsPath`, `nextPageToken` in the body, `pageToken`
 * in the query): one page, or every page up to `limit`. Pages are streamed, so only the
 * items kept are in memory; a page without the list (Google leaves out empty lists) is
 * an empty page. The request's page size should not pass `limit`, so that the token
 * returned points just past the last item read.
 */
export const listPages = <A, I>(
  client: HttpClient,
  request: HttpRequest,
  itemsPath: string,
  item: Schema.Schema<A, I>,
  how: ListLimit
): Effect.Effect<Listed<A>, KernelError> => {
  const decodeItems = Schema.decodeUnknown(Schema.Array(item))
  const style = { _tag: "Cursor", cursorPath: "nextPageToken", param: "pageToken" } as const
  const options = {
    itemsPath,
    allowMissingItems: true,
    limit: how.limit,
    maxPages: how.returnAll ? undefined : 1
  }
  return pages(client, request, style, options).pipe(
    Stream.mapEffect((page) =>
      Effect.map(
        Effect.mapError(decodeItems(page.items), decodeFailure(client.integration)),
        (items) => ({ items, token: tokenOf(page.body) })
      )
    ),
    Stream.runFold(
      { items: [] as Array<A>, token: undefined as string | undefined },
      (acc, page) => {
        acc.items.push(...page.items)
        acc.token = page.token
        return acc
      }
    ),
    Effect.map((acc) => ({ items: acc.items, nextPageToken: acc.token }))
  )
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

const tokenOf = (body: unknown): string | undefined => {
  const token = (body as { nextPageToken?: unknown } | null)?.nextPageToken
  return typeof token === "string" && token !== "" ? token : undefined
}
