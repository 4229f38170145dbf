import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { ServerError } from "../../src/http/errors.js"
import type { HttpClient } from "../../src/http/kernel.js"
import type { PaginateOptions, PaginationStyle } from "../../src/http/pagination.js"
import { items, pages } from "../../src/http/pagination.js"
import type { HttpRequest, HttpResponse } from "../../src/http/request.js"

/** What a fake endpoint answers: a JSON body (or raw text), headers and a status. */
interface Reply {
  readonly json?: unknown
  readonly text?: string
  readonly headers?: Record<string, string>
  readonly status?: number
}

/** The request as the fake sees it: the parsed absolute URL, with the query applied. */
interface Seen {
  readonly request: HttpRequest
  readonly url: URL
}

const encoder = new TextEncoder()

/**
 * A fake client for one integration: records every request and answers it with
 * `handler`, as the kernel would after retries (the URL is resolved against a base URL).
 */
const fakeClient = (handler: (seen: Seen) => Reply | KernelError) => {
  const sent: Array<Seen> = []
  const client: HttpClient = {
    integration: "fake",
    request: (request) =>
      Effect.suspend(() => {
        const url = new URL(request.url, "https://api.test/v1/")
        for (const [key, value] of Object.entries(request.query ?? {})) {
          if (value !== undefined) url.searchParams.set(key, String(value))
        }
        const seen = { request, url }
        sent.push(seen)
        const reply = handler(seen)
        if ("_tag" in reply) return Effect.fail(reply)
        const response: HttpResponse = {
          status: reply.status ?? 200,
          headers: reply.headers ?? {},
          url: url.href,
          body: encoder.encode(reply.text ?? JSON.stringify(reply.json)),
          attempts: 1
        }
        return Effect.succeed(response)
      }),
    json: () => Effect.die("not used by pagination"),
    download: () => Effect.die("not used by pagination")
  }
  return { client, sent }
}

const all = Array.from({ length: 1000 }, (_, id) => ({ id }))
const ids = (list: ReadonlyArray<unknown>) => list.map((item) => (item as { id: number }).id)
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

const collect = <A>(stream: Stream.Stream<A, KernelError>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** Runs a stream to its end, returning what it emitted and how it ended. */
const collectUntilError = <A>(stream: Stream.Stream<A, KernelError>) =>
  Effect.gen(function* () {
    const emitted: Array<A> = []
    const result = yield* Stream.runForEach(stream, (a) => Effect.sync(() => emitted.push(a))).pipe(
      Effect.either
    )
    return { emitted, error: Either.getLeft(result) }
  })

/** GitHub-style list: `?page=N&per_page=M`, the items array as the body, a Link header. */
const githubApi =
  (perPage: number) =>
  (seen: Seen): Reply => {
    const page = Number(seen.url.searchParams.get("page") ?? "1")
    const from = (page - 1) * perPage
    const pageUrl = (n: number) =>
      `https://api.test/v1/repos/acme/web/issues?per_page=${perPage}&page=${n}`
    const last = Math.ceil(all.length / perPage)
    const links = [`<${pageUrl(last)}>; rel="last"`, `<${pageUrl(1)}>; rel="first"`]
    if (page < last) links.unshift(`<${pageUrl(page + 1)}>; rel="next"`)
    if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`)
    return { json: all.slice(from, from + perPage), headers: { link: links.join(", ") } }
  }

/** Slack-style list: `?cursor=`, items under `members`, `response_metadata.next_cursor`. */
const slackApi =
  (limit: number) =>
  (seen: Seen): Reply => {
    const cursor = seen.url.searchParams.get("cursor")
    const from = cursor ? Number(Buffer.from(cursor, "base64url").toString().slice(3)) : 0
    const to = from + limit
    const next = to < all.length ? Buffer.from(`id:${to}`).toString("base64url") : ""
    return {
      json: { ok: true, members: all.slice(from, to), response_metadata: { next_cursor: next } }
    }
  }

/** Notion-style query: POST with `start_cursor` in the JSON body, `next_cursor` + `has_more`. */
const notionApi = (seen: Seen): Reply => {
  const body = seen.request.body
  const json = (body?._tag === "Json" ? body.value : {}) as Record<string, unknown>
  const from = typeof json.start_cursor === "string" ? Number(json.start_cursor.slice(2)) : 0
  const size = Number(json.page_size ?? 100)
  const to = from + size
  const more = to < all.length
  return {
    json: {
      object: "list",
      results: all.slice(from, to),
      next_cursor: more ? `c-${to}` : null,
      has_more: more
    }
  }
}

/** Microsoft Graph-style list: items under `value`, full next URL in `@odata.nextLink`. */
const graphApi =
  (top: number) =>
  (seen: Seen): Reply => {
    const skip = Number(seen.url.searchParams.get("$skiptoken") ?? "0")
    const next = skip + top < all.length
    return {
      json: {
        "@odata.context": "https://api.test/v1/$metadata#users",
        value: all.slice(skip, skip + top),
        ...(next ? { "@odata.nextLink": `https://api.test/v1/users?$skiptoken=${skip + top}` } : {})
      }
    }
  }

