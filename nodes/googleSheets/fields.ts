/**
 * Fields shared by the Google Sheets nodes' input and output schemas, annotated once.
 *
 * @module
 */
import { Schema } from "effect"
import { googleCredentialTypes } from "../google/credentialTypes.js"
import { spreadsheetIdOf } from "./service.js"

/** Credential types every Sheets node accepts. */
export const sheetsCredentials = { types: googleCredentialTypes, required: true } as const

/** The palette group of the Sheets nodes. */
export const sheetsCategory = "Data"

/** Where Google documents a Sheets API method. */
export const sheetsDocs = (path: string) =>
  `https://developers.google.com/workspace/sheets/api/reference/rest/v4/${path}`

/** A spreadsheet, by id or link; decodes to the id. */
export const SpreadsheetId = Schema.transform(
  Schema.NonEmptyTrimmedString.annotations({
    title: "Spreadsheet",
    description:
      "The spreadsheet's id, or its link as copied from the browser (`https://docs.google.com/spreadsheets/d/<id>/edit`).",
    examples: ["1SandboxOrdersSpreadsheet0000000000000000000"]
  }),
  Schema.String,
  { strict: true, decode: spreadsheetIdOf, encode: (id) => id }
)

/** A range in A1 notation. */
export const Range = Schema.NonEmptyTrimmedString.annotations({
  title: "Range",
  description:
    "A sheet name (`Orders`), or a range in A1 notation (`Orders!A1:F`, `'Q1 sales'!B2:D20`). Quote sheet names that contain spaces.",
  examples: ["Orders", "Orders!A1:F100"]
})

/** A sheet (tab), by its title. */
export const SheetTitle = Schema.NonEmptyTrimmedString.annotations({
  title: "Sheet",
  description: "The title of the sheet (the tab at the bottom), exactly as shown.",
  examples: ["Orders"]
})

/** One cell's value. */
export const Cell = Schema.Union(Schema.String, Schema.Number, Schema.Boolean).annotations({
  title: "Cell",
  description: "A cell's value: text, a number or true/false."
})

/** Rows of cells. */
export const Rows = Schema.Array(Schema.Array(Cell)).annotations({
  title: "Rows",
  description: "Rows of cell values, each row a list from the first column of the range.",
  examples: [[["A-1007", "Ada Lovelace", 120]]]
})

/** Rows as objects keyed by the header row. */
export const RowObjects = Schema.Array(
  Schema.Record({ key: Schema.String, value: Cell })
).annotations({
  title: "Rows as objects",
  description: "Rows as objects whose keys are the column names of the header row.",
  examples: [[{ Order: "A-1007", Customer: "Ada Lovelace", Amount: 120 }]]
})

/** Rows given either as lists of cells or as objects keyed by column name. */
export const RowsInput = Schema.Union(RowObjects, Rows).annotations({
  title: "Rows",
  description:
    'The rows to write: objects keyed by the header row\'s column names (`{"Order": "A-1007", "Amount": 120}`), or lists of cell values in column order.',
  examples: [[{ Order: "A-1007", Customer: "Ada Lovelace", Amount: 120 }]]
})

/** How read values are rendered. */
export const ValueRenderOption = Schema.Literal(
  "FORMATTED_VALUE",
  "UNFORMATTED_VALUE",
  "FORMULA"
).annotations({
  title: "Values as",
  description:
    "FORMATTED_VALUE: as shown in the sheet (text, `$1.20`); UNFORMATTED_VALUE: numbers and true/false unformatted; FORMULA: formulas as written.",
  default: "FORMATTED_VALUE"
})

/** How dates are rendered when values are unformatted. */
export const DateTimeRenderOption = Schema.Literal("SERIAL_NUMBER", "FORMATTED_STRING").annotations(
  {
    title: "Dates as",
    description:
      "With unformatted values: SERIAL_NUMBER gives dates as day numbers since 1899-12-30, FORMATTED_STRING as shown in the sheet.",
    default: "SERIAL_NUMBER"
  }
)

/** Rows or columns first. */
export const MajorDimension = Schema.Literal("ROWS", "COLUMNS").annotations({
  title: "Read by",
  description: "ROWS gives a list per row; COLUMNS a list per column.",
  default: "ROWS"
})

/** How written values are interpreted. */
export const ValueInputOption = Schema.Literal("USER_ENTERED", "RAW").annotations({
  title: "Values are",
  description:
    "USER_ENTERED: read as if typed into the sheet (`=SUM(A1:A3)` is a formula, `12` a number, dates parsed); RAW: stored exactly as given.",
  default: "USER_ENTERED"
})

/** A1 range that was changed. */
export const UpdatedRange = Schema.String.annotations({
  title: "Updated range",
  description: "The cells that were written, in A1 notation.",
  examples: ["Unpaid!A2:E4"]
})

/** A count of rows. */
export const RowCount = Schema.Number.annotations({
  title: "Rows",
  description: "How many rows.",
  examples: [3]
})
