/**
 * Node `googleSheets.batchRead`: reads several ranges of a spreadsheet in one call.
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
  Rows,
  SpreadsheetId,
  sheetsCategory,
  sheetsCredentials,
  sheetsDocs,
  ValueRenderOption
} from "./fields.js"
import { GoogleSheets } from "./service.js"

/** Input of `googleSheets.batchRead`. */
export const BatchReadInput = Schema.Struct({
  spreadsheetId: SpreadsheetId,
  ranges: Schema.NonEmptyArray(Range).annotations({
    title: "Ranges",
    description: "The ranges to read, in A1 notation; each is returned in the same order.",
    examples: [["Orders!A1:E", "Unpaid!A1:E"]]
  }),
  valueRenderOption: Schema.optionalWith(ValueRenderOption, {
    default: () => "FORMATTED_VALUE" as const
  }),
  dateTimeRenderOption: Schema.optional(DateTimeRenderOption),
  majorDimension: Schema.optionalWith(MajorDimension, { default: () => "ROWS" as const })
}).annotations({ title: "Read ranges", description: "Which ranges to read, and how." })

/** Output of `googleSheets.batchRead`. */
export const BatchReadOutput = Schema.Struct({
  ranges: Schema.Array(
    Schema.Struct({
      range: Schema.String.annotations({
        title: "Range",
        description: "The range read, as Sheets names it."
      }),
      rows: Rows
    })
  ).annotations({ title: "Ranges", description: "Each range read, in the order asked." })
}).annotations({ title: "Values read" })

/**
 * Reads several ranges with one request (one read against the per-minute quota). Fails
 * as `googleSheets.readRange` does; one bad range fails the whole step.
 */
export const batchRead = defineNode({
  type: "googleSheets.batchRead",
  version: 1,
  title: "Read several ranges",
  description: "Reads several ranges of one spreadsheet in a single call, each as rows of values.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets.values/batchGet"),
  scopes: [googleScopes.sheetsRead],
  input: BatchReadInput,
  output: BatchReadOutput,
  run: (input) =>
    Effect.flatMap(GoogleSheets, (sheets) =>
      sheets.batchGetValues(input.spreadsheetId, input.ranges, input)
    ).pipe(
      Effect.map((read) => ({
        ranges: read.map((valueRange) => ({
          range: valueRange.range,
          rows: valueRange.values ?? []
        }))
      }))
    )
})
