import { describe, expect, it } from "vitest"
import { discoveryContract } from "./discovery.js"

const sheets = discoveryContract("sheets")
const drive = discoveryContract("drive")
const gmail = discoveryContract("gmail")

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const ok = { status: 200, responseHeaders: {} }

describe("the discovery-document checker", () => {
  it("matches methods by path template and HTTP method, the most literal template first", () => {
    expect(drive.methodOf({ method: "GET", url: "/drive/v3/files/generateIds" })).toBe(
      "drive.files.generateIds"
    )
    expect(drive.methodOf({ method: "GET", url: "/drive/v3/files/abc" })).toBe("drive.files.get")
    expect(
      sheets.methodOf({ method: "POST", url: "/v4/spreadsheets/id/values/Orders!A1%3AB2:append" })
    ).toBe("sheets.spreadsheets.values.append")
    expect(
      gmail.methodOf({
        method: "POST",
        url: "/upload/gmail/v1/users/me/messages/send?uploadType=media"
      })
    ).toBe("gmail.users.messages.send")
  })

  it("accepts an exchange that follows the document", () => {
    expect(
      drive.check({
        method: "GET",
        url: "/drive/v3/files?pageSize=10&q=trashed%20%3D%20false&supportsAllDrives=true&fields=files(id)",
        headers: {},
        ...ok,
        responseBody: {
          files: [{ id: "1", size: "12", createdTime: "2024-06-01T10:00:00.000Z" }],
          nextPageToken: "t"
        }
      })
    ).toEqual([])
  })

  it("finds unknown, mistyped, out-of-range, repeated, deprecated and missing parameters", () => {
    const problems = drive.check({
      method: "GET",
      url: "/drive/v3/files?pageSize=5000&supportsAllDrives=yes&corpus=user&bogus=1&q=a&q=b",
      headers: {},
      ...ok,
      responseBody: {}
    })
    expect(problems.join("\n")).toMatch(/pageSize.*maximum/)
    expect(problems.join("\n")).toMatch(/supportsAllDrives.*true or false/)
    expect(problems.join("\n")).toMatch(/corpus.*deprecated/)
    expect(problems.join("\n")).toMatch(/bogus.*not declared/)
    expect(problems.join("\n")).toMatch(/"q" is repeated/)
    const missing = sheets.check({
      method: "GET",
      url: "/v4/spreadsheets/x/values/A1?valueRenderOption=PRETTY",
      headers: {},
      ...ok,
      responseBody: { range: "A1" }
    })
    expect(missing.join("\n")).toMatch(/valueRenderOption.*not one of/)
  })

  it("validates request and response bodies against the schemas, rejecting unknown fields", () => {
    const problems = gmail.check({
      method: "POST",
      url: "/gmail/v1/users/me/messages/send",
      headers: { "content-type": "application/json" },
      body: json({ raw: "not base64!", threadID: "x" }),
      ...ok,
      responseBody: { id: 1 }
    })
    expect(problems.join("\n")).toMatch(/request body.*\/raw/)
    expect(problems.join("\n")).toMatch(/threadID/)
    expect(problems.join("\n")).toMatch(/response body.*\/id must be string/)
  })

  it("checks Google's error body, multipart uploads and resumable sessions", () => {
    expect(
      drive.check({
        method: "GET",
        url: "/drive/v3/files/x",
        headers: {},
        status: 404,
        responseHeaders: {},
        responseBody: { error: "nope" }
      })
    ).not.toEqual([])
    const boundary = "b"
    const multipart = Buffer.from(
      `--b\r\ncontent-type: application/json\r\n\r\n{"name":"a","nme":"b"}\r\n--b\r\ncontent-type: text/csv\r\n\r\na,b\r\n--b--\r\n`
    )
    const upload = drive.check({
      method: "POST",
      url: "/upload/drive/v3/files?uploadType=multipart",
      headers: { "content-type": `multipart/related; boundary=${boundary}` },
      body: multipart,
      ...ok,
      responseBody: { id: "1" }
    })
    expect(upload.join("\n")).toMatch(/metadata part.*nme/)
    const chunk = drive.check({
      method: "PUT",
      url: "/upload/drive/v3/files?uploadType=resumable&upload_id=u",
      headers: { "content-range": "bytes 0-9/100" },
      body: new Uint8Array(5),
      status: 308,
      responseHeaders: { range: "bytes=0-4" }
    })
    expect(chunk.join("\n")).toMatch(/says 10 bytes, the body has 5/)
  })
})
