import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { fakeByteAt, fakeItem } from "../../../nodes/http/fake.js"
import type { FileRef } from "../../../src/http/files.js"
import { type HttpHarness, httpHarness } from "./harness.js"

class Harness extends Context.Tag("test/HttpHarness")<Harness, HttpHarness>() {}

const base = "https://httpbin.sandbox"

/** Runs one step with the shared harness. */
const step = (input: unknown) => Effect.flatMap(Harness, (h) => h.run(input))

/** The echo of `/anything` a step got back. */
// biome-ignore lint/suspicious/noExplicitAny: the echo is loosely shaped JSON
const echoOf = (output: unknown): any => (output as { body: unknown }).body

const sha256OfFile = (path: string) =>
  Effect.promise(
    () =>
      new Promise<string>((resolve, reject) => {
        const hash = createHash("sha256")
        createReadStream(path)
          .on("data", (chunk) => hash.update(chunk))
          .on("end", () => resolve(hash.digest("hex")))
          .on("error", reject)
      })
  )

const expectedBytesSha = (n: number) =>
  createHash("sha256")
    .update(Buffer.from(Array.from({ length: n }, (_, i) => fakeByteAt(i))))
    .digest("hex")

const writeWorkspaceFile = (name: string, content: string, mimeType: string) =>
  Effect.flatMap(Harness, ({ workspace }) => {
    const path = join(workspace, name)
    return Effect.as(
      Effect.promise(() => writeFile(path, content)),
      {
        path,
        name,
        mimeType,
        size: Buffer.byteLength(content)
      } satisfies FileRef
    )
  })