/** Offset list: `?offset=&limit=`, items under `data.items`. */
const offsetApi = (seen: Seen): Reply => {
  const offset = Number(seen.url.searchParams.get("offset") ?? "0")
  const limit = Number(seen.url.searchParams.get("limit") ?? "20")
  return { json: { data: { items: all.slice(offset, offset + limit), total: all.length } } }
}

const get = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: "GET",
  url,
  ...extra
})

describe("pagination styles, end to end over a list of 1,000 items", () => {
  it.effect("follows GitHub's Link header, 100 per page", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(githubApi(100))
      const request = get("repos/acme/web/issues", { query: { per_page: 100 } })
      const list = yield* collect(items(client, request, { _tag: "LinkHeader" }))
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent).toHaveLength(10)
      expect(sent[1]!.url.searchParams.get("page")).toBe("2")
      expect(sent[1]!.request.query).toBeUndefined()
    })
  )

  it.effect("follows GitHub's Link header, 30 per page, with a short last page", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(githubApi(30))
      const result = yield* collect(pages(client, get("issues"), { _tag: "LinkHeader" }))
      expect(result).toHaveLength(34)
      expect(result.map((page) => page.index)).toEqual(range(0, 34))
      expect(result[33]!.items).toHaveLength(10)
      expect(ids(result.flatMap((page) => page.items))).toEqual(range(0, 1000))
      expect(sent).toHaveLength(34)
    })
  )

  it.effect("sends Slack's next_cursor back as a query parameter", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(slackApi(30))
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "response_metadata.next_cursor",
        param: "cursor"
      }
      const request = get("users.list", { query: { limit: 30 } })
      const list = yield* collect(items(client, request, style, { itemsPath: "members" }))
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent).toHaveLength(34)
      expect(sent[0]!.url.searchParams.has("cursor")).toBe(false)
      expect(sent[1]!.request.query).toEqual({
        limit: 30,
        cursor: Buffer.from("id:30").toString("base64url")
      })
    })
  )

  it.effect("sends Notion's next_cursor in the JSON body of a POST, keeping the rest", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(notionApi)
      const request: HttpRequest = {
        method: "POST",
        url: "databases/db1/query",
        headers: { "notion-version": "2022-06-28" },
        body: { _tag: "Json", value: { filter: { property: "Done" }, page_size: 100 } }
      }
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "next_cursor",
        param: "start_cursor",
        in: "body"
      }
      const list = yield* collect(items(client, request, style, { itemsPath: "results" }))
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent).toHaveLength(10)
      for (const { request: page } of sent) {
        expect(page.method).toBe("POST")
        expect(page.headers).toEqual({ "notion-version": "2022-06-28" })
      }
      expect(sent[0]!.request.body).toEqual(request.body)
      expect(sent[2]!.request.body).toEqual({
        _tag: "Json",
        value: { filter: { property: "Done" }, page_size: 100, start_cursor: "c-200" }
      })
    })
  )

  it.effect("sends a cursor in a form body", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => {
        const body = seen.request.body
        const cursor = body?._tag === "Form" ? body.fields.cursor : undefined
        return cursor === undefined
          ? { json: { items: [1], next: "p2" } }
          : { json: { items: [2], next: null } }
      })
      const request: HttpRequest = {
        method: "POST",
        url: "conversations.history",
        body: { _tag: "Form", fields: { channel: "C1" } }
      }
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "next",
        param: "cursor",
        in: "body"
      }
      const list = yield* collect(items(client, request, style, { itemsPath: "items" }))
      expect(list).toEqual([1, 2])
      expect(sent[1]!.request.body).toEqual({
        _tag: "Form",
        fields: { channel: "C1", cursor: "p2" }
      })
    })
  )

  it.effect("follows Microsoft Graph's @odata.nextLink", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(graphApi(100))
      const style: PaginationStyle = { _tag: "NextUrl", nextUrlPath: "@odata.nextLink" }
      const list = yield* collect(
        items(client, get("users", { query: { $top: 100 } }), style, { itemsPath: "value" })
      )
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent).toHaveLength(10)
      expect(sent[3]!.url.href).toBe("https://api.test/v1/users?$skiptoken=300")
    })
  )

  it.effect("resolves a relative next URL against the current page's URL", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => {
        const after = Number(seen.url.searchParams.get("after") ?? "0")
        const next = after + 250 < all.length ? `items?after=${after + 250}` : null
        return { json: { results: all.slice(after, after + 250), next } }
      })
      const style: PaginationStyle = { _tag: "NextUrl", nextUrlPath: "$.next" }
      const list = yield* collect(
        items(client, get("https://api.test/v2/items"), style, { itemsPath: "results" })
      )
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent.map((s) => s.url.href)).toEqual([
        "https://api.test/v2/items",
        "https://api.test/v2/items?after=250",
        "https://api.test/v2/items?after=500",
        "https://api.test/v2/items?after=750"
      ])
    })
  )

  it.effect("counts an offset up by the items on each page, ending on an empty page", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(offsetApi)
      const style: PaginationStyle = {
        _tag: "Offset",
        param: "offset",
        limitParam: "limit",
        pageSize: 100
      }
      const list = yield* collect(items(client, get("records"), style, { itemsPath: "data.items" }))
      expect(ids(list)).toEqual(range(0, 1000))
      expect(sent).toHaveLength(11)
      expect(sent.map((s) => s.request.query)).toEqual(
        range(0, 11).map((n) => ({ offset: n * 100, limit: 100 }))
      )
    })
  )

  it.effect("ends an offset list on a short final page without asking for more", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(offsetApi)
      const style: PaginationStyle = {
        _tag: "Offset",
        param: "offset",
        limitParam: "limit",
        pageSize: 30,
        start: 0
      }
      const result = yield* collect(
        pages(client, get("records"), style, { itemsPath: "data.items" })
      )
      expect(result).toHaveLength(34)
      expect(result[33]!.items).toHaveLength(10)
      expect(sent).toHaveLength(34)
      expect(sent[33]!.url.searchParams.get("offset")).toBe("990")
    })
  )

  it.effect("starts an offset list where asked", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(offsetApi)
      const style: PaginationStyle = {
        _tag: "Offset",
        param: "offset",
        limitParam: "limit",
        pageSize: 100,
        start: 950
      }
      const list = yield* collect(items(client, get("records"), style, { itemsPath: "data.items" }))
      expect(ids(list)).toEqual(range(950, 1000))
    })
  )
})

