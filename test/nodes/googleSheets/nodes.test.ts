import { readFileSync } from "node:fs"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type SheetsFake, sheetsOrigin, startSheets } from "../../../nodes/googleSheets/fake.js"
import {
  addSheet,
  appendRows,
  batchRead,
  clearRange,
  createSpreadsheet,
  deleteRows,
  findRows,
  readRange,
  rowsToCsv,
  updateRange
} from "../../../nodes/googleSheets/index.js"
import { GoogleSheets } from "../../../nodes/googleSheets/service.js"
import { errorOf, type Harness, startHarness, succeeded } from "../../support/discoveryHarness.js"

let h: Harness<SheetsFake, GoogleSheets>
let n = 0
/** A fresh copy of the orders spreadsheet, so tests do not see each other's writes. */
const orders = () => {
  const id = `1TestOrders${String(++n).padStart(33, "0")}`
  h.fake.seed(id, "Orders", {
    Orders: [
      ["Order", "Customer", "Amount", "Paid"],
      ["A-1", "Ada", 120, "yes"],
      ["A-2", "Grace", 75.5, "no"],
      ["A-3", "Alan", 240, "yes"],
      ["A-4", "Hedy", 32.25, "No"],
      ["A-5", "Katherine", 410, "no"]
    ],
    Unpaid: [["Order", "Customer", "Amount"]],
    Empty: []
  })
  return id
}

beforeAll(async () => {
  h = await startHarness({
    api: "sheets",
    start: startSheets,
    origins: [sheetsOrigin],
    layer: GoogleSheets.layer
  })
})
afterEach(() => {
  expect(h.contractProblems()).toEqual([])
})
afterAll(() => h.close())

describe("googleSheets.readRange", () => {
  it("reads rows as objects keyed by the header row", async () => {
    const out = succeeded(await h.runNode(readRange, { spreadsheetId: orders(), range: "Orders" }))
    expect(out.header).toEqual(["Order", "Customer", "Amount", "Paid"])
    expect(out.count).toBe(5)
    expect(out.rows[1]).toEqual({ Order: "A-2", Customer: "Grace", Amount: "75.5", Paid: "no" })
  })

  it("reads rows as lists, unformatted, and accepts the spreadsheet's link", async () => {
    const id = orders()
    const out = succeeded(
      await h.runNode(readRange, {
        spreadsheetId: `https://docs.google.com/spreadsheets/d/${id}/edit#gid=0`,
        range: "Orders!A2:C3",
        shape: "rows",
        valueRenderOption: "UNFORMATTED_VALUE"
      })
    )
    expect(out).toEqual({
      range: "Orders!A2:C3",
      rows: [
        ["A-1", "Ada", 120],
        ["A-2", "Grace", 75.5]
      ],
      count: 2
    })
  })

  it("reads by columns", async () => {
    const out = succeeded(
      await h.runNode(readRange, {
        spreadsheetId: orders(),
        range: "Orders!A1:B3",
        shape: "rows",
        majorDimension: "COLUMNS"
      })
    )
    expect(out.rows).toEqual([
      ["Order", "A-1", "A-2"],
      ["Customer", "Ada", "Grace"]
    ])
  })

  it("refuses objects read by columns before sending anything", async () => {
    const before = h.exchanges.length
    const exit = await h.runNode(readRange, {
      spreadsheetId: orders(),
      range: "Orders",
      majorDimension: "COLUMNS"
    })
    expect(exit._tag).toBe("Failure")
    expect(h.exchanges.length).toBe(before)
  })

  it("names blank and repeated header cells", async () => {
    const id = orders()
    h.fake.seed(id, "Odd", {
      Odd: [
        ["Name", "", "Name"],
        ["a", "b", "c"]
      ]
    })
    const out = succeeded(await h.runNode(readRange, { spreadsheetId: id, range: "Odd" }))
    expect(out.rows).toEqual([{ Name: "a", B: "b", Name_2: "c" }])
  })

  it("fails with NotFoundError for an unknown spreadsheet", async () => {
    const exit = await h.runNode(readRange, { spreadsheetId: "1Missing", range: "Orders" })
    expect(errorOf(exit)).toMatchObject({ _tag: "NotFoundError", status: 404 })
  })

  it("fails with ValidationError for a sheet that does not exist", async () => {
    const exit = await h.runNode(readRange, { spreadsheetId: orders(), range: "Nope!A1:B2" })
    expect(errorOf(exit)).toMatchObject({ _tag: "ValidationError", status: 400 })
  })
})