layer(Layer.scoped(Harness, httpHarness()), { excludeTestServices: true })("http.request", (it) => {
  describe("request bodies", () => {
    it.effect("sends JSON by default", () =>
      Effect.gen(function* () {
        const echo = echoOf(
          yield* step({ method: "POST", url: `${base}/anything`, body: { a: 1, b: [true] } })
        )
        expect(echo.headers["content-type"]).toBe("application/json")
        expect(echo.json).toEqual({ a: 1, b: [true] })
        expect(echo.host).toBe("httpbin.sandbox")
      })
    )

    it.effect("sends URL-encoded forms, repeating list fields", () =>
      Effect.gen(function* () {
        const echo = echoOf(
          yield* step({
            method: "POST",
            url: `${base}/anything`,
            bodyType: "form",
            body: { name: "Ada", tag: ["x", "y"], n: 2, skipped: null }
          })
        )
        expect(echo.headers["content-type"]).toBe("application/x-www-form-urlencoded")
        expect(echo.form).toEqual({ name: "Ada", tag: ["x", "y"], n: "2" })
      })
    )

    it.effect("sends text with the header's content type, else text/plain", () =>
      Effect.gen(function* () {
        const csv = echoOf(
          yield* step({
            method: "PUT",
            url: `${base}/anything`,
            headers: { "Content-Type": "text/csv" },
            bodyType: "text",
            body: "a,b\n1,2\n"
          })
        )
        expect(csv.headers["content-type"]).toBe("text/csv")
        expect(csv.text).toBe("a,b\n1,2\n")
        const plain = echoOf(
          yield* step({ method: "POST", url: `${base}/anything`, bodyType: "text", body: "hi" })
        )
        expect(plain.headers["content-type"]).toMatch(/^text\/plain/)
        expect(plain.text).toBe("hi")
      })
    )

    it.effect("streams a file as the body, with its MIME type", () =>
      Effect.gen(function* () {
        const file = yield* writeWorkspaceFile("notes.txt", "file body", "text/markdown")
        const echo = echoOf(
          yield* step({ method: "PUT", url: `${base}/anything`, bodyType: "file", body: file })
        )
        expect(echo.headers["content-type"]).toBe("text/markdown")
        expect(echo.body).toEqual({
          size: 9,
          sha256: createHash("sha256").update("file body").digest("hex")
        })
      })
    )

    it.effect("sends multipart fields and files", () =>
      Effect.gen(function* () {
        const file = yield* writeWorkspaceFile("r.csv", "x,y\n", "text/csv")
        const echo = echoOf(
          yield* step({
            method: "POST",
            url: `${base}/anything`,
            bodyType: "multipart",
            body: { report: file, note: "monthly", count: 3, meta: { a: 1 } }
          })
        )
        expect(echo.parts).toEqual([
          {
            name: "report",
            filename: "r.csv",
            contentType: "text/csv",
            size: 4,
            sha256: createHash("sha256").update("x,y\n").digest("hex")
          },
          { name: "note", value: "monthly" },
          { name: "count", value: "3" },
          { name: "meta", value: '{"a":1}' }
        ])
      })
    )
  })

  it.effect("repeats the key of a query list and keeps the URL's own query", () =>
    Effect.gen(function* () {
      const echo = echoOf(
        yield* step({
          url: `${base}/anything?fixed=1`,
          query: { tag: ["a", "b"], n: 5, on: true }
        })
      )
      expect(echo.query).toEqual({ fixed: "1", tag: ["a", "b"], n: "5", on: "true" })
    })
  )

  describe("response modes", () => {
    it.effect("auto reads JSON as JSON, textual types as text, the rest as a file", () =>
      Effect.gen(function* () {
        const json = yield* step({ url: `${base}/json` })
        expect(json).toMatchObject({ status: 200, body: { invoice: { number: "INV-1001" } } })
        const xml = yield* step({ url: `${base}/xml` })
        expect((xml as { body: string }).body).toMatch(/^<\?xml/)
        const binary = yield* step({ url: `${base}/bytes/1000` })
        const { file } = binary as { file: FileRef }
        expect(file).toMatchObject({
          name: "1000",
          mimeType: "application/octet-stream",
          size: 1000
        })
        expect(yield* sha256OfFile(file.path)).toBe(expectedBytesSha(1000))
        const empty = yield* step({ url: `${base}/status/204` })
        expect(empty).toMatchObject({ status: 204, body: null })
      })
    )

    it.effect("json, text and file force how the body is read", () =>
      Effect.gen(function* () {
        const text = yield* step({ url: `${base}/json`, response: "text" })
        expect(JSON.parse((text as { body: string }).body)).toHaveProperty("invoice")
        const file = yield* step({ url: `${base}/json`, response: "file", fileName: "inv.json" })
        expect((file as { file: FileRef }).file).toMatchObject({
          name: "inv.json",
          mimeType: "application/json"
        })
        const notJson = yield* Effect.flip(step({ url: `${base}/xml`, response: "json" }))
        expect(notJson._tag).toBe("DecodeError")
        expect(notJson.message).toContain('set response to "text"')
      })
    )
  })

  it.effect("downloads a file and uploads it again as multipart, bytes intact", () =>
    Effect.gen(function* () {
      const size = 3 * 1024 * 1024 + 17
      const downloaded = yield* step({
        url: `${base}/bytes/${size}`,
        response: "file",
        fileName: "export.bin"
      })
      const { file } = downloaded as { file: FileRef }
      expect(file).toMatchObject({ name: "export.bin", size })
      const sha = yield* sha256OfFile(file.path)
      expect(sha).toBe(expectedBytesSha(size))

      const uploaded = echoOf(
        yield* step({
          method: "POST",
          url: `${base}/anything/upload`,
          bodyType: "multipart",
          body: { file, description: "nightly" }
        })
      )
      expect(uploaded.parts).toEqual([
        {
          name: "file",
          filename: "export.bin",
          contentType: "application/octet-stream",
          size,
          sha256: sha
        },
        { name: "description", value: "nightly" }
      ])
    })
  )

  it.effect("returns statuses listed in acceptStatus instead of failing", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.flip(step({ url: `${base}/status/404` }))
      expect(refused._tag).toBe("NotFoundError")
      const accepted = yield* step({ url: `${base}/status/404`, acceptStatus: [404] })
      expect(accepted).toMatchObject({ status: 404, body: null })
    })
  )

  it.effect("retries a flaky endpoint, and sends once with retry false", () =>
    Effect.gen(function* () {
      const recovered = yield* step({
        url: `${base}/flaky`,
        query: { key: "recover", failures: 2 },
        retry: { maxAttempts: 3 }
      })
      expect(recovered).toMatchObject({ status: 200, body: { attempt: 3, ok: true } })
      const once = yield* Effect.flip(
        step({ url: `${base}/flaky`, query: { key: "once", failures: 1 }, retry: false })
      )
      expect(once).toMatchObject({ _tag: "ServerError", status: 503 })
    })
  )

  it.effect("fails with a TimeoutError past timeoutMs", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        step({ url: `${base}/delay/5000`, timeoutMs: 100, retry: false })
      )
      expect(error._tag).toBe("TimeoutError")
    })
  )

  it.effect("follows redirects unless told not to", () =>
    Effect.gen(function* () {
      const followed = yield* step({ url: `${base}/redirect/3` })
      expect(echoOf(followed).path).toBe("/anything")
      const kept = yield* step({
        url: `${base}/redirect/1`,
        followRedirects: false,
        acceptStatus: [302]
      })
      expect(kept).toMatchObject({ status: 302, headers: { location: "/anything" } })
    })
  )

  describe("pagination", () => {
    const ids = (output: unknown) =>
      (output as { items: Array<{ id: number }> }).items.map((i) => i.id)

    it.effect("follows Link headers up to the item limit", () =>
      Effect.gen(function* () {
        const output = yield* step({
          url: `${base}/pages/link`,
          query: { total: 95, per_page: 10 },
          pagination: { style: "linkHeader", limit: 25 }
        })
        expect(output).toMatchObject({ status: 200, count: 25, pages: 3 })
        expect(ids(output)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
        expect(output).toHaveProperty(["items", 0], fakeItem(1))
      })
    )

    it.effect("follows cursors in the query and in the body", () =>
      Effect.gen(function* () {
        const cursor = {
          style: "cursor",
          itemsPath: "items",
          cursorPath: "next_cursor",
          cursorParam: "cursor"
        }
        const inQuery = yield* step({
          url: `${base}/pages/cursor`,
          query: { total: 23, limit: 10 },
          pagination: cursor
        })
        expect(inQuery).toMatchObject({ count: 23, pages: 3 })
        expect(ids(inQuery)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
        const inBody = yield* step({
          method: "POST",
          url: `${base}/pages/cursor`,
          body: { total: 7, limit: 3 },
          pagination: { ...cursor, cursorIn: "body" }
        })
        expect(inBody).toMatchObject({ count: 7, pages: 3 })
      })
    )

    it.effect("follows next URLs up to the page limit", () =>
      Effect.gen(function* () {
        const output = yield* step({
          url: `${base}/pages/next-url`,
          query: { total: 50, top: 10 },
          pagination: {
            style: "nextUrl",
            itemsPath: "value",
            nextUrlPath: '["@odata.nextLink"]',
            maxPages: 2
          }
        })
        expect(output).toMatchObject({ count: 20, pages: 2 })
        expect(ids(output).at(-1)).toBe(20)
      })
    )

    it.effect("counts offsets until a short page", () =>
      Effect.gen(function* () {
        const output = yield* step({
          url: `${base}/pages/offset`,
          query: { total: 35 },
          pagination: {
            style: "offset",
            itemsPath: "items",
            offsetParam: "offset",
            limitParam: "limit",
            pageSize: 10
          }
        })
        expect(output).toMatchObject({ count: 35, pages: 4 })
        expect(ids(output)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1))
      })
    )
  })

  describe("input errors name the field, and nothing is sent", () => {
    const issuesOf = (input: unknown) =>
      Effect.map(Effect.flip(step(input)), (error) => {
        expect(error._tag).toBe("InputError")
        return error._tag === "InputError" ? error.issues.map((i) => i.path) : []
      })

    it.effect("refuses a bad URL, a GET with a body, and a file body that is no file", () =>
      Effect.gen(function* () {
        expect(yield* issuesOf({ url: "ftp://example.com/x" })).toEqual(["url"])
        expect(yield* issuesOf({ url: "/relative" })).toEqual(["url"])
        expect(yield* issuesOf({ url: `${base}/anything`, body: { a: 1 } })).toEqual(["body"])
        expect(
          yield* issuesOf({ method: "POST", url: `${base}/anything`, bodyType: "file", body: "x" })
        ).toEqual(["body"])
        expect(
          yield* issuesOf({ method: "POST", url: `${base}/anything`, bodyType: "file" })
        ).toEqual(["body"])
        expect(
          yield* issuesOf({ method: "POST", url: `${base}/anything`, bodyType: "form", body: [1] })
        ).toEqual(["body"])
        expect(
          yield* issuesOf({ method: "POST", url: `${base}/anything`, bodyType: "text", body: 1 })
        ).toEqual(["body"])
      })
    )

    it.effect("refuses pagination that cannot work", () =>
      Effect.gen(function* () {
        const url = `${base}/pages/cursor`
        expect(
          yield* issuesOf({ url, response: "file", pagination: { style: "linkHeader" } })
        ).toEqual(["pagination"])
        expect(yield* issuesOf({ url, pagination: { style: "cursor", cursorParam: "c" } })).toEqual(
          ["pagination.cursorPath"]
        )
        expect(yield* issuesOf({ url, pagination: { style: "nextUrl" } })).toEqual([
          "pagination.nextUrlPath"
        ])
        expect(yield* issuesOf({ url, pagination: { style: "offset", offsetParam: "o" } })).toEqual(
          ["pagination.pageSize"]
        )
        expect(
          yield* issuesOf({ url, pagination: { style: "linkHeader", itemsPath: "items[*]" } })
        ).toEqual(["pagination.itemsPath"])
      })
    )
  })
})
