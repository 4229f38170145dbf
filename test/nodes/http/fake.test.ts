import { createHash } from "node:crypto"
import * as undici from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeByteAt, fakeItem, type HttpbinFake, startHttpbin } from "../../../nodes/http/fake.js"

let fake: HttpbinFake

beforeAll(async () => {
  fake = await startHttpbin()
})

afterAll(() => fake.close())

const get = (path: string, init?: RequestInit) =>
  fetch(`${fake.url}${path}`, { redirect: "manual", ...init })

const json = async (path: string, init?: RequestInit) => {
  const response = await get(path, init)
  // biome-ignore lint/suspicious/noExplicitAny: the fake answers loosely shaped JSON
  const body: any = await response.json()
  return { status: response.status, headers: response.headers, body }
}

describe("httpbin fake", () => {
  it("echoes method, path, repeated query keys, headers and host", async () => {
    const { status, body } = await json("/anything/a/b?tag=x&tag=y&n=1", {
      headers: { "x-test": "yes" }
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({
      method: "GET",
      path: "/anything/a/b",
      query: { tag: ["x", "y"], n: "1" },
      host: fake.url.replace("http://", "")
    })
    expect(body.headers["x-test"]).toBe("yes")
  })

  it("echoes JSON, form and text bodies with their digest", async () => {
    const payload = JSON.stringify({ a: 1 })
    const asJson = await json("/anything", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload
    })
    expect(asJson.body.json).toEqual({ a: 1 })
    expect(asJson.body.body).toEqual({
      size: payload.length,
      sha256: createHash("sha256").update(payload).digest("hex")
    })

    const asForm = await json("/anything", {
      method: "POST",
      body: new URLSearchParams("a=1&a=2&b=3")
    })
    expect(asForm.body.form).toEqual({ a: ["1", "2"], b: "3" })

    const asText = await json("/anything", {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "hello"
    })
    expect(asText.body.text).toBe("hello")
  })

  it("lists multipart parts with file sizes and digests", async () => {
    const form = new FormData()
    form.append("note", "quarterly")
    form.append("file", new Blob([Buffer.from("abc")], { type: "text/csv" }), "r.csv")
    const { body } = await json("/anything/upload", { method: "POST", body: form })
    expect(body.form).toEqual({ note: "quarterly" })
    expect(body.parts).toEqual([
      { name: "note", value: "quarterly" },
      {
        name: "file",
        filename: "r.csv",
        contentType: "text/csv",
        size: 3,
        sha256: createHash("sha256").update("abc").digest("hex")
      }
    ])
  })

  it("only hashes a multipart body over 16 MiB, so large uploads are not held in memory", async () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 7)
    const form = new FormData()
    form.append("file", new Blob([big], { type: "application/octet-stream" }), "big.bin")
    const request = new Request(`${fake.url}/anything/upload`, { method: "POST", body: form })
    const sent = Buffer.from(await request.clone().arrayBuffer())
    const { body } = await json("/anything/upload", {
      method: "POST",
      body: sent,
      headers: { "content-type": request.headers.get("content-type")! }
    })
    expect(body.body).toEqual({
      size: sent.length,
      sha256: createHash("sha256").update(sent).digest("hex")
    })
    expect(body.parts).toBeUndefined()
    expect(body.form).toBeUndefined()
  })

  it("answers any status, and 429 with Retry-After", async () => {
    expect((await get("/status/418")).status).toBe(418)
    const throttled = await get("/retry-after?seconds=7")
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get("retry-after")).toBe("7")
  })

  it("fails a flaky key the set number of times, counting each key apart", async () => {
    const statuses = async (key: string, n: number) => {
      const out: Array<number> = []
      for (let i = 0; i < n; i++)
        out.push((await get(`/flaky?key=${key}&failures=2&status=502`)).status)
      return out
    }
    expect(await statuses("a", 4)).toEqual([502, 502, 200, 200])
    expect(await statuses("b", 3)).toEqual([502, 502, 200])
    const limited = await get("/flaky?key=c&failures=1&status=429&retry_after=3")
    expect(limited.headers.get("retry-after")).toBe("3")
  })

  it("redirects relatively, absolutely, to a given URL and across origins", async () => {
    expect((await get("/redirect/2")).headers.get("location")).toBe("/redirect/1")
    expect((await get("/redirect/1")).headers.get("location")).toBe("/anything")
    expect((await get("/absolute-redirect/2")).headers.get("location")).toBe(
      `${fake.url}/absolute-redirect/1`
    )
    const to = await get("/redirect-to?url=https%3A%2F%2Fother.sandbox%2Fx&status=307")
    expect(to.status).toBe(307)
    expect(to.headers.get("location")).toBe("https://other.sandbox/x")

    const asSandbox = async (path: string) => {
      const response = await undici.request(`${fake.url}${path}`, {
        headers: { host: "httpbin.sandbox" }
      })
      await response.body.dump()
      return response.headers.location
    }
    expect(await asSandbox("/cross-origin-redirect")).toBe("https://other.sandbox/anything")
    expect(await asSandbox("/absolute-redirect/1")).toBe("https://httpbin.sandbox/anything")
    expect((await get("/cross-origin-redirect")).headers.get("location")).toBe(
      `${fake.url.replace("127.0.0.1", "localhost")}/anything`
    )
  })

  it("streams deterministic bytes", async () => {
    const response = await get("/bytes/70000")
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(response.headers.get("content-length")).toBe("70000")
    expect(bytes.length).toBe(70_000)
    expect(bytes.every((b, i) => b === fakeByteAt(i))).toBe(true)
  })

  it("streams 1 GiB without preparing it first", async () => {
    const size = 1024 * 1024 * 1024
    const controller = new AbortController()
    const response = await get(`/bytes/${size}`, { signal: controller.signal })
    expect(response.headers.get("content-length")).toBe(String(size))
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.value!.length).toBeLessThan(size)
    expect([...first.value!].every((b, i) => b === fakeByteAt(i))).toBe(true)
    controller.abort()
    await reader.cancel().catch(() => undefined)
  })

  it("answers /delay after the wait, echoing the request", async () => {
    const { status, body } = await json("/delay/20?x=1")
    expect(status).toBe(200)
    expect(body.query).toEqual({ x: "1" })
  })

  it("checks bearer and basic credentials", async () => {
    expect((await get("/bearer")).status).toBe(401)
    expect((await get("/bearer", { headers: { authorization: "Bearer t" } })).status).toBe(200)
    const basic = `Basic ${Buffer.from("robot:pw").toString("base64")}`
    expect((await get("/basic-auth/robot/pw", { headers: { authorization: basic } })).status).toBe(
      200
    )
    expect(
      (await get("/basic-auth/robot/other", { headers: { authorization: basic } })).status
    ).toBe(401)
  })

  it("serves JSON, XML and text documents", async () => {
    expect((await get("/json")).headers.get("content-type")).toBe("application/json")
    expect((await get("/xml")).headers.get("content-type")).toBe("application/xml")
    expect(await (await get("/text")).text()).toContain("next one")
  })

  it("pages a list with Link headers", async () => {
    const first = await json("/pages/link?total=25&per_page=10")
    expect(first.body).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(fakeItem))
    const link = first.headers.get("link") ?? ""
    expect(link).toContain(`<${fake.url}/pages/link?total=25&per_page=10&page=2>; rel="next"`)
    const last = await json("/pages/link?total=25&per_page=10&page=3")
    expect(last.body.map((item: { id: number }) => item.id)).toEqual([21, 22, 23, 24, 25])
    expect(last.headers.get("link")).not.toContain('rel="next"')
  })

  it("pages a list with cursors, in the query or a JSON body", async () => {
    const first = await json("/pages/cursor?total=5&limit=3")
    expect(first.body.items.map((item: { id: number }) => item.id)).toEqual([1, 2, 3])
    const second = await json(`/pages/cursor?total=5&limit=3&cursor=${first.body.next_cursor}`)
    expect(second.body).toEqual({ items: [fakeItem(4), fakeItem(5)], next_cursor: null })
    const posted = await json("/pages/cursor?total=5&limit=3", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ cursor: first.body.next_cursor })
    })
    expect(posted.body.items.map((item: { id: number }) => item.id)).toEqual([4, 5])
  })

  it("pages a list with next URLs and offsets", async () => {
    const first = await json("/pages/next-url?total=3&top=2")
    expect(first.body.value).toEqual([fakeItem(1), fakeItem(2)])
    const next = first.body["@odata.nextLink"] as string
    const second = await json(next.replace(fake.url, ""))
    expect(second.body).toEqual({ value: [fakeItem(3)] })

    const offset = await json("/pages/offset?total=12&offset=10&limit=5")
    expect(offset.body.items).toEqual([fakeItem(11), fakeItem(12)])
  })
})
