/**
 * The `googleSheets` integration's service: Google Sheets API v4 over the kernel.
 *
 * Ranges are in A1 notation and travel percent-encoded in the path; values go as JSON
 * `ValueRange`s. The client is made once per layer, with Google's error mapping and the
 * per-user read and write quotas.
 *
 * @module
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import type { HttpClient } from "../../src/http/kernel.js"
import { HttpKernel } from "../../src/http/kernel.js"
import type { HttpRequest, QueryValue } from "../../src/http/request.js"
import type { IntegrationContext } from "../../src/node/defineIntegration.js"
import { decodeFailure, defined, googleClientConfig } from "../google/client.js"
import { googleQuotas, sheetsRateLimits } from "../google/rateLimits.js"

/** The Sheets API's base URL. */
export const sheetsApiUrl = "https://sheets.googleapis.com/v4/spreadsheets"

/** A cell value as Sheets returns it: text, a number or a boolean. */
export type CellValue = string | number | boolean

/** How values are rendered when read. */
export type ValueRenderOption = "FORMATTED_VALUE" | "UNFORMATTED_VALUE" | "FORMULA"

/** How dates and times are rendered when values are not formatted. */
export type DateTimeRenderOption = "SERIAL_NUMBER" | "FORMATTED_STRING"

/** Whether the values are read row by row or column by column. */
export type MajorDimension = "ROWS" | "COLUMNS"

/** How written values are read: as typed by a person (formulas, numbers) or as is. */
export type ValueInputOption = "USER_ENTERED" | "RAW"

/** How values are read. */
export interface ReadOptions {
  readonly valueRenderOption?: ValueRenderOption | undefined
  readonly dateTimeRenderOption?: DateTimeRenderOption | undefined
  readonly majorDimension?: MajorDimension | undefined
}

/** A range and its values, as Sheets returns them (`ValueRange`). */
export const ValueRange = Schema.Struct({
  range: Schema.String,
  majorDimension: Schema.optional(Schema.Literal("ROWS", "COLUMNS")),
  values: Schema.optional(
    Schema.Array(Schema.Array(Schema.Union(Schema.String, Schema.Number, Schema.Boolean)))
  )
})
/** A range and its values. */
export type ValueRange = typeof ValueRange.Type

/** What a write changed (`UpdateValuesResponse`). */
export const UpdatedValues = Schema.Struct({
  spreadsheetId: Schema.String,
  updatedRange: Schema.optional(Schema.String),
  updatedRows: Schema.optional(Schema.Number),
  updatedColumns: Schema.optional(Schema.Number),
  updatedCells: Schema.optional(Schema.Number)
})
/** What a write changed. */
export type UpdatedValues = typeof UpdatedValues.Type

/** What an append changed, and the table it was appended to (`AppendValuesResponse`). */
export const AppendedValues = Schema.Struct({
  spreadsheetId: Schema.String,
  tableRange: Schema.optional(Schema.String),
  updates: Schema.optional(UpdatedValues)
})
/** What an append changed. */
export type AppendedValues = typeof AppendedValues.Type

/** One sheet (tab) of a spreadsheet. */
export const SheetProperties = Schema.Struct({
  sheetId: Schema.Number,
  title: Schema.String,
  index: Schema.optional(Schema.Number),
  gridProperties: Schema.optional(
    Schema.Struct({
      rowCount: Schema.optional(Schema.Number),
      columnCount: Schema.optional(Schema.Number)
    })
  )
})
/** One sheet (tab) of a spreadsheet. */
export type SheetProperties = typeof SheetProperties.Type

/** A spreadsheet's id, title, link and sheets. */
export const SpreadsheetSummary = Schema.Struct({
  spreadsheetId: Schema.String,
  spreadsheetUrl: Schema.optional(Schema.String),
  properties: Schema.optional(Schema.Struct({ title: Schema.optional(Schema.String) })),
  sheets: Schema.optional(Schema.Array(Schema.Struct({ properties: SheetProperties })))
})
/** A spreadsheet's id, title, link and sheets. */
export type SpreadsheetSummary = typeof SpreadsheetSummary.Type

/** A new spreadsheet. */
export interface NewSpreadsheet {
  readonly title: string
  readonly sheets?: ReadonlyArray<string> | undefined
  readonly locale?: string | undefined
  readonly timeZone?: string | undefined
}

