/**
 * Node `googleSheets.clearRange`: clears the values of a range.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { Range, SpreadsheetId, sheetsCategory, sheetsCredentials, sheetsDocs } from "./fields.js"
import { GoogleSheets } from "./service.js"

/** Input of `googleSheets.clearRange`. */
export const ClearRangeInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  range: Range
}).annotations({ title: "Clear range", description: "Which cells to clear." })

/** Output of `googleSheets.clearRange`. */
export const ClearRangeOutput = Schema.Struct({
  clearedRange: Schema.String.annotations({
    title: "Cleared range",
    description: "The cells that were cleared, in A1 notation.",
    examples: ["Unpaid!A2:E1000"]
  })
}).annotations({ title: "Cleared" })

/**
 * Clears the values of a range; formatting, notes and validation rules stay. The rows
 * are not removed (use `googleSheets.deleteRows` for that).
 */
export const clearRange = defineNode({
  type: "googleSheets.clearRange",
  version: 1,
  title: "Clear range",
  description: "Empties the cells of a range, keeping their formatting; the rows themselves stay.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/clear"),
  scopes: [googleScopes.sheets],
  input: ClearRangeInput,
  output: ClearRangeOutput,
  run: (input) =>
    Effect.flatMap(GoogleSheets, (sheets) =>
      sheets.clearValues(input.spreadsheetId, input.range)
    ).pipe(Effect.map((cleared) => ({ clearedRange: cleared.clearedRange ?? input.range })))
})