describe("googleSheets.batchRead", () => {
  it("reads several ranges in one request", async () => {
    const before = h.exchanges.length
    const out = succeeded(
      await h.runNode(batchRead, {
        spreadsheetId: orders(),
        ranges: ["Orders!A1:A2", "Unpaid", "Empty"]
      })
    )
    expect(out.ranges).toEqual([
      { range: "Orders!A1:A2", rows: [["Order"], ["A-1"]] },
      { range: "Unpaid!A1:Z1000", rows: [["Order", "Customer", "Amount"]] },
      { range: "Empty!A1:Z1000", rows: [] }
    ])
    expect(h.exchanges.length - before).toBe(1)
  })
})

describe("googleSheets.appendRows", () => {
  it("maps objects to the header's columns, in any key order", async () => {
    const id = orders()
    const out = succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: id,
        range: "Unpaid",
        rows: [
          { Amount: 75.5, Order: "A-2", Customer: "Grace" },
          { Customer: "Hedy", Order: "A-4" }
        ]
      })
    )
    expect(out).toMatchObject({
      updatedRange: "Unpaid!A2:C3",
      updatedRows: 2,
      header: ["Order", "Customer", "Amount"]
    })
    expect(h.fake.cells(id, "Unpaid")).toEqual([
      ["Order", "Customer", "Amount"],
      ["A-2", "Grace", 75.5],
      ["A-4", "Hedy"]
    ])
  })

  it("reads the whole header row when the range is the table's first cell", async () => {
    const id = orders()
    const out = succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: id,
        range: "Unpaid!A1",
        rows: [{ Customer: "Grace", Order: "A-2", Amount: 75.5 }]
      })
    )
    expect(out.header).toEqual(["Order", "Customer", "Amount"])
    expect(h.fake.cells(id, "Unpaid")).toEqual([
      ["Order", "Customer", "Amount"],
      ["A-2", "Grace", 75.5]
    ])

    const shiftedId = `${id.slice(0, -1)}S`
    h.fake.seed(shiftedId, "Shifted", {
      Shifted: [
        ["Notes", "Order", "Customer"],
        ["", "B-1", "Ada"]
      ]
    })
    const shifted = succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: shiftedId,
        range: "Shifted!B1",
        rows: [{ Customer: "Alan", Order: "B-2" }]
      })
    )
    expect(shifted.header).toEqual(["Order", "Customer"])
    expect(h.fake.cells(shiftedId, "Shifted")[2]).toEqual([null, "B-2", "Alan"])
  })

  it("refuses keys the header lacks, and appends nothing", async () => {
    const id = orders()
    const exit = await h.runNode(appendRows, {
      spreadsheetId: id,
      range: "Unpaid",
      rows: [{ Order: "A-9", Colour: "red" }]
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "InputError", issues: [{ path: "rows" }] })
    expect(h.fake.cells(id, "Unpaid")).toEqual([["Order", "Customer", "Amount"]])
  })

  it("adds unknown keys as new columns when asked", async () => {
    const id = orders()
    succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: id,
        range: "Unpaid",
        rows: [{ Order: "A-9", Colour: "red" }],
        unknownColumns: "add"
      })
    )
    expect(h.fake.cells(id, "Unpaid")).toEqual([
      ["Order", "Customer", "Amount", "Colour"],
      ["A-9", null, null, "red"]
    ])
  })

  it("writes the objects' keys as the header of an empty sheet", async () => {
    const id = orders()
    succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: id,
        range: "Empty",
        rows: [
          { Order: "A-1", Total: 3 },
          { Total: 4, Order: "A-2" }
        ]
      })
    )
    expect(h.fake.cells(id, "Empty")).toEqual([
      ["Order", "Total"],
      ["A-1", 3],
      ["A-2", 4]
    ])
  })

  it("appends lists of values as they are", async () => {
    const id = orders()
    const out = succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: id,
        range: "Orders!A1:D",
        rows: [["A-6", "Tim", "=1+1", "no"]],
        valueInputOption: "RAW"
      })
    )
    expect(out).toMatchObject({ updatedRange: "Orders!A7:D7", tableRange: "Orders!A1:D6" })
    expect(h.fake.cells(id, "Orders")[6]).toEqual(["A-6", "Tim", "=1+1", "no"])
  })
})

