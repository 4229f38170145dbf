/**
 * Node `googleSheets.deleteRows`: deletes rows of a sheet by row number.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { NotFoundError } from "../../src/http/errors.js"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  RowCount,
  SheetTitle,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs
} from "./fields.js"
import { GoogleSheets } from "./service.js"

/** Input of `googleSheets.deleteRows`. */
export const DeleteRowsInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  sheet: SheetTitle,
  rowNumbers: Schema.NonEmptyArray(Schema.Int.pipe(Schema.positive())).annotations({
    title: "Row numbers",
    description:
      "The rows to delete, by the numbers shown at the left of the sheet (as Find rows returns them); in any order.",
    examples: [[3, 5, 6]]
  })
}).annotations({ title: "Delete rows", description: "Which rows to delete." })

/** Output of `googleSheets.deleteRows`. */
export const DeleteRowsOutput = Schema.Struct({
  deletedRows: RowCount.annotations({
    title: "Deleted rows",
    description: "How many rows were deleted."
  })
}).annotations({ title: "Deleted" })

/**
 * Deletes whole rows, so the rows below move up. All rows go in one request, from the
 * bottom up, so the numbers given are the numbers before anything moved; neighbouring
 * rows are deleted as one block. Fails with `NotFoundError` when the spreadsheet has no
 * sheet with that title, and `ValidationError` for a row past the sheet's end.
 */
export const deleteRows = defineNode({
  type: "googleSheets.deleteRows",
  version: 1,
  title: "Delete rows",
  description: "Deletes rows of a sheet by their row numbers; the rows below move up.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets/request#deletedimensionrequest"),
  scopes: [googleScopes.sheets],
  input: DeleteRowsInput,
  output: DeleteRowsOutput,
  run: (input) =>
    Effect.gen(function* () {
      const sheets = yield* GoogleSheets
      const spreadsheet = yield* sheets.getSpreadsheet(input.spreadsheetId)
      const sheet = spreadsheet.sheets?.find((s) => s.properties.title === input.sheet)
      if (sheet === undefined) {
        const titles = (spreadsheet.sheets ?? []).map((s) => `"${s.properties.title}"`).join(", ")
        return yield* Effect.fail(
          new NotFoundError({
            integration: "googleSheets",
            message: `The spreadsheet has no sheet "${input.sheet}"; its sheets are ${titles}.`
          })
        )
      }
      const rows = [...new Set(input.rowNumbers)]
      const requests = blocksOf(rows).map(([first, last]) => ({
        deleteDimension: {
          range: {
            sheetId: sheet.properties.sheetId,
            dimension: "ROWS",
            startIndex: first - 1,
            endIndex: last
          }
        }
      }))
      yield* sheets.batchUpdate(input.spreadsheetId, requests)
      return { deletedRows: rows.length }
    })
})

/** Row numbers as blocks of neighbours `[first, last]`, the lowest block last. */
const blocksOf = (rows: ReadonlyArray<number>): ReadonlyArray<readonly [number, number]> => {
  const sorted = [...rows].sort((a, b) => b - a)
  const blocks: Array<[number, number]> = []
  for (const row of sorted) {
    const block = blocks[blocks.length - 1]
    if (block !== undefined && block[0] === row + 1) block[0] = row
    else blocks.push([row, row])
  }
  return blocks
}
