/**
 * Node `googleSheets.updateRange`: writes values into a range.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import {
  MajorDimension,
  Range,
  RowCount,
  Rows,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs,
  UpdatedRange,
  ValueInputOption
} from "./fields.js"
import { GoogleSheets } from "./service.js"

/** Input of `googleSheets.updateRange`. */
export const UpdateRangeInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  range: Range.annotations({
    description:
      "Where to write, in A1 notation. A single cell (`Orders!F2`) is the top-left corner; a full range (`Orders!F2:F10`) must be large enough for the values."
  }),
  values: Rows.annotations({
    title: "Values",
    description: 'Rows of values to write from the range\'s top-left corner; `""` empties a cell.'
  }),
  valueInputOption: Schema.optionalWith(ValueInputOption, {
    default: () => "USER_ENTERED" as const
  }),
  majorDimension: Schema.optionalWith(MajorDimension, { default: () => "ROWS" as const })
}).annotations({ title: "Update range", description: "Where to write, and what." })

/** Output of `googleSheets.updateRange`. */
export const UpdateRangeOutput = Schema.Struct({
  updatedRange: UpdatedRange,
  updatedRows: RowCount,
  updatedColumns: Schema.Number.annotations({
    title: "Columns",
    description: "How many columns were written."
  }),
  updatedCells: Schema.Number.annotations({
    title: "Cells",
    description: "How many cells were written."
  })
}).annotations({ title: "Updated" })

/**
 * Overwrites the cells of a range with the values given. Fails with `ValidationError`
 * when the values do not fit the range or go past the sheet's last row or column.
 */
export const updateRange = defineNode({
  type: "googleSheets.updateRange",
  version: 1,
  title: "Update range",
  description: "Writes rows of values into a range, overwriting what is there.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/update"),
  scopes: [googleScopes.sheets],
  input: UpdateRangeInput,
  output: UpdateRangeOutput,
  run: (input) =>
    Effect.flatMap(GoogleSheets, (sheets) =>
      sheets.updateValues(input.spreadsheetId, input.range, input.values, input)
    ).pipe(
      Effect.map((updated) => ({
        updatedRange: updated.updatedRange ?? input.range,
        updatedRows: updated.updatedRows ?? 0,
        updatedColumns: updated.updatedColumns ?? 0,
        updatedCells: updated.updatedCells ?? 0
      }))
    )
})