describe("googleSheets.updateRange and clearRange", () => {
  it("writes values into a range, typed as a person would", async () => {
    const id = orders()
    const out = succeeded(
      await h.runNode(updateRange, {
        spreadsheetId: id,
        range: "Orders!D2",
        values: [["paid"], ["TRUE"]]
      })
    )
    expect(out).toEqual({
      updatedRange: "Orders!D2:D3",
      updatedRows: 2,
      updatedColumns: 1,
      updatedCells: 2
    })
    expect(h.fake.cells(id, "Orders").map((row) => row[3])).toEqual([
      "Paid",
      "paid",
      true,
      "yes",
      "No",
      "no"
    ])
  })

  it("fails with ValidationError when the values do not fit the range", async () => {
    const exit = await h.runNode(updateRange, {
      spreadsheetId: orders(),
      range: "Orders!A1:A1",
      values: [["a", "b"]]
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "ValidationError" })
  })

  it("fails with ValidationError for a cell over 50,000 characters, as Sheets does", async () => {
    const id = orders()
    const exit = await h.runNode(updateRange, {
      spreadsheetId: id,
      range: "Orders!B2",
      values: [["x".repeat(50_001)]]
    })
    const error = errorOf(exit) as { _tag: string; message: string }
    expect(error).toMatchObject({ _tag: "ValidationError", status: 400 })
    expect(error.message).toContain("50000 characters")
    expect(h.fake.cells(id, "Orders")[1]?.[1]).toBe("Ada")
    const appended = await h.runNode(appendRows, {
      spreadsheetId: id,
      range: "Unpaid",
      rows: [["A-9", "y".repeat(50_001)]]
    })
    expect(errorOf(appended)).toMatchObject({ _tag: "ValidationError" })
    expect(h.fake.cells(id, "Unpaid")).toHaveLength(1)
    succeeded(
      await h.runNode(updateRange, {
        spreadsheetId: id,
        range: "Orders!B2",
        values: [["z".repeat(50_000)]]
      })
    )
  })

  it("clears a range, keeping the rows", async () => {
    const id = orders()
    const out = succeeded(await h.runNode(clearRange, { spreadsheetId: id, range: "Orders!A2:D" }))
    expect(out.clearedRange).toBe("Orders!A2:D1000")
    expect(h.fake.cells(id, "Orders")).toEqual([["Order", "Customer", "Amount", "Paid"]])
  })
})

describe("googleSheets.findRows", () => {
  it("finds rows where a named column equals a value, ignoring case, with row numbers", async () => {
    const out = succeeded(
      await h.runNode(findRows, {
        spreadsheetId: orders(),
        range: "Orders",
        column: "Paid",
        value: "no"
      })
    )
    expect(out.rowNumbers).toEqual([3, 5, 6])
    expect(out.rows.map((row: { Order: string }) => row.Order)).toEqual(["A-2", "A-4", "A-5"])
    expect(out.count).toBe(3)
  })

  it("matches case when asked, by column letter, up to a limit", async () => {
    const id = orders()
    const exact = succeeded(
      await h.runNode(findRows, {
        spreadsheetId: id,
        range: "Orders",
        column: "D",
        value: "No",
        caseSensitive: true
      })
    )
    expect(exact.rowNumbers).toEqual([5])
    const limited = succeeded(
      await h.runNode(findRows, {
        spreadsheetId: id,
        range: "Orders",
        column: "Paid",
        value: "no",
        limit: 2
      })
    )
    expect(limited.rowNumbers).toEqual([3, 5])
    const first = succeeded(
      await h.runNode(findRows, {
        spreadsheetId: id,
        range: "Orders",
        column: "Paid",
        value: "no",
        returnAll: false
      })
    )
    expect(first.rowNumbers).toEqual([3])
  })

  it("compares numbers as text", async () => {
    const out = succeeded(
      await h.runNode(findRows, {
        spreadsheetId: orders(),
        range: "Orders",
        column: "Amount",
        value: 75.5
      })
    )
    expect(out.rowNumbers).toEqual([3])
  })

  it("fails with InputError for a column the header lacks", async () => {
    const exit = await h.runNode(findRows, {
      spreadsheetId: orders(),
      range: "Orders",
      column: "Colour",
      value: "x"
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "InputError", issues: [{ path: "column" }] })
  })
})