describe("limit and maxPages", () => {
  const linkStyle: PaginationStyle = { _tag: "LinkHeader" }

  it.effect("cuts the last page at the limit and fetches no further page", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(githubApi(100))
      const result = yield* collect(pages(client, get("issues"), linkStyle, { limit: 250 }))
      expect(result.map((page) => page.items.length)).toEqual([100, 100, 50])
      expect(sent).toHaveLength(3)
    })
  )

  it.effect("stops exactly at a page boundary", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(githubApi(100))
      const list = yield* collect(items(client, get("issues"), linkStyle, { limit: 200 }))
      expect(ids(list)).toEqual(range(0, 200))
      expect(sent).toHaveLength(2)
    })
  )

  it.effect("stops after maxPages without an error", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(slackApi(30))
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "response_metadata.next_cursor",
        param: "cursor"
      }
      const list = yield* collect(
        items(client, get("users.list"), style, { itemsPath: "members", maxPages: 3 })
      )
      expect(ids(list)).toEqual(range(0, 90))
      expect(sent).toHaveLength(3)
    })
  )

  it.effect("sends nothing when the limit or maxPages is 0", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(githubApi(100))
      expect(yield* collect(items(client, get("issues"), linkStyle, { limit: 0 }))).toEqual([])
      expect(yield* collect(items(client, get("issues"), linkStyle, { maxPages: 0 }))).toEqual([])
      expect(sent).toHaveLength(0)
    })
  )

  it.effect("a limit above the list's size returns the whole list", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(githubApi(100))
      const list = yield* collect(
        items(client, get("issues"), linkStyle, { limit: 5000, maxPages: 50 })
      )
      expect(list).toHaveLength(1000)
    })
  )
})

