/**
 * Node `googleSheets.rowsToCsv`: writes rows to a CSV file in the run's workspace.
 *
 * @module
 */
import { createWriteStream } from "node:fs"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { stringify } from "csv-stringify"
import { Effect, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { defineNode } from "../../src/node/defineNode.js"
import { writeWorkspaceFile } from "../google/workspaceFile.js"
import { RowCount, RowsInput, sheetsCategory } from "./fields.js"
import type { CellValue } from "./service.js"
import type { RowObject } from "./table.js"
import { keysInOrder } from "./table.js"

/** Input of `googleSheets.rowsToCsv`. */
export const RowsToCsvInput = Schema.Struct({
  rows: RowsInput.annotations({
    description:
      "The rows to write: objects (as Read range or Find rows return them) or lists of cell values."
  }),
  columns: Schema.optional(
    Schema.Array(Schema.String).annotations({
      title: "Columns",
      description:
        "For objects: which keys to write, in this order; by default every key, in the order first seen.",
      examples: [["Order", "Customer", "Amount"]]
    })
  ),
  header: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Header row",
      description: "For objects: write the column names as the first line.",
      default: true
    }),
    { default: () => true }
  ),
  delimiter: Schema.optionalWith(
    Schema.String.pipe(Schema.length(1)).annotations({
      title: "Delimiter",
      description:
        "The character between values: `,`, `;` (as spreadsheets in many European locales expect) or a tab.",
      default: ","
    }),
    { default: () => "," }
  ),
  fileName: Schema.optionalWith(
    Schema.NonEmptyTrimmedString.annotations({
      title: "File name",
      description: "Name of the CSV file; made unique in the run's folder if taken.",
      default: "rows.csv",
      examples: ["unpaid-orders.csv"]
    }),
    { default: () => "rows.csv" }
  ),
  bom: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Byte order mark",
      description:
        "Start the file with a UTF-8 byte order mark, so Excel reads accents and other non-ASCII text correctly.",
      default: false
    }),
    { default: () => false }
  )
}).annotations({ title: "Rows to CSV", description: "The rows, and how to write them." })

/** Output of `googleSheets.rowsToCsv`. */
export const RowsToCsvOutput = Schema.Struct({
  file: FileRef,
  rows: RowCount.annotations({
    description: "How many rows were written, the header line not counted."
  })
}).annotations({ title: "CSV file" })

/**
 * Writes rows to a CSV file (RFC 4180: values with delimiters, quotes or line breaks are
 * quoted) and returns a reference to it for the next step, for example to upload it to
 * Drive or attach it to a mail. Needs no credential and sends nothing.
 */
export const rowsToCsv = defineNode({
  type: "googleSheets.rowsToCsv",
  version: 1,
  title: "Rows to CSV file",
  description:
    "Turns rows (objects or lists of values) into a CSV file that later steps can upload or attach.",
  category: sheetsCategory,
  credentials: { types: [], required: false },
  input: RowsToCsvInput,
  output: RowsToCsvOutput,
  run: (input) => {
    const objects = input.rows.length > 0 && !Array.isArray(input.rows[0])
    const columns = objects
      ? (input.columns ?? keysInOrder(input.rows as ReadonlyArray<RowObject>))
      : undefined
    const write = (path: string) =>
      pipeline(
        Readable.from(input.rows as ReadonlyArray<RowObject | ReadonlyArray<CellValue>>),
        stringify({
          columns: columns === undefined ? undefined : [...columns],
          header: objects && input.header,
          delimiter: input.delimiter,
          bom: input.bom,
          cast: { boolean: (value) => (value ? "TRUE" : "FALSE") }
        }),
        createWriteStream(path)
      )
    return writeWorkspaceFile("googleSheets", input.fileName, "text/csv", write).pipe(
      Effect.map((file) => ({ file, rows: input.rows.length }))
    )
  }
})