/** A new sheet (tab) in a spreadsheet. */
export interface NewSheet {
  readonly title: string
  readonly index?: number | undefined
  readonly rowCount?: number | undefined
  readonly columnCount?: number | undefined
}

/** Google Sheets, as the Sheets nodes use it; every method fails with a typed error. */
export interface SheetsApi {
  /** Reads one range (`spreadsheets.values.get`). */
  readonly getValues: (
    spreadsheetId: string,
    range: string,
    options?: ReadOptions
  ) => Effect.Effect<ValueRange, KernelError>
  /** Reads several ranges in one call (`spreadsheets.values.batchGet`). */
  readonly batchGetValues: (
    spreadsheetId: string,
    ranges: ReadonlyArray<string>,
    options?: ReadOptions
  ) => Effect.Effect<ReadonlyArray<ValueRange>, KernelError>
  /**
   * Appends rows after the table found in a range (`spreadsheets.values.append`); a `null`
   * cell is left blank.
   */
  readonly appendValues: (
    spreadsheetId: string,
    range: string,
    rows: ReadonlyArray<ReadonlyArray<CellValue | null>>,
    options: {
      readonly valueInputOption: ValueInputOption
      readonly insertDataOption?: "INSERT_ROWS" | "OVERWRITE" | undefined
    }
  ) => Effect.Effect<AppendedValues, KernelError>
  /** Writes values into a range (`spreadsheets.values.update`). */
  readonly updateValues: (
    spreadsheetId: string,
    range: string,
    rows: ReadonlyArray<ReadonlyArray<CellValue | null>>,
    options: {
      readonly valueInputOption: ValueInputOption
      readonly majorDimension?: MajorDimension | undefined
    }
  ) => Effect.Effect<UpdatedValues, KernelError>
  /** Clears the values of a range, keeping formats (`spreadsheets.values.clear`). */
  readonly clearValues: (
    spreadsheetId: string,
    range: string
  ) => Effect.Effect<{ readonly clearedRange?: string | undefined }, KernelError>
  /** Reads a spreadsheet's title and sheets (`spreadsheets.get` with a field mask). */
  readonly getSpreadsheet: (spreadsheetId: string) => Effect.Effect<SpreadsheetSummary, KernelError>
  /** Applies structural changes (`spreadsheets.batchUpdate`); returns one reply each. */
  readonly batchUpdate: (
    spreadsheetId: string,
    requests: ReadonlyArray<Readonly<Record<string, unknown>>>
  ) => Effect.Effect<ReadonlyArray<Readonly<Record<string, unknown>>>, KernelError>
  /** Creates a spreadsheet (`spreadsheets.create`). */
  readonly createSpreadsheet: (
    spreadsheet: NewSpreadsheet
  ) => Effect.Effect<SpreadsheetSummary, KernelError>
  /** Adds a sheet (tab) to a spreadsheet (`batchUpdate` with `addSheet`). */
  readonly addSheet: (
    spreadsheetId: string,
    sheet: NewSheet
  ) => Effect.Effect<SheetProperties, KernelError>
}

/** The `googleSheets` integration's service, one per step credential. */
export class GoogleSheets extends Context.Tag("rpa/GoogleSheets")<GoogleSheets, SheetsApi>() {
  /** Builds the service for one step's credential; the client is made once per layer. */
  static readonly layer = (
    context: IntegrationContext
  ): Layer.Layer<GoogleSheets, never, HttpKernel> =>
    Layer.effect(
      GoogleSheets,
      Effect.gen(function* () {
        const kernel = yield* HttpKernel
        const quotas = yield* googleQuotas
        const config = googleClientConfig("googleSheets", context, (key) =>
          sheetsRateLimits(key, quotas)
        )
        return makeSheets(kernel.client(config))
      })
    )
}

/** Fields read of a spreadsheet: its title, link and each sheet's properties. */
const summaryFields = "spreadsheetId,spreadsheetUrl,properties.title,sheets.properties"

