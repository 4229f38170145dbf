import { describe, expect, it } from "vitest"
import {
  columnLetters,
  columnNumber,
  formatA1,
  parseA1,
  quoteSheet
} from "../../../nodes/googleSheets/a1.js"
import {
  headerCells,
  headerNames,
  headerRowOf,
  toObjects,
  toRows
} from "../../../nodes/googleSheets/table.js"

describe("A1 notation", () => {
  it("parses sheets, cells, open ranges, whole rows and quoted titles", () => {
    expect(parseA1("Orders")).toEqual({
      sheet: "Orders",
      startColumn: undefined,
      startRow: undefined,
      endColumn: undefined,
      endRow: undefined
    })
    expect(parseA1("Orders!A2:F")).toEqual({
      sheet: "Orders",
      startColumn: 1,
      startRow: 2,
      endColumn: 6,
      endRow: undefined
    })
    expect(parseA1("'Q1 ''24'!B:B")).toEqual({
      sheet: "Q1 '24",
      startColumn: 2,
      startRow: undefined,
      endColumn: 2,
      endRow: undefined
    })
    expect(parseA1("A1")).toMatchObject({
      sheet: undefined,
      startColumn: 1,
      startRow: 1,
      endColumn: 1,
      endRow: 1
    })
    expect(parseA1("2:5")).toMatchObject({ startRow: 2, endRow: 5, startColumn: undefined })
    expect(parseA1("Odd")).toMatchObject({ sheet: "Odd", startColumn: undefined })
    expect(parseA1("Orders!A0")).toBeUndefined()
  })

  it("writes ranges back, quoting titles that need it", () => {
    expect(
      formatA1({ sheet: "Q1 sales", startColumn: 1, startRow: 1, endColumn: 27, endRow: 9 })
    ).toBe("'Q1 sales'!A1:AA9")
    expect(quoteSheet("Orders")).toBe("Orders")
    expect(quoteSheet("Q1")).toBe("'Q1'")
    expect(columnLetters(703)).toBe("AAA")
    expect(columnNumber("aaa")).toBe(703)
    expect(columnNumber("A1")).toBeUndefined()
  })
})

describe("tables", () => {
  it("names columns from the header row and maps objects back in header order", () => {
    const header = headerNames(["Order", " ", "Order", 3], 2)
    expect(header).toEqual(["Order", "C", "Order_2", "3"])
    expect(toObjects(["a", "b"], [["x"]])).toEqual([{ a: "x", b: "" }])
    expect(toRows(["a", "b"], [{ b: 1, c: 2 }])).toEqual({ rows: [[null, 1]], unknown: ["c"] })
    expect(headerRowOf("Orders")).toBe("Orders!1:1")
    expect(headerRowOf("Orders!B3:F")).toBe("Orders!B3:F3")
    expect(headerRowOf("Orders!A1")).toBe("Orders!1:1")
    expect(headerRowOf("'Q1 sales'!C4")).toBe("'Q1 sales'!4:4")
    expect(
      headerCells("Orders!C4", { range: "Orders!A4:Z4", row: ["x", "", "Order", "Total"] })
    ).toEqual({ cells: ["Order", "Total"], firstColumn: 3 })
    expect(headerCells("Orders!B3:F", { range: "Orders!B3:F3", row: ["Order"] })).toEqual({
      cells: ["Order"],
      firstColumn: 2
    })
  })
})
