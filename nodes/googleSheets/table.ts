/**
 * A sheet read as a table: the first row of a range names the columns, and each later
 * row becomes an object keyed by those names (and back, for writing).
 *
 * @module
 */
import { type A1Range, columnLetters, formatA1, parseA1 } from "./a1.js"
import type { CellValue } from "./service.js"

/** A row as an object keyed by column name. */
export type RowObject = Readonly<Record<string, CellValue>>

/**
 * Column names from a header row: each cell as text, trimmed; a blank header takes the
 * column's letter (`F`), and a repeated name gets `_2`, `_3` so no column is lost.
 */
export const headerNames = (
  row: ReadonlyArray<CellValue>,
  firstColumn = 1
): ReadonlyArray<string> => {
  const seen = new Map<string, number>()
  return row.map((cell, i) => {
    const text = String(cell).trim()
    const name = text === "" ? columnLetters(firstColumn + i) : text
    const count = (seen.get(name) ?? 0) + 1
    seen.set(name, count)
    return count === 1 ? name : `${name}_${count}`
  })
}

/** Rows as objects: every header name is a key; a missing trailing cell is `""`. */
export const toObjects = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<CellValue>>
): ReadonlyArray<RowObject> =>
  rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ""])))

/**
 * Objects as rows in header order. A key missing from an object leaves its cell
 * untouched (`null`); keys the header does not have are returned in `unknown`.
 */
export const toRows = (
  header: ReadonlyArray<string>,
  objects: ReadonlyArray<RowObject>
): {
  readonly rows: ReadonlyArray<ReadonlyArray<CellValue | null>>
  readonly unknown: ReadonlyArray<string>
} => {
  const known = new Set(header)
  const unknown = new Set<string>()
  const rows = objects.map((object) => {
    for (const key of Object.keys(object)) if (!known.has(key)) unknown.add(key)
    return header.map((name) => (Object.hasOwn(object, name) ? object[name]! : null))
  })
  return { rows, unknown: [...unknown] }
}

/** Column names in the order they first appear in the objects, for a sheet with no header. */
export const keysInOrder = (objects: ReadonlyArray<RowObject>): ReadonlyArray<string> => {
  const keys = new Set<string>()
  for (const object of objects) for (const key of Object.keys(object)) keys.add(key)
  return [...keys]
}

/** The sheet row (1-based) where a range Sheets returned starts; 1 when it does not say. */
export const firstRowOf = (range: string): number => parseA1(range)?.startRow ?? 1

/** The sheet column (1-based) where a range starts; 1 when it does not say. */
export const firstColumnOf = (range: string): number => parseA1(range)?.startColumn ?? 1

/**
 * The range to read a table's header row from: the first row of the range (`Orders!A3:F`
 * gives `Orders!A3:F3`, `Orders` gives `Orders!1:1`). A single cell (`Orders!A1`, the form
 * most libraries append to) names where the table starts, not its width: its whole row is
 * read (`Orders!1:1`), and {@link headerCells} keeps the cells from the cell's column on.
 * `undefined` when the range is not A1 notation.
 */
export const headerRowOf = (range: string): string | undefined => {
  const parsed = parseA1(range)
  if (parsed === undefined) return undefined
  const row = parsed.startRow ?? 1
  if (isSingleCell(parsed)) {
    return formatA1({
      sheet: parsed.sheet,
      startRow: row,
      endRow: row,
      startColumn: undefined,
      endColumn: undefined
    })
  }
  return formatA1({ ...parsed, startRow: row, endRow: row })
}

/**
 * The header cells of a table, from the header row Sheets returned (`read`, the range it
 * says it returned) for the table `range`: the cells from the table's first column on,
 * and that column's number.
 */
export const headerCells = <A>(
  range: string,
  read: { readonly range: string; readonly row: ReadonlyArray<A> }
): { readonly cells: ReadonlyArray<A>; readonly firstColumn: number } => {
  const returnedFrom = firstColumnOf(read.range)
  const wanted = Math.max(firstColumnOf(range), returnedFrom)
  return { cells: read.row.slice(wanted - returnedFrom), firstColumn: wanted }
}

const isSingleCell = (range: A1Range) =>
  range.startColumn !== undefined &&
  range.startRow !== undefined &&
  range.startColumn === range.endColumn &&
  range.startRow === range.endRow

/** The sheet title a range names; `undefined` for the first sheet. */
export const sheetOf = (range: string): string | undefined => parseA1(range)?.sheet

/** A cell as text, the way two cells are compared when finding rows. */
export const cellText = (value: CellValue | null | undefined, caseSensitive: boolean): string => {
  const text = value === null || value === undefined ? "" : String(value).trim()
  return caseSensitive ? text : text.toLowerCase()
}