describe("a provider that repeats itself", () => {
  it.effect("a repeated cursor ends the stream with a PaginationError after the pages read", () =>
    Effect.gen(function* () {
      const cursors = ["a", "b", "c", "b"]
      const { client, sent } = fakeClient((seen) => {
        const n = sent.length - 1
        return { json: { items: [n], next: cursors[n] ?? null, at: seen.url.href } }
      })
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const { emitted, error } = yield* collectUntilError(
        items(client, get("list"), style, { itemsPath: "items" })
      )
      expect(emitted).toEqual([0, 1, 2, 3])
      expect(sent).toHaveLength(4)
      expect(error._tag).toBe("Some")
      const failure = Either.getOrThrow(Either.fromOption(error, () => "no error"))
      expect(failure._tag).toBe("PaginationError")
      expect(failure).toMatchObject({ page: 4, integration: "fake", retryable: false })
      expect(failure.message).toContain('cursor "b"')
    })
  )

  it.effect("a cursor that stays the same ends with a PaginationError, not a loop", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(() => ({ json: { items: [1], next: "same" } }))
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const { error } = yield* collectUntilError(
        items(client, get("list"), style, { itemsPath: "items" })
      )
      expect(sent).toHaveLength(2)
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "PaginationError", page: 2 } })
    })
  )

  it.effect("a Link header pointing back to the first page ends with a PaginationError", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => {
        const page = seen.url.searchParams.get("page") ?? "1"
        const next = page === "1" ? "?page=2" : page === "2" ? "?page=3" : "/v1/issues"
        return { json: [Number(page)], headers: { link: `<${next}>; rel="next"` } }
      })
      const { emitted, error } = yield* collectUntilError(
        items(client, get("issues"), { _tag: "LinkHeader" })
      )
      expect(emitted).toEqual([1, 2, 3])
      expect(sent).toHaveLength(3)
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "PaginationError", page: 3 } })
    })
  )

  it.effect("a next URL that repeats an earlier page ends with a PaginationError", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => {
        const token = seen.url.searchParams.get("t")
        return {
          json: {
            value: [token],
            "@odata.nextLink":
              token === "2"
                ? "https://api.test/v1/x?t=1"
                : `https://api.test/v1/x?t=${Number(token ?? 0) + 1}`
          }
        }
      })
      const style: PaginationStyle = { _tag: "NextUrl", nextUrlPath: "@odata.nextLink" }
      const { emitted, error } = yield* collectUntilError(
        items(client, get("x"), style, { itemsPath: "value" })
      )
      expect(emitted).toEqual([null, "1", "2"])
      expect(sent).toHaveLength(3)
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "PaginationError", page: 3 } })
    })
  )

  it.effect("a next URL equal to the page's own URL ends at once", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => ({ json: { value: [1], next: seen.url.href } }))
      const style: PaginationStyle = { _tag: "NextUrl", nextUrlPath: "next" }
      const { error } = yield* collectUntilError(
        items(client, get("x?a=1"), style, { itemsPath: "value" })
      )
      expect(sent).toHaveLength(1)
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "PaginationError", page: 1 } })
    })
  )

  it.effect("a loop longer than the pages remembered still ends with a PaginationError", () =>
    Effect.gen(function* () {
      // Cursors c1 ... c10, then round a loop of 300 cursors (c11 ... c310) for ever: more
      // pages than the repeat check keeps, so only its checkpoint can catch the loop.
      const cursorAfter = (n: number) => `c${n < 310 ? n + 1 : 11}`
      const { client, sent } = fakeClient((seen) => {
        const at = Number((seen.url.searchParams.get("cursor") ?? "c0").slice(1))
        return { json: { items: [at], next: cursorAfter(at) } }
      })
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const { emitted, error } = yield* collectUntilError(
        items(client, get("list"), style, { itemsPath: "items", maxPages: 5000 })
      )
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "PaginationError" } })
      expect(sent.length).toBeGreaterThan(310)
      expect(sent.length).toBeLessThanOrEqual(3 * 310)
      expect(emitted).toHaveLength(sent.length)
    })
  )

  it.effect("a long list without a repeat is read to its end", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) => {
        const at = Number(seen.url.searchParams.get("cursor") ?? "0")
        return { json: { items: [at], next: at < 2000 ? String(at + 1) : null } }
      })
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const list = yield* collect(items(client, get("list"), style, { itemsPath: "items" }))
      expect(sent).toHaveLength(2001)
      expect(list).toHaveLength(2001)
    })
  )

  it.effect("a limit reached before the repeat ends the stream without an error", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { items: [1, 2], next: "same" } }))
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const list = yield* collect(
        items(client, get("list"), style, { itemsPath: "items", limit: 3 })
      )
      expect(list).toEqual([1, 2, 1])
    })
  )
})

