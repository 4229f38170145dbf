/**
 * Node `googleSheets.readRange`: reads a range as rows, or as objects keyed by the header.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  DateTimeRenderOption,
  MajorDimension,
  Range,
  RowCount,
  RowObjects,
  Rows,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs,
  ValueRenderOption
} from "./fields.js"
import { GoogleSheets } from "./service.js"
import { firstColumnOf, headerNames, toObjects } from "./table.js"

/** Input of `googleSheets.readRange`. */
export const ReadRangeInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  range: Range,
  shape: Schema.optionalWith(
    Schema.Literal("objects", "rows").annotations({
      title: "Rows as",
      description:
        "objects: the range's first row names the columns and each later row becomes an object keyed by those names; rows: every row as a list of cells.",
      default: "objects"
    }),
    { default: () => "objects" as const }
  ),
  valueRenderOption: Schema.optionalWith(ValueRenderOption, {
    default: () => "FORMATTED_VALUE" as const
  }),
  dateTimeRenderOption: Schema.optional(DateTimeRenderOption),
  majorDimension: Schema.optionalWith(MajorDimension, { default: () => "ROWS" as const })
})
  .pipe(
    Schema.filter((input) =>
      input.shape === "objects" && input.majorDimension === "COLUMNS"
        ? {
            path: ["majorDimension"],
            message: "Objects are read by rows; choose ROWS, or rows as lists."
          }
        : undefined
    )
  )
  .annotations({ title: "Read range", description: "Which cells to read, and how." })

/** Output of `googleSheets.readRange`. */
export const ReadRangeOutput = Schema.Struct({
  range: Schema.String.annotations({
    title: "Range",
    description: "The range that was read, in A1 notation, as Sheets names it.",
    examples: ["Orders!A1:Z1000"]
  }),
  header: Schema.optional(
    Schema.Array(Schema.String).annotations({
      title: "Header",
      description: "The column names of the header row, when rows are objects.",
      examples: [["Order", "Customer", "Amount"]]
    })
  ),
  rows: Schema.Union(RowObjects, Rows),
  count: RowCount
}).annotations({ title: "Values read" })

/**
 * Reads the values of a range. As objects, the range's first row is the header; blank
 * header cells take the column's letter and repeated names get `_2`. Trailing blank rows
 * and cells are left out, as Sheets does. Fails with `NotFoundError` for an unknown
 * spreadsheet, `ValidationError` for a range Sheets cannot parse, and `PermissionError`
 * when the credential's account cannot open the spreadsheet.
 */
export const readRange = defineNode({
  type: "googleSheets.readRange",
  version: 1,
  title: "Read range",
  description:
    "Reads the cells of a range, as objects keyed by the header row or as rows of values.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/get"),
  scopes: [googleScopes.sheetsRead],
  input: ReadRangeInput,
  output: ReadRangeOutput,
  run: (input) =>
    Effect.gen(function* () {
      const sheets = yield* GoogleSheets
      const read = yield* sheets.getValues(input.spreadsheetId, input.range, input)
      const values = read.values ?? []
      if (input.shape === "rows") return { range: read.range, rows: values, count: values.length }

      const [first = [], ...rest] = values
      const header = headerNames(first, firstColumnOf(read.range))
      return { range: read.range, header, rows: toObjects(header, rest), count: rest.length }
    })
})
