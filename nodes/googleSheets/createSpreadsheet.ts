/**
 * Node `googleSheets.createSpreadsheet`: creates a spreadsheet.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { googleScopes } from "../google/scopes.js"
import { SheetTitle, sheetsCategory, sheetsCredentials, sheetsDocs } from "./fields.js"
import { GoogleSheets } from "./service.js"

/** A sheet as the Sheets nodes return it. */
export const SheetInfo = Schema.Struct({
  sheetId: Schema.Number.annotations({
    title: "Sheet id",
    description: "The sheet's numeric id (`gid` in its link).",
    examples: [0]
  }),
  title: Schema.String.annotations({
    title: "Title",
    description: "The sheet's title.",
    examples: ["Orders"]
  }),
  index: Schema.Number.annotations({
    title: "Position",
    description: "The sheet's position, from 0."
  })
}).annotations({ title: "Sheet" })

/** Input of `googleSheets.createSpreadsheet`. */
export const CreateSpreadsheetInput = Schema.Struct({
  title: Schema.NonEmptyTrimmedString.annotations({
    title: "Title",
    description: "The new spreadsheet's title.",
    examples: ["Unpaid orders"]
  }),
  sheets: Schema.optional(
    Schema.Array(SheetTitle).annotations({
      title: "Sheets",
      description: "Titles of the sheets to create, in order; by default one sheet named Sheet1.",
      examples: [["Orders", "Summary"]]
    })
  ),
  locale: Schema.optional(
    Schema.String.annotations({
      title: "Locale",
      description: "Locale for number and date formats, for example `en_US` or `de_DE`.",
      examples: ["en_US"]
    })
  ),
  timeZone: Schema.optional(
    Schema.String.annotations({
      title: "Time zone",
      description: "Time zone of the spreadsheet, as in the tz database.",
      examples: ["Europe/Berlin"]
    })
  )
}).annotations({ title: "Create spreadsheet", description: "The new spreadsheet." })

/** Output of `googleSheets.createSpreadsheet`. */
export const CreateSpreadsheetOutput = Schema.Struct({
  spreadsheetId: Schema.String.annotations({
    title: "Spreadsheet id",
    description: "The new spreadsheet's id, for the other Sheets nodes."
  }),
  url: Schema.String.annotations({
    title: "Link",
    description: "The link that opens the spreadsheet."
  }),
  title: Schema.String.annotations({ title: "Title", description: "The spreadsheet's title." }),
  sheets: Schema.Array(SheetInfo).annotations({
    title: "Sheets",
    description: "The spreadsheet's sheets."
  })
}).annotations({ title: "Spreadsheet" })

/**
 * Creates a spreadsheet in the root of the credential's Drive. Fails with
 * `ValidationError` for two sheets with the same title.
 */
export const createSpreadsheet = defineNode({
  type: "googleSheets.createSpreadsheet",
  version: 1,
  title: "Create spreadsheet",
  description: "Creates a new spreadsheet with the sheets you name.",
  category: sheetsCategory,
  credentials: sheetsCredentials,
  docsUrl: sheetsDocs("spreadsheets/create"),
  scopes: [googleScopes.sheets],
  input: CreateSpreadsheetInput,
  output: CreateSpreadsheetOutput,
  run: (input) =>
    Effect.flatMap(GoogleSheets, (sheets) => sheets.createSpreadsheet(input)).pipe(
      Effect.map((created) => ({
        spreadsheetId: created.spreadsheetId,
        url:
          created.spreadsheetUrl ??
          `https://docs.google.com/spreadsheets/d/${created.spreadsheetId}/edit`,
        title: created.properties?.title ?? input.title,
        sheets: (created.sheets ?? []).map(({ properties }, i) => ({
          sheetId: properties.sheetId,
          title: properties.title,
          index: properties.index ?? i
        }))
      }))
    )
})