describe("googleSheets.deleteRows", () => {
  it("deletes rows by number, neighbours as one block, from the bottom up", async () => {
    const id = orders()
    const found = succeeded(
      await h.runNode(findRows, { spreadsheetId: id, range: "Orders", column: "Paid", value: "no" })
    )
    const out = succeeded(
      await h.runNode(deleteRows, {
        spreadsheetId: id,
        sheet: "Orders",
        rowNumbers: found.rowNumbers
      })
    )
    expect(out.deletedRows).toBe(3)
    expect(h.fake.cells(id, "Orders").map((row) => row[0])).toEqual(["Order", "A-1", "A-3"])
    const batch = h.exchanges.at(-1)!
    const sent = JSON.parse(Buffer.from(batch.body!).toString())
    expect(
      sent.requests.map((r: { deleteDimension: { range: unknown } }) => r.deleteDimension.range)
    ).toEqual([
      { sheetId: 0, dimension: "ROWS", startIndex: 4, endIndex: 6 },
      { sheetId: 0, dimension: "ROWS", startIndex: 2, endIndex: 3 }
    ])
  })

  it("fails with NotFoundError for a sheet the spreadsheet lacks", async () => {
    const exit = await h.runNode(deleteRows, {
      spreadsheetId: orders(),
      sheet: "Nope",
      rowNumbers: [2]
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "NotFoundError" })
  })
})

describe("googleSheets.createSpreadsheet and addSheet", () => {
  it("creates a spreadsheet with named sheets, then adds one", async () => {
    const created = succeeded(
      await h.runNode(createSpreadsheet, {
        title: "Unpaid orders",
        sheets: ["Orders", "Summary"],
        timeZone: "Europe/Berlin"
      })
    )
    expect(created.title).toBe("Unpaid orders")
    expect(created.sheets.map((s: { title: string }) => s.title)).toEqual(["Orders", "Summary"])
    expect(created.url).toContain(created.spreadsheetId)

    const added = succeeded(
      await h.runNode(addSheet, {
        spreadsheetId: created.spreadsheetId,
        title: "Archive",
        index: 0
      })
    )
    expect(added).toMatchObject({ title: "Archive", index: 0 })
    const again = await h.runNode(addSheet, {
      spreadsheetId: created.spreadsheetId,
      title: "Archive"
    })
    expect(errorOf(again)).toMatchObject({ _tag: "ValidationError" })
  })
})

describe("googleSheets.rowsToCsv", () => {
  it("writes objects as CSV with a header, quoting where needed", async () => {
    const out = succeeded(
      await h.runNode(rowsToCsv, {
        rows: [
          { Order: "A-2", Customer: 'Grace, "Amazing"', Amount: 75.5 },
          { Order: "A-4", Customer: "Jürgen", Amount: 32.25, Paid: false }
        ],
        fileName: "unpaid.csv"
      })
    )
    expect(out.file).toMatchObject({ name: "unpaid.csv", mimeType: "text/csv" })
    expect(readFileSync(out.file.path, "utf8")).toBe(
      'Order,Customer,Amount,Paid\nA-2,"Grace, ""Amazing""",75.5,\nA-4,Jürgen,32.25,FALSE\n'
    )
    expect(out.file.size).toBe(readFileSync(out.file.path).length)

    const second = succeeded(
      await h.runNode(rowsToCsv, { rows: [["a", 1]], fileName: "unpaid.csv", delimiter: ";" })
    )
    expect(second.file.name).toBe("unpaid (2).csv")
    expect(readFileSync(second.file.path, "utf8")).toBe("a;1\n")
  })
})