/** Google Sheets over one kernel client. */
export const makeSheets = (client: HttpClient): SheetsApi => {
  const call = <A, I>(request: HttpRequest, schema: Schema.Schema<A, I>) =>
    client.json(request, Schema.asSchema(schema))
  const book = (id: string) => `${sheetsApiUrl}/${encodeURIComponent(id)}`
  const values = (id: string, range: string) => `${book(id)}/values/${encodeURIComponent(range)}`
  const decode =
    <A, I>(schema: Schema.Schema<A, I>) =>
    (u: unknown) =>
      Effect.mapError(Schema.decodeUnknown(schema)(u), decodeFailure("googleSheets"))

  const batchUpdate: SheetsApi["batchUpdate"] = (spreadsheetId, requests) =>
    call(
      {
        method: "POST",
        url: `${book(spreadsheetId)}:batchUpdate`,
        body: { _tag: "Json", value: { requests } }
      },
      Schema.Struct({
        replies: Schema.optionalWith(
          Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
          {
            default: () => []
          }
        )
      })
    ).pipe(Effect.map((answer) => answer.replies))

  return {
    getValues: (spreadsheetId, range, options = {}) =>
      call(
        { method: "GET", url: values(spreadsheetId, range), query: readQuery(options) },
        ValueRange
      ),

    batchGetValues: (spreadsheetId, ranges, options = {}) =>
      call(
        {
          method: "GET",
          url: `${book(spreadsheetId)}/values:batchGet`,
          query: { ...readQuery(options), ranges: [...ranges] }
        },
        Schema.Struct({
          valueRanges: Schema.optionalWith(Schema.Array(ValueRange), { default: () => [] })
        })
      ).pipe(Effect.map((answer) => answer.valueRanges)),

    appendValues: (spreadsheetId, range, rows, options) =>
      call(
        {
          method: "POST",
          url: `${values(spreadsheetId, range)}:append`,
          query: defined({
            valueInputOption: options.valueInputOption,
            insertDataOption: options.insertDataOption
          }),
          body: { _tag: "Json", value: { range, majorDimension: "ROWS", values: rows } }
        },
        AppendedValues
      ),

    updateValues: (spreadsheetId, range, rows, options) =>
      call(
        {
          method: "PUT",
          url: values(spreadsheetId, range),
          query: { valueInputOption: options.valueInputOption },
          body: {
            _tag: "Json",
            value: { range, majorDimension: options.majorDimension ?? "ROWS", values: rows }
          }
        },
        UpdatedValues
      ),

    clearValues: (spreadsheetId, range) =>
      call(
        {
          method: "POST",
          url: `${values(spreadsheetId, range)}:clear`,
          body: { _tag: "Json", value: {} }
        },
        Schema.Struct({ clearedRange: Schema.optional(Schema.String) })
      ),

    getSpreadsheet: (spreadsheetId) =>
      call(
        { method: "GET", url: book(spreadsheetId), query: { fields: summaryFields } },
        SpreadsheetSummary
      ),

    batchUpdate,

    createSpreadsheet: (spreadsheet) =>
      call(
        {
          method: "POST",
          url: sheetsApiUrl,
          query: { fields: summaryFields },
          body: {
            _tag: "Json",
            value: {
              properties: defined({
                title: spreadsheet.title,
                locale: spreadsheet.locale,
                timeZone: spreadsheet.timeZone
              }),
              ...(spreadsheet.sheets === undefined || spreadsheet.sheets.length === 0
                ? {}
                : { sheets: spreadsheet.sheets.map((title) => ({ properties: { title } })) })
            }
          }
        },
        SpreadsheetSummary
      ),

    addSheet: (spreadsheetId, sheet) =>
      batchUpdate(spreadsheetId, [
        {
          addSheet: {
            properties: defined({
              title: sheet.title,
              index: sheet.index,
              gridProperties:
                sheet.rowCount === undefined && sheet.columnCount === undefined
                  ? undefined
                  : defined({ rowCount: sheet.rowCount, columnCount: sheet.columnCount })
            })
          }
        }
      ]).pipe(
        Effect.flatMap((replies) =>
          decode(Schema.Struct({ addSheet: Schema.Struct({ properties: SheetProperties }) }))(
            replies[0]
          )
        ),
        Effect.map((reply) => reply.addSheet.properties)
      )
  }
}

const readQuery = (options: ReadOptions): Record<string, QueryValue | undefined> => ({
  valueRenderOption: options.valueRenderOption,
  dateTimeRenderOption: options.dateTimeRenderOption,
  majorDimension: options.majorDimension
})

/**
 * The spreadsheet id in what a person pasted: the id itself, or the spreadsheet's link
 * (`https://docs.google.com/spreadsheets/d/<id>/edit#gid=0`).
 */
export const spreadsheetIdOf = (text: string): string =>
  /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? text.trim()
