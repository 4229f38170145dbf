/**
 * The sandbox fake of Google Sheets API v4 on 127.0.0.1: spreadsheets in memory, read and
 * written through the `values` methods in A1 notation, with Sheets' value input and
 * render options, table detection on append, grid limits, the 50,000 characters a cell
 * holds, `fields` masks, and Sheets' error bodies. It answers for
 * `https://sheets.googleapis.com` in `--sandbox` runs and starts with an "Orders"
 * spreadsheet a flow can try things on.
 *
 * What it does not do: formulas are stored and shown as written (never calculated), and
 * number formats are not applied (a formatted number is its plain decimal text).
 *
 * @module
 */
import type { Scope } from "effect"
import { Effect } from "effect"
import { applyFieldMask, parseFieldMask } from "../google/fakeFields.js"
import type {
  FakeReply,
  FakeRoute,
  GoogleFakeOptions,
  GoogleFakeServer
} from "../google/fakeServer.js"
import { GoogleFault, startGoogleFakeServer } from "../google/fakeServer.js"
import type { A1Range } from "./a1.js"
import { formatA1, parseA1 } from "./a1.js"

/** The origin the sandbox routes to this fake. */
export const sheetsOrigin = "https://sheets.googleapis.com"

/** Id of the sandbox's "Orders" spreadsheet. */
export const sandboxOrdersSpreadsheetId = "1SandboxOrdersSpreadsheet0000000000000000000"

/** A value in a cell, as Sheets keeps it. */
export type FakeCellValue = string | number | boolean

/** A running Sheets fake, with a look inside for tests. */
export interface SheetsFake extends GoogleFakeServer {
  /** The cells of a sheet as stored (formulas as written), trailing blanks trimmed. */
  readonly cells: (
    spreadsheetId: string,
    sheet: string
  ) => ReadonlyArray<ReadonlyArray<FakeCellValue | null>>
  /** Adds a spreadsheet with these sheets and rows (first sheet gets id 0). */
  readonly seed: (
    spreadsheetId: string,
    title: string,
    sheets: Readonly<Record<string, ReadonlyArray<ReadonlyArray<FakeCellValue>>>>
  ) => void
}

/** Options of the Sheets fake. */
export interface SheetsFakeOptions extends GoogleFakeOptions {
  /** Start with the sandbox's "Orders" spreadsheet; default true. */
  readonly seedOrders?: boolean | undefined
}

/** Starts the fake on 127.0.0.1 with a free port. */
export const startSheets = async (options: SheetsFakeOptions = {}): Promise<SheetsFake> => {
  const store = new Store()
  if (options.seedOrders !== false) seedOrders(store)
  const server = await startGoogleFakeServer("sheets.googleapis.com", routes(store), options)
  return {
    ...server,
    cells: (spreadsheetId, sheet) => {
      const found = store.spreadsheets.get(spreadsheetId)?.sheets.find((s) => s.title === sheet)
      if (found === undefined) return []
      return trimRows(
        Array.from(found.rows, (row) =>
          Array.from(row ?? [], (c) => c?.formula ?? c?.value ?? null)
        )
      )
    },
    seed: (spreadsheetId, title, sheets) => store.seed(spreadsheetId, title, sheets)
  }
}

/** Starts the fake for the scope of a sandbox run or a test. */
export const startSheetsFake: Effect.Effect<{ readonly url: string }, never, Scope.Scope> =
  Effect.acquireRelease(
    Effect.promise(() => startSheets()),
    (fake) => Effect.promise(fake.close)
  ).pipe(Effect.map((fake) => ({ url: fake.url })))

// ---------------------------------------------------------------------------------------
// State

interface Cell {
  readonly value: FakeCellValue
  readonly formula?: string | undefined
}

interface Sheet {
  sheetId: number
  title: string
  index: number
  rowCount: number
  columnCount: number
  /** Rows of cells, 0-based; missing rows and cells are blank. */
  rows: Array<Array<Cell | undefined>>
}

interface Spreadsheet {
  readonly spreadsheetId: string
  title: string
  locale: string
  timeZone: string
  sheets: Array<Sheet>
}

