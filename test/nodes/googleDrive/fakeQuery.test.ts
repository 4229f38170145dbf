import { describe, expect, it } from "vitest"
import { applyFieldMask, parseFieldMask } from "../../../nodes/google/fakeFields.js"
import { parseDriveQuery, type QueryableFile } from "../../../nodes/googleDrive/fakeQuery.js"

const file = (overrides: Partial<QueryableFile>): QueryableFile => ({
  name: "Report June.pdf",
  mimeType: "application/pdf",
  parents: ["folder-1"],
  trashed: false,
  starred: false,
  createdTime: "2024-06-01T10:00:00Z",
  modifiedTime: "2024-06-02T10:00:00Z",
  ...overrides
})

describe("the Drive fake's search language", () => {
  it("reads and, or, not, parentheses, parents and comparisons", () => {
    const q = parseDriveQuery(
      "(name contains 'report' or name = 'x') and 'folder-1' in parents and not trashed = true and modifiedTime > '2024-06-01T00:00:00Z'"
    )!
    expect(q(file({}))).toBe(true)
    expect(q(file({ trashed: true }))).toBe(false)
    expect(q(file({ parents: ["other"] }))).toBe(false)
    expect(q(file({ name: "x" }))).toBe(true)
    expect(parseDriveQuery("name = 'it\\'s'")!(file({ name: "it's" }))).toBe(true)
  })

  it("refuses what Drive would refuse", () => {
    for (const bad of [
      "name ~ 'x'",
      "mimeType contains 'pdf'",
      "size > 3",
      "name = 'open",
      "trashed = maybe",
      "(name = 'a'"
    ]) {
      expect(parseDriveQuery(bad), bad).toBeUndefined()
    }
  })
})

describe("the fakes' field masks", () => {
  it("keeps the fields asked for, nested and in lists", () => {
    const mask = parseFieldMask(
      "nextPageToken,files(id,owners(emailAddress)),sheets.properties/title"
    )!
    expect(
      applyFieldMask(
        {
          nextPageToken: "t",
          kind: "k",
          files: [{ id: "1", name: "n", owners: [{ emailAddress: "a@x", me: true }] }],
          sheets: [{ properties: { title: "T", index: 0 }, data: [] }]
        },
        mask
      )
    ).toEqual({
      nextPageToken: "t",
      files: [{ id: "1", owners: [{ emailAddress: "a@x" }] }],
      sheets: [{ properties: { title: "T" } }]
    })
    expect(parseFieldMask("files(id")).toBeUndefined()
  })
})
