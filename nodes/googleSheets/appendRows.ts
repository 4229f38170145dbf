/**
 * Node `googleSheets.appendRows`: appends rows after the table in a sheet.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { InputError } from "../../src/http/errors.js"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { formatA1 } from "./a1.js"
import {
  Range,
  RowCount,
  RowsInput,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs,
  UpdatedRange,
  ValueInputOption
} from "./fields.js"
import type { CellValue, ValueInputOption as InputOption, SheetsApi } from "./service.js"
import { GoogleSheets } from "./service.js"
import type { RowObject } from "./table.js"
import {
  firstRowOf,
  headerCells,
  headerNames,
  headerRowOf,
  keysInOrder,
  sheetOf,
  toRows
} from "./table.js"

/** Input of `googleSheets.appendRows`. */
export const AppendRowsInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  range: Range.annotations({
    description:
      "The sheet (`Unpaid`), the table's range (`Unpaid!A1:E`) or its first cell (`Unpaid!A1`); its first row is the header that objects are matched to (from a first cell, the whole row from that column on). Rows go after the table's last row."
  }),
  rows: RowsInput,
  valueInputOption: Schema.optionalWith(ValueInputOption, {
    default: () => "USER_ENTERED" as const
  }),
  insertDataOption: Schema.optionalWith(
    Schema.Literal("INSERT_ROWS", "OVERWRITE").annotations({
      title: "Make room by",
      description:
        "INSERT_ROWS: insert new rows for the data, so anything below the table moves down; OVERWRITE: write into the blank rows after the table.",
      default: "INSERT_ROWS"
    }),
    { default: () => "INSERT_ROWS" as const }
  ),
  unknownColumns: Schema.optionalWith(
    Schema.Literal("error", "ignore", "add").annotations({
      title: "Keys not in the header",
      description:
        "What to do with object keys the header row does not have: error (append nothing), ignore them, or add them as new columns at the end of the header.",
      default: "error"
    }),
    { default: () => "error" as const }
  )
}).annotations({ title: "Append rows", description: "Where to append, and what." })

/** Output of `googleSheets.appendRows`. */
export const AppendRowsOutput = Schema.Struct({
  updatedRange: UpdatedRange,
  updatedRows: RowCount,
  tableRange: Schema.optional(
    Schema.String.annotations({
      title: "Table",
      description: "The table the rows were appended to, before the append.",
      examples: ["Unpaid!A1:E3"]
    })
  ),
  header: Schema.optional(
    Schema.Array(Schema.String).annotations({
      title: "Header",
      description: "The header row objects were matched to (after any columns were added)."
    })
  )
}).annotations({ title: "Appended" })

/**
 * Appends rows after the last row of the table in a range. Objects are matched to the
 * header row by column name, in any key order; a key an object lacks leaves its cell
 * blank. On a sheet with no header yet, the objects' keys become the header. Fails with
 * `InputError` when an object has a key the header lacks and `unknownColumns` is
 * `error`, and as `googleSheets.readRange` does for the spreadsheet and range.
 */
export const appendRows = defineNode({
  type: "googleSheets.appendRows",
  version: 1,
  title: "Append rows",
  description:
    "Adds rows after the last row of a sheet's table; objects are matched to the header row by column name.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/append"),
  scopes: [googleScopes.sheets],
  input: AppendRowsInput,
  output: AppendRowsOutput,
  run: (input) =>
    Effect.gen(function* () {
      const sheets = yield* GoogleSheets
      const options = {
        valueInputOption: input.valueInputOption,
        insertDataOption: input.insertDataOption
      }
      if (input.rows.length === 0 || Array.isArray(input.rows[0])) {
        const rows = input.rows as ReadonlyArray<ReadonlyArray<CellValue>>
        const appended = yield* sheets.appendValues(input.spreadsheetId, input.range, rows, options)
        return outputOf(appended, rows.length, undefined)
      }
      const objects = input.rows as ReadonlyArray<RowObject>
      const header = yield* headerFor(
        sheets,
        input.spreadsheetId,
        input.range,
        objects,
        input.unknownColumns,
        input.valueInputOption
      )
      const { rows } = toRows(header.names, objects)
      const sent = header.write ? [header.names, ...rows] : rows
      const appended = yield* sheets.appendValues(input.spreadsheetId, input.range, sent, options)
      return outputOf(appended, rows.length, header.names)
    })
})

const outputOf = (
  appended: Effect.Effect.Success<ReturnType<SheetsApi["appendValues"]>>,
  rows: number,
  header: ReadonlyArray<string> | undefined
) => ({
  updatedRange: appended.updates?.updatedRange ?? "",
  updatedRows: rows,
  tableRange: appended.tableRange,
  header
})

/**
 * The header the objects are written under: the sheet's header row, grown by the unknown
 * keys when asked; or, on a sheet with no header, the objects' keys (`write` is then true
 * and the header is appended before the rows).
 */
const headerFor = (
  sheets: SheetsApi,
  spreadsheetId: string,
  range: string,
  objects: ReadonlyArray<RowObject>,
  unknownColumns: "error" | "ignore" | "add",
  valueInputOption: InputOption
) =>
  Effect.gen(function* () {
    const read = yield* sheets.getValues(spreadsheetId, headerRowOf(range) ?? range)
    const header = headerCells(range, { range: read.range, row: read.values?.[0] ?? [] })
    const row = header.cells
    if (row.length === 0) return { names: keysInOrder(objects), write: true }

    const names = headerNames(row, header.firstColumn)
    const { unknown } = toRows(names, objects)
    if (unknown.length === 0 || unknownColumns === "ignore") return { names, write: false }
    if (unknownColumns === "error") {
      return yield* Effect.fail(
        new InputError({
          message: `The header row of ${read.range} has no column ${unknown.map((k) => `"${k}"`).join(", ")}; rename the keys, or set "Keys not in the header" to ignore or add.`,
          issues: unknown.map((key) => ({
            path: "rows",
            message: `"${key}" is not a column of the header row`
          }))
        })
      )
    }
    const column = header.firstColumn + names.length
    const target = formatA1({
      sheet: sheetOf(read.range),
      startColumn: column,
      startRow: firstRowOf(read.range),
      endColumn: column + unknown.length - 1,
      endRow: firstRowOf(read.range)
    })
    yield* sheets.updateValues(spreadsheetId, target, [unknown], { valueInputOption })
    return { names: [...names, ...unknown], write: false }
  })