class Store {
  readonly spreadsheets = new Map<string, Spreadsheet>()
  private created = 0
  private nextSheetId = 1_000_001

  newSpreadsheetId(): string {
    this.created++
    return `1FakeSpreadsheet${String(this.created).padStart(28, "0")}`
  }

  newSheetId(): number {
    return this.nextSheetId++
  }

  seed(
    spreadsheetId: string,
    title: string,
    sheets: Readonly<Record<string, ReadonlyArray<ReadonlyArray<FakeCellValue>>>>
  ): void {
    const made: Array<Sheet> = Object.entries(sheets).map(([sheetTitle, rows], index) => ({
      sheetId: index === 0 ? 0 : this.newSheetId(),
      title: sheetTitle,
      index,
      rowCount: Math.max(1000, rows.length),
      columnCount: 26,
      rows: rows.map((row) => row.map((value) => ({ value })))
    }))
    this.spreadsheets.set(spreadsheetId, {
      spreadsheetId,
      title,
      locale: "en_US",
      timeZone: "Etc/GMT",
      sheets: made
    })
  }
}

const seedOrders = (store: Store) =>
  store.seed(sandboxOrdersSpreadsheetId, "Orders", {
    Orders: [
      ["Order", "Customer", "Email", "Amount", "Paid"],
      ["A-1001", "Ada Lovelace", "ada@example.com", 120, "yes"],
      ["A-1002", "Grace Hopper", "grace@example.com", 75.5, "no"],
      ["A-1003", "Alan Turing", "alan@example.com", 240, "yes"],
      ["A-1004", "Hedy Lamarr", "hedy@example.com", 32.25, "no"],
      ["A-1005", "Katherine Johnson", "katherine@example.com", 410, "no"],
      ["A-1006", "Tim Berners-Lee", "tim@example.com", 99, "yes"]
    ],
    Unpaid: [["Order", "Customer", "Email", "Amount", "Paid"]]
  })

// ---------------------------------------------------------------------------------------
// Routes

const write = [
  "https://www.googleapis.com/auth/drive",
  "https://www.googleapis.com/auth/drive.file",
  "https://www.googleapis.com/auth/spreadsheets"
]
const read = [
  ...write,
  "https://www.googleapis.com/auth/drive.readonly",
  "https://www.googleapis.com/auth/spreadsheets.readonly"
]

const base = "/v4/spreadsheets"

const routes = (store: Store): ReadonlyArray<FakeRoute> => [
  {
    method: "POST",
    path: base,
    scopes: write,
    handle: async (req) => create(store, await req.json())
  },
  {
    method: "GET",
    path: `${base}/{spreadsheetId}/values:batchGet`,
    scopes: read,
    handle: (req) => {
      const book = find(store, req.params.spreadsheetId!)
      const ranges = req.query.getAll("ranges")
      return ok({
        spreadsheetId: book.spreadsheetId,
        valueRanges: ranges.map((range) => readRange(book, range, req.query))
      })
    }
  },
  {
    method: "GET",
    path: `${base}/{spreadsheetId}/values/{range}`,
    scopes: read,
    handle: (req) =>
      ok(readRange(find(store, req.params.spreadsheetId!), req.params.range!, req.query))
  },
  {
    method: "POST",
    path: `${base}/{spreadsheetId}/values/{range}:append`,
    scopes: write,
    handle: async (req) =>
      append(find(store, req.params.spreadsheetId!), req.params.range!, req.query, await req.json())
  },
  {
    method: "PUT",
    path: `${base}/{spreadsheetId}/values/{range}`,
    scopes: write,
    handle: async (req) =>
      update(find(store, req.params.spreadsheetId!), req.params.range!, req.query, await req.json())
  },
  {
    method: "POST",
    path: `${base}/{spreadsheetId}/values/{range}:clear`,
    scopes: write,
    handle: async (req) => {
      await req.body()
      return clear(find(store, req.params.spreadsheetId!), req.params.range!)
    }
  },
  {
    method: "POST",
    path: `${base}/{spreadsheetId}:batchUpdate`,
    scopes: write,
    handle: async (req) =>
      batchUpdate(store, find(store, req.params.spreadsheetId!), await req.json())
  },
  {
    method: "GET",
    path: `${base}/{spreadsheetId}`,
    scopes: read,
    handle: (req) =>
      ok(masked(describe(find(store, req.params.spreadsheetId!)), req.query.get("fields")))
  }
]