describe("first and last pages", () => {
  it.effect("an empty first page with no next link is an empty list after one request", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(() => ({ json: [] }))
      const result = yield* collect(pages(client, get("issues"), { _tag: "LinkHeader" }))
      expect(result).toHaveLength(1)
      expect(result[0]!.items).toEqual([])
      expect(sent).toHaveLength(1)
    })
  )

  it.effect("an empty first page ends every style", () =>
    Effect.gen(function* () {
      const styles: ReadonlyArray<PaginationStyle> = [
        { _tag: "Cursor", cursorPath: "meta.next", param: "cursor" },
        { _tag: "NextUrl", nextUrlPath: "next" },
        { _tag: "Offset", param: "offset", pageSize: 50 }
      ]
      for (const style of styles) {
        const { client, sent } = fakeClient(() => ({
          json: { items: [], meta: { next: "" }, next: null }
        }))
        expect(yield* collect(items(client, get("list"), style, { itemsPath: "items" }))).toEqual(
          []
        )
        expect(sent).toHaveLength(1)
      }
    })
  )

  it.effect("an empty page with a cursor goes on to the next page", () =>
    Effect.gen(function* () {
      const replies = [{ items: [], next: "c1" }, { items: [1], next: 2 }, { items: [2] }]
      const { client, sent } = fakeClient(() => ({ json: replies[sent.length - 1] }))
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      expect(yield* collect(items(client, get("list"), style, { itemsPath: "items" }))).toEqual([
        1, 2
      ])
      expect(sent[2]!.request.query).toEqual({ cursor: 2 })
    })
  )

  it.effect("a page without the items field counts as empty when allowed", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { resultSizeEstimate: 0 } }))
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "nextPageToken",
        param: "pageToken"
      }
      const list = yield* collect(
        items(client, get("messages"), style, { itemsPath: "messages", allowMissingItems: true })
      )
      expect(list).toEqual([])
    })
  )
})

describe("pagination errors", () => {
  it.effect("a body that is not JSON fails with a DecodeError", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ text: "<html>oops</html>" }))
      const error = yield* Effect.flip(
        Stream.runDrain(pages(client, get("x"), { _tag: "LinkHeader" }))
      )
      expect(error._tag).toBe("DecodeError")
      expect(error).toMatchObject({ integration: "fake", method: "GET", status: 200 })
      expect(error.message).toContain("not valid JSON")
    })
  )

  it.effect("items that are not a list fail with a DecodeError naming the path", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { data: { items: { id: 1 } } } }))
      const style: PaginationStyle = { _tag: "Offset", param: "offset", pageSize: 10 }
      const error = yield* Effect.flip(
        Stream.runDrain(items(client, get("x"), style, { itemsPath: "data.items" }))
      )
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain('"data.items"')
      expect(error).toMatchObject({
        issues: [{ path: "data.items", message: "expected a list, found an object" }]
      })
    })
  )

  it.effect("a body that is not a list, with no items path, fails with a DecodeError", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { items: [] } }))
      const error = yield* Effect.flip(
        Stream.runDrain(items(client, get("x"), { _tag: "LinkHeader" }))
      )
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("the response body")
    })
  )

  it.effect("a missing items field fails unless allowed", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { data: {} } }))
      const style: PaginationStyle = { _tag: "LinkHeader" }
      const error = yield* Effect.flip(
        Stream.runDrain(items(client, get("x"), style, { itemsPath: "data.itemz" }))
      )
      expect(error).toMatchObject({ _tag: "DecodeError", issues: [{ path: "data.itemz" }] })
    })
  )

  it.effect("a cursor that is not text fails with a DecodeError after its page", () =>
    Effect.gen(function* () {
      const { client } = fakeClient(() => ({ json: { items: [1], next: { token: "x" } } }))
      const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }
      const { emitted, error } = yield* collectUntilError(
        items(client, get("x"), style, { itemsPath: "items" })
      )
      expect(emitted).toEqual([1])
      expect(error).toMatchObject({
        _tag: "Some",
        value: { _tag: "DecodeError", issues: [{ path: "next" }] }
      })
    })
  )

  it.effect("a failed page request ends the stream with that request's error", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient((seen) =>
        seen.url.searchParams.get("page") === "3"
          ? new ServerError({ message: "Try again later.", status: 503, integration: "fake" })
          : githubApi(100)(seen)
      )
      const { emitted, error } = yield* collectUntilError(
        items(client, get("issues"), { _tag: "LinkHeader" })
      )
      expect(emitted).toHaveLength(200)
      expect(sent).toHaveLength(3)
      expect(error).toMatchObject({ _tag: "Some", value: { _tag: "ServerError", status: 503 } })
    })
  )

  const invalid: ReadonlyArray<[string, PaginationStyle, PaginateOptions, HttpRequest?]> = [
    ["a bad items path", { _tag: "LinkHeader" }, { itemsPath: "data..items" }],
    ["a bad cursor path", { _tag: "Cursor", cursorPath: "a[", param: "c" }, {}],
    ["a bad next URL path", { _tag: "NextUrl", nextUrlPath: "[*]" }, {}],
    ["a negative limit", { _tag: "LinkHeader" }, { limit: -1 }],
    ["a fractional maxPages", { _tag: "LinkHeader" }, { maxPages: 1.5 }],
    ["a zero page size", { _tag: "Offset", param: "offset", pageSize: 0 }, {}],
    ["a negative offset start", { _tag: "Offset", param: "offset", pageSize: 10, start: -5 }, {}],
    [
      "a body cursor with a text body",
      { _tag: "Cursor", cursorPath: "next", param: "c", in: "body" },
      {},
      { method: "POST", url: "x", body: { _tag: "Text", text: "q" } }
    ]
  ]

  it.effect.each(invalid)(
    "%s fails with a PaginationError before any request",
    ([, style, options, request]) =>
      Effect.gen(function* () {
        const { client, sent } = fakeClient(githubApi(100))
        const error = yield* Effect.flip(
          Stream.runDrain(pages(client, request ?? get("x"), style, options))
        )
        expect(error).toMatchObject({ _tag: "PaginationError", page: 0 })
        expect(sent).toHaveLength(0)
      })
  )
})

