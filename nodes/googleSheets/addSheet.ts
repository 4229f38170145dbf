/**
 * Node `googleSheets.addSheet`: adds a sheet (tab) to a spreadsheet.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { SheetInfo } from "./createSpreadsheet.js"
import {
  SheetTitle,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs
} from "./fields.js"
import { GoogleSheets } from "./service.js"

/** Input of `googleSheets.addSheet`. */
export const AddSheetInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  title: SheetTitle.annotations({
    description: "The new sheet's title; no other sheet may have it."
  }),
  index: Schema.optional(
    Schema.Int.pipe(Schema.nonNegative()).annotations({
      title: "Position",
      description: "Where to put the sheet, from 0 (first); by default after the last sheet."
    })
  ),
  rowCount: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Rows",
      description: "Number of rows; default 1000."
    })
  ),
  columnCount: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      title: "Columns",
      description: "Number of columns; default 26."
    })
  )
}).annotations({ title: "Add sheet", description: "The new sheet." })

/**
 * Adds an empty sheet. Fails with `ValidationError` when a sheet with the same title
 * exists, and `NotFoundError` for an unknown spreadsheet.
 */
export const addSheet = defineNode({
  type: "googleSheets.addSheet",
  version: 1,
  title: "Add sheet",
  description: "Adds a new, empty sheet (tab) to a spreadsheet.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets/request#addsheetrequest"),
  scopes: [googleScopes.sheets],
  input: AddSheetInput,
  output: SheetInfo,
  run: (input) =>
    Effect.flatMap(GoogleSheets, (sheets) => sheets.addSheet(input.spreadsheetId, input)).pipe(
      Effect.map((properties) => ({
        sheetId: properties.sheetId,
        title: properties.title,
        index: properties.index ?? 0
      }))
    )
})