const ok = (json: unknown): FakeReply => ({ status: 200, json })

const fault = (status: number, message: string) =>
  new GoogleFault(status, status === 404 ? "notFound" : "badRequest", message, { bare: true })

const find = (store: Store, id: string): Spreadsheet => {
  const found = store.spreadsheets.get(id)
  if (found === undefined) throw fault(404, "Requested entity was not found.")
  return found
}

const masked = (value: unknown, fields: string | null) => {
  if (fields === null) return value
  const mask = parseFieldMask(fields)
  if (mask === undefined) throw fault(400, `Invalid field selection ${fields}`)
  return applyFieldMask(value, mask)
}

const describe = (book: Spreadsheet) => ({
  spreadsheetId: book.spreadsheetId,
  properties: {
    title: book.title,
    locale: book.locale,
    autoRecalc: "ON_CHANGE",
    timeZone: book.timeZone
  },
  sheets: book.sheets.map((sheet) => ({ properties: sheetProperties(sheet) })),
  spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${book.spreadsheetId}/edit`
})

const sheetProperties = (sheet: Sheet) => ({
  sheetId: sheet.sheetId,
  title: sheet.title,
  index: sheet.index,
  sheetType: "GRID",
  gridProperties: { rowCount: sheet.rowCount, columnCount: sheet.columnCount }
})

// ---------------------------------------------------------------------------------------
// Ranges

/** A range resolved against a sheet: 0-based, inclusive bounds, clamped to the grid. */
interface Area {
  readonly sheet: Sheet
  readonly top: number
  readonly left: number
  readonly bottom: number
  readonly right: number
}

const resolve = (book: Spreadsheet, text: string): Area => {
  const range = parseA1(text)
  if (range === undefined) throw fault(400, `Unable to parse range: ${text}`)
  const sheet =
    range.sheet === undefined ? book.sheets[0] : book.sheets.find((s) => s.title === range.sheet)
  if (sheet === undefined) throw fault(400, `Unable to parse range: ${text}`)
  const area = {
    sheet,
    top: (range.startRow ?? 1) - 1,
    left: (range.startColumn ?? 1) - 1,
    bottom: (range.endRow ?? sheet.rowCount) - 1,
    right: (range.endColumn ?? sheet.columnCount) - 1
  }
  if (area.top > area.bottom || area.left > area.right) {
    return { ...area, top: area.bottom, bottom: area.top, left: area.right, right: area.left }
  }
  return area
}

const outsideGrid = (area: Area) =>
  area.bottom >= area.sheet.rowCount || area.right >= area.sheet.columnCount

const gridError = (area: Area) =>
  fault(
    400,
    `Range (${formatArea(area)}) exceeds grid limits. Max rows: ${area.sheet.rowCount}, max columns: ${area.sheet.columnCount}`
  )

const formatArea = (area: Area): string =>
  formatA1({
    sheet: area.sheet.title,
    startColumn: area.left + 1,
    startRow: area.top + 1,
    endColumn: area.right + 1,
    endRow: area.bottom + 1
  } satisfies A1Range)

const readRange = (book: Spreadsheet, text: string, query: URLSearchParams) => {
  const requested = resolve(book, text)
  const area = {
    ...requested,
    bottom: Math.min(requested.bottom, requested.sheet.rowCount - 1),
    right: Math.min(requested.right, requested.sheet.columnCount - 1)
  }
  const render = query.get("valueRenderOption") ?? "FORMATTED_VALUE"
  const dimension = query.get("majorDimension") ?? "ROWS"
  const rows: Array<Array<unknown>> = []
  for (let r = area.top; r <= area.bottom; r++) {
    const row: Array<unknown> = []
    for (let c = area.left; c <= area.right; c++)
      row.push(rendered(area.sheet.rows[r]?.[c], render))
    rows.push(row)
  }
  const trimmed = trimRows(dimension === "COLUMNS" ? transpose(rows) : rows)
  return {
    range: formatArea(area),
    majorDimension: dimension,
    ...(trimmed.length === 0 ? {} : { values: trimmed })
  }
}

const rendered = (cell: Cell | undefined, render: string): unknown => {
  if (cell === undefined) return ""
  if (render === "FORMULA") return cell.formula ?? cell.value
  if (render === "UNFORMATTED_VALUE") return cell.value
  if (typeof cell.value === "boolean") return cell.value ? "TRUE" : "FALSE"
  return String(cell.value)
}

/** Drops blank cells at the end of each row and blank rows at the end. */
const trimRows = <A>(rows: ReadonlyArray<ReadonlyArray<A>>): Array<Array<A>> => {
  const out = rows.map((row) => {
    let end = row.length
    while (end > 0 && (row[end - 1] === "" || row[end - 1] === null || row[end - 1] === undefined))
      end--
    return row.slice(0, end)
  })
  while (out.length > 0 && out[out.length - 1]!.length === 0) out.pop()
  return out
}

const transpose = (rows: ReadonlyArray<ReadonlyArray<unknown>>): Array<Array<unknown>> => {
  const width = Math.max(0, ...rows.map((row) => row.length))
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c] ?? ""))
}

// ---------------------------------------------------------------------------------------
// Writing values

const inputOption = (query: URLSearchParams) => {
  const option = query.get("valueInputOption")
  if (option !== "RAW" && option !== "USER_ENTERED") {
    throw fault(400, "'valueInputOption' is required but not specified")
  }
  return option
}

/** Most characters Sheets keeps in one cell; a longer value is refused with 400. */
const cellCharacterLimit = 50_000

/** What a value sent in a request becomes in a cell; `null` skips, `""` clears. */
const toCell = (value: unknown, option: "RAW" | "USER_ENTERED"): Cell | null | undefined => {
  if (value === null) return null
  if (value === "") return undefined
  if (typeof value === "number" || typeof value === "boolean") return { value }
  const text = typeof value === "string" ? value : JSON.stringify(value)
  if (option === "RAW") return { value: text }
  if (text.startsWith("=")) return { value: text, formula: text }
  if (text.startsWith("'")) return { value: text.slice(1) }
  if (/^-?\d+(?:\.\d+)?$/.test(text.trim())) return { value: Number(text) }
  if (/^(true|false)$/i.test(text.trim())) return { value: text.trim().toLowerCase() === "true" }
  return { value: text }
}

const valuesOf = (
  body: unknown
): { values: ReadonlyArray<ReadonlyArray<unknown>>; dimension: string } => {
  const valueRange = (body ?? {}) as { values?: unknown; majorDimension?: string }
  const values = valueRange.values ?? []
  if (!Array.isArray(values) || !values.every(Array.isArray)) {
    throw fault(400, "Invalid values: each row must be a list of values")
  }
  for (const row of values as Array<Array<unknown>>) {
    for (const value of row) {
      if (typeof value === "string" && value.length > cellCharacterLimit) {
        throw fault(
          400,
          `Your input contains more than the maximum of ${cellCharacterLimit} characters in a single cell.`
        )
      }
    }
  }
  return { values: values as Array<Array<unknown>>, dimension: valueRange.majorDimension ?? "ROWS" }
}

/** Writes rows of values at a top-left corner; returns the area written. */
const writeAt = (
  sheet: Sheet,
  top: number,
  left: number,
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  option: "RAW" | "USER_ENTERED"
) => {
  let cells = 0
  let width = 0
  rows.forEach((row, r) => {
    width = Math.max(width, row.length)
    const target = sheet.rows[top + r] ?? []
    sheet.rows[top + r] = target
    row.forEach((value, c) => {
      const cell = toCell(value, option)
      if (cell === null) return
      target[left + c] = cell
      cells++
    })
  })
  return { rows: rows.length, columns: width, cells }
}

const update = (
  book: Spreadsheet,
  text: string,
  query: URLSearchParams,
  body: unknown
): FakeReply => {
  const option = inputOption(query)
  const area = resolve(book, text)
  const sent = valuesOf(body)
  const rows =
    sent.dimension === "COLUMNS" ? transpose(sent.values) : sent.values.map((row) => [...row])
  const width = Math.max(0, ...rows.map((row) => row.length))
  const written = {
    ...area,
    bottom: area.top + Math.max(rows.length, 1) - 1,
    right: area.left + Math.max(width, 1) - 1
  }
  const explicit = parseA1(text)
  const corner = !text.slice(text.lastIndexOf("!") + 1).includes(":")
  const bounded = (end: number | undefined, written: number, limit: number) =>
    !corner && end !== undefined && written > limit
  if (
    bounded(explicit?.endRow, written.bottom, area.bottom) ||
    bounded(explicit?.endColumn, written.right, area.right)
  ) {
    throw fault(
      400,
      `Requested writing within range [${text}], but tried writing to ${formatArea(written)}`
    )
  }
  if (outsideGrid(written)) throw gridError(written)
  const counts = writeAt(area.sheet, area.top, area.left, rows, option)
  return ok({
    spreadsheetId: book.spreadsheetId,
    updatedRange: formatArea(written),
    updatedRows: counts.rows,
    updatedColumns: counts.columns,
    updatedCells: counts.cells
  })
}

const append = (
  book: Spreadsheet,
  text: string,
  query: URLSearchParams,
  body: unknown
): FakeReply => {
  const option = inputOption(query)
  const insert = query.get("insertDataOption") === "INSERT_ROWS"
  const area = resolve(book, text)
  const sent = valuesOf(body)
  const rows =
    sent.dimension === "COLUMNS" ? transpose(sent.values) : sent.values.map((row) => [...row])
  const sheet = area.sheet

  let last = -1
  for (let r = area.top; r < sheet.rows.length; r++) {
    const row = sheet.rows[r] ?? []
    for (let c = area.left; c <= Math.min(area.right, row.length - 1); c++) {
      if (row[c] !== undefined) last = r
    }
  }
  const top = last === -1 ? area.top : last + 1
  if (insert) sheet.rows.splice(top, 0, ...rows.map(() => [] as Array<Cell | undefined>))
  const width = Math.max(1, ...rows.map((row) => row.length))
  sheet.rowCount = Math.max(sheet.rowCount + (insert ? rows.length : 0), top + rows.length)
  sheet.columnCount = Math.max(sheet.columnCount, area.left + width)
  const counts = writeAt(sheet, top, area.left, rows, option)

  const written = {
    sheet,
    top,
    left: area.left,
    bottom: top + Math.max(rows.length, 1) - 1,
    right: area.left + width - 1
  }
  const table =
    last === -1
      ? undefined
      : {
          sheet,
          top: area.top,
          left: area.left,
          bottom: last,
          right: Math.max(written.right, area.left)
        }
  return ok({
    spreadsheetId: book.spreadsheetId,
    ...(table === undefined ? {} : { tableRange: formatArea(table) }),
    updates: {
      spreadsheetId: book.spreadsheetId,
      updatedRange: formatArea(written),
      updatedRows: counts.rows,
      updatedColumns: counts.columns,
      updatedCells: counts.cells
    }
  })
}

const clear = (book: Spreadsheet, text: string): FakeReply => {
  const requested = resolve(book, text)
  const area = {
    ...requested,
    bottom: Math.min(requested.bottom, requested.sheet.rowCount - 1),
    right: Math.min(requested.right, requested.sheet.columnCount - 1)
  }
  for (let r = area.top; r <= area.bottom; r++) {
    const row = area.sheet.rows[r]
    if (row === undefined) continue
    for (let c = area.left; c <= area.right; c++) row[c] = undefined
  }
  return ok({ spreadsheetId: book.spreadsheetId, clearedRange: formatArea(area) })
}

// ---------------------------------------------------------------------------------------
// Spreadsheets

interface SheetPropertiesInput {
  readonly sheetId?: number
  readonly title?: string
  readonly index?: number
  readonly gridProperties?: { readonly rowCount?: number; readonly columnCount?: number }
}

const create = (store: Store, body: unknown): FakeReply => {
  const input = (body ?? {}) as {
    properties?: { title?: string; locale?: string; timeZone?: string }
    sheets?: ReadonlyArray<{ properties?: SheetPropertiesInput }>
  }
  const book: Spreadsheet = {
    spreadsheetId: store.newSpreadsheetId(),
    title: input.properties?.title ?? "Untitled spreadsheet",
    locale: input.properties?.locale ?? "en_US",
    timeZone: input.properties?.timeZone ?? "Etc/GMT",
    sheets: []
  }
  const wanted = input.sheets?.length ? input.sheets : [{ properties: { title: "Sheet1" } }]
  for (const sheet of wanted) addSheet(store, book, sheet.properties ?? {})
  book.sheets[0]!.sheetId = input.sheets?.[0]?.properties?.sheetId ?? 0
  store.spreadsheets.set(book.spreadsheetId, book)
  return ok(describe(book))
}

const addSheet = (store: Store, book: Spreadsheet, properties: SheetPropertiesInput): Sheet => {
  const title = properties.title ?? `Sheet${book.sheets.length + 1}`
  if (book.sheets.some((sheet) => sheet.title === title)) {
    throw fault(
      400,
      `Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`
    )
  }
  const index = Math.min(properties.index ?? book.sheets.length, book.sheets.length)
  const sheet: Sheet = {
    sheetId: properties.sheetId ?? store.newSheetId(),
    title,
    index,
    rowCount: properties.gridProperties?.rowCount ?? 1000,
    columnCount: properties.gridProperties?.columnCount ?? 26,
    rows: []
  }
  book.sheets.splice(index, 0, sheet)
  book.sheets.forEach((s, i) => {
    s.index = i
  })
  return sheet
}

const batchUpdate = (store: Store, book: Spreadsheet, body: unknown): FakeReply => {
  const requests =
    ((body ?? {}) as { requests?: ReadonlyArray<Record<string, unknown>> }).requests ?? []
  const replies = requests.map((request, i) => {
    const [kind, ...more] = Object.keys(request)
    if (kind === undefined || more.length > 0) {
      throw fault(400, `Invalid requests[${i}]: exactly one kind of request must be set`)
    }
    switch (kind) {
      case "addSheet": {
        const properties =
          (request.addSheet as { properties?: SheetPropertiesInput }).properties ?? {}
        return { addSheet: { properties: sheetProperties(addSheet(store, book, properties)) } }
      }
      case "deleteDimension":
        deleteDimension(book, request.deleteDimension as DeleteDimension, i)
        return {}
      default:
        throw fault(400, `Invalid requests[${i}]: the sandbox fake does not support ${kind}`)
    }
  })
  return ok({ spreadsheetId: book.spreadsheetId, replies })
}

interface DeleteDimension {
  readonly range?: {
    readonly sheetId?: number
    readonly dimension?: string
    readonly startIndex?: number
    readonly endIndex?: number
  }
}

const deleteDimension = (book: Spreadsheet, request: DeleteDimension, i: number) => {
  const range = request.range ?? {}
  const sheet = book.sheets.find((s) => s.sheetId === (range.sheetId ?? 0))
  if (sheet === undefined)
    throw fault(400, `Invalid requests[${i}].deleteDimension: No grid with id: ${range.sheetId}`)
  const start = range.startIndex ?? 0
  const end = range.endIndex ?? (range.dimension === "COLUMNS" ? sheet.columnCount : sheet.rowCount)
  const size = range.dimension === "COLUMNS" ? sheet.columnCount : sheet.rowCount
  if (start < 0 || end > size || start >= end) {
    throw fault(
      400,
      `Invalid requests[${i}].deleteDimension: range [${start}, ${end}) is outside the sheet`
    )
  }
  if (range.dimension === "COLUMNS") {
    for (const row of sheet.rows) row?.splice(start, end - start)
    sheet.columnCount -= end - start
  } else {
    sheet.rows.splice(start, end - start)
    sheet.rowCount -= end - start
  }
}
