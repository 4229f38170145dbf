/**
 * Node `googleSheets.findRows`: finds the rows of a table where a column equals a value.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { InputError } from "../../src/http/errors.js"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { columnNumber } from "./a1.js"
import {
  Cell,
  Range,
  RowCount,
  RowObjects,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs,
  ValueRenderOption
} from "./fields.js"
import { GoogleSheets } from "./service.js"
import { cellText, firstColumnOf, firstRowOf, headerNames, toObjects } from "./table.js"

/** Input of `googleSheets.findRows`. */
export const FindRowsInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  range: Range.annotations({
    description:
      "The sheet (`Orders`) or the table's range (`Orders!A1:F`); its first row is the header."
  }),
  column: Schema.NonEmptyTrimmedString.annotations({
    title: "Column",
    description:
      "The column to look in: a name from the header row (`Paid`), or a column letter (`E`).",
    examples: ["Paid", "E"]
  }),
  value: Cell.annotations({
    title: "Value",
    description:
      "The value to look for. Cells and the value are compared as text, trimmed; `75.5` finds a cell showing 75.5.",
    examples: ["no"]
  }),
  caseSensitive: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Match case",
      description: "Whether `No` and `no` are different values.",
      default: false
    }),
    { default: () => false }
  ),
  returnAll: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Return all",
      description: "Return every matching row (up to the limit); otherwise only the first one.",
      default: true
    }),
    { default: () => true }
  ),
  limit: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Limit",
      description: "Most rows to return.",
      examples: [100]
    })
  ),
  valueRenderOption: Schema.optionalWith(ValueRenderOption, {
    default: () => "FORMATTED_VALUE" as const
  })
}).annotations({ title: "Find rows", description: "Where to look, and for what." })

/** Output of `googleSheets.findRows`. */
export const FindRowsOutput = Schema.Struct({
  rows: RowObjects.annotations({
    description: "The matching rows, as objects keyed by the header row."
  }),
  rowNumbers: Schema.Array(Schema.Number).annotations({
    title: "Row numbers",
    description:
      "The sheet row number of each match, as shown at the left of the sheet; pass them to Delete rows.",
    examples: [[3, 5]]
  }),
  count: RowCount
}).annotations({ title: "Rows found" })

/**
 * Reads a table and keeps the rows whose cell in `column` equals `value`. The table is
 * read whole in one request. Fails with `InputError` when the column is neither a header
 * name nor a column letter, and as `googleSheets.readRange` does otherwise.
 */
export const findRows = defineNode({
  type: "googleSheets.findRows",
  version: 1,
  title: "Find rows",
  description: "Finds the rows of a sheet where a column equals a value, with their row numbers.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/get"),
  scopes: [googleScopes.sheetsRead],
  input: FindRowsInput,
  output: FindRowsOutput,
  run: (input) =>
    Effect.gen(function* () {
      const sheets = yield* GoogleSheets
      const read = yield* sheets.getValues(input.spreadsheetId, input.range, {
        valueRenderOption: input.valueRenderOption
      })
      const [first = [], ...rest] = read.values ?? []
      const firstColumn = firstColumnOf(read.range)
      const header = headerNames(first, firstColumn)
      const index = columnIndex(header, input.column, firstColumn)
      if (index === undefined) {
        return yield* Effect.fail(
          new InputError({
            message: `The header row of ${read.range} has no column "${input.column}"; use a name from ${header.map((n) => `"${n}"`).join(", ")} or a column letter.`,
            issues: [
              {
                path: "column",
                message: "not a column name of the header row, nor a column letter"
              }
            ]
          })
        )
      }

      const wanted = cellText(input.value, input.caseSensitive)
      const most = input.returnAll ? (input.limit ?? Number.POSITIVE_INFINITY) : 1
      const rowNumbers: Array<number> = []
      const matches: Array<(typeof rest)[number]> = []
      const headerRow = firstRowOf(read.range)
      rest.forEach((row, i) => {
        if (matches.length < most && cellText(row[index], input.caseSensitive) === wanted) {
          matches.push(row)
          rowNumbers.push(headerRow + 1 + i)
        }
      })
      return { rows: toObjects(header, matches), rowNumbers, count: matches.length }
    })
})

/** The 0-based index in the table of a column named by header name or by letter. */
const columnIndex = (header: ReadonlyArray<string>, column: string, firstColumn: number) => {
  const byName = header.indexOf(column)
  if (byName !== -1) return byName
  const byLetter = columnNumber(column)
  return byLetter === undefined || byLetter < firstColumn ? undefined : byLetter - firstColumn
}