describe("requests sent for each page", () => {
  it.effect("each later page gets its own idempotency key, derived from the first", () =>
    Effect.gen(function* () {
      const { client, sent } = fakeClient(notionApi)
      const request: HttpRequest = {
        method: "POST",
        url: "search",
        idempotencyKey: "run-7",
        body: { _tag: "Json", value: { page_size: 400 } }
      }
      const style: PaginationStyle = {
        _tag: "Cursor",
        cursorPath: "next_cursor",
        param: "start_cursor",
        in: "body"
      }
      yield* Stream.runDrain(items(client, request, style, { itemsPath: "results" }))
      expect(sent.map((s) => s.request.idempotencyKey)).toEqual([
        "run-7",
        "run-7:page-2",
        "run-7:page-3"
      ])
    })
  )
})

describe("laziness", () => {
  /** A list of 10,000 pages of 2 items each, linked by cursor. */
  const tinyPages = () =>
    fakeClient((seen) => {
      const page = Number(seen.url.searchParams.get("cursor") ?? "0")
      return {
        json: { items: [page * 2, page * 2 + 1], next: page + 1 < 10_000 ? String(page + 1) : "" }
      }
    })
  const style: PaginationStyle = { _tag: "Cursor", cursorPath: "next", param: "cursor" }

  it.effect("taking the first items of 10,000 pages fetches only the pages needed", () =>
    Effect.gen(function* () {
      const { client, sent } = tinyPages()
      const first = yield* collect(
        Stream.take(items(client, get("list"), style, { itemsPath: "items" }), 5)
      )
      expect(first).toEqual([0, 1, 2, 3, 4])
      expect(sent).toHaveLength(3)
    })
  )

  it.effect("a page is fetched only when the consumer pulls past the previous one", () =>
    Effect.gen(function* () {
      const { client, sent } = tinyPages()
      const requestsSeen: Array<number> = []
      yield* items(client, get("list"), style, { itemsPath: "items" }).pipe(
        Stream.take(6),
        Stream.runForEach(() => Effect.sync(() => requestsSeen.push(sent.length)))
      )
      expect(requestsSeen).toEqual([1, 1, 2, 2, 3, 3])
    })
  )

  it.effect("reads all 10,000 pages to the end", () =>
    Effect.gen(function* () {
      const { client, sent } = tinyPages()
      const count = yield* Stream.runCount(
        items(client, get("list"), style, { itemsPath: "items" })
      )
      expect(count).toBe(20_000)
      expect(sent).toHaveLength(10_000)
    })
  )
})
