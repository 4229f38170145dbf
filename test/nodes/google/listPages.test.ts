/**
 * Reading Google lists page by page, against a stub client that answers from a list of
 * numbers: page sizes that end at the limit, a provider that ignores the page size, and
 * one that repeats a token.
 */
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { listPages } from "../../../nodes/google/client.js"
import type { HttpClient } from "../../../src/http/kernel.js"
import type { HttpRequest } from "../../../src/http/request.js"

/**
 * A client over `total` numbered items: `pageSize` items from the offset in `pageToken`
 * (or `fixedPage` items when set, as a provider that ignores the size would), and a token
 * for the offset after the page (or always `repeat`, when set, which reads from 1000).
 */
const stubClient = (
  total: number,
  options: { readonly fixedPage?: number; readonly repeat?: string } = {}
) => {
  const asked: Array<Readonly<Record<string, unknown>>> = []
  const client: HttpClient = {
    integration: "googleDrive",
    request: () => Effect.die("not used"),
    download: () => Effect.die("not used"),
    json: <A, I>(request: HttpRequest, schema: Schema.Schema<A, I>) => {
      const query = request.query ?? {}
      asked.push(query)
      const token = query.pageToken
      const offset = token === undefined ? 0 : token === options.repeat ? 1000 : Number(token)
      const size = options.fixedPage ?? Number(query.pageSize)
      const end = Math.min(total, offset + size)
      const body = {
        files: Array.from({ length: end - offset }, (_, i) => offset + i),
        ...(end < total ? { nextPageToken: options.repeat ?? String(end) } : {})
      }
      return Effect.orDie(Schema.decodeUnknown(schema)(body))
    }
  }
  return { client, asked }
}

const list = (
  client: HttpClient,
  how: { readonly returnAll: boolean; readonly limit?: number },
  pageToken?: string
) =>
  Effect.runPromise(
    Effect.either(
      listPages(
        client,
        { method: "GET", url: "https://www.googleapis.com/drive/v3/files", query: { pageToken } },
        "files",
        Schema.Number,
        { param: "pageSize", max: 1000, first: 100 },
        how
      )
    )
  )

describe("listPages", () => {
  it("asks each page for no more than is still wanted, so the token skips nothing", async () => {
    const { client, asked } = stubClient(2600)
    const first = await list(client, { returnAll: true, limit: 1500 })
    expect(asked.map((q) => q.pageSize)).toEqual([1000, 500])
    if (first._tag !== "Right") throw new Error("expected a list")
    expect(first.right.items.at(-1)).toBe(1499)
    expect(first.right.nextPageToken).toBe("1500")
    expect(first.right.truncated).toBeUndefined()
  })

  it("cuts a page Google made longer than asked, and then hands back no token", async () => {
    const { client } = stubClient(2600, { fixedPage: 1000 })
    const listed = await list(client, { returnAll: true, limit: 1500 })
    if (listed._tag !== "Right") throw new Error("expected a list")
    expect(listed.right.items).toHaveLength(1500)
    expect(listed.right.nextPageToken).toBeUndefined()
    expect(listed.right.truncated).toBe(true)
  })

  it("fails with PaginationError when Google repeats a token", async () => {
    const { client, asked } = stubClient(2600, { repeat: "same" })
    const listed = await list(client, { returnAll: true })
    expect(listed).toMatchObject({ _tag: "Left", left: { _tag: "PaginationError", page: 2 } })
    expect(asked).toHaveLength(2)
  })
})
