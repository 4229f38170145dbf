/**
 * A1 notation: how Google Sheets names a range (`Orders!A2:F`, `'Q1 sales'!B:B`, `1:1`).
 *
 * Used by the nodes to tell which sheet row a value came from, and by the fake to find
 * cells. Rows and columns are 1-based here, as a person reads them; an open end is
 * `undefined` (`A2:F` has no last row).
 *
 * @module
 */

/** A parsed A1 range. */
export interface A1Range {
  /** Sheet title, unquoted; `undefined` means the first sheet. */
  readonly sheet: string | undefined
  readonly startColumn: number | undefined
  readonly startRow: number | undefined
  readonly endColumn: number | undefined
  readonly endRow: number | undefined
}

/**
 * Parses `Sheet!A1:B2`, `'It''s'!A:A`, `Sheet`, `A1`, `2:5` or `B2:D`; `undefined` when the
 * text is not A1 notation (a named range, for example).
 */
export const parseA1 = (text: string): A1Range | undefined => {
  const { sheet, cells } = splitSheet(text.trim())
  if (cells === undefined) {
    if (sheet === undefined || sheet === "") return undefined
    return {
      sheet,
      startColumn: undefined,
      startRow: undefined,
      endColumn: undefined,
      endRow: undefined
    }
  }
  const [from, to, extra] = cells.split(":")
  if (extra !== undefined || from === undefined) return undefined
  const start = parseCell(from)
  const end = to === undefined ? start : parseCell(to)
  if (start === undefined || end === undefined) return undefined
  return {
    sheet,
    startColumn: start.column,
    startRow: start.row,
    endColumn: end.column,
    endRow: end.row
  }
}

/** Writes a range back in A1 notation, quoting the sheet title when it needs quotes. */
export const formatA1 = (range: A1Range): string => {
  const cells =
    range.startColumn === undefined && range.startRow === undefined
      ? ""
      : `${cell(range.startColumn, range.startRow)}:${cell(range.endColumn, range.endRow)}`
  const sheet = range.sheet === undefined ? "" : quoteSheet(range.sheet)
  if (cells === "") return sheet
  return sheet === "" ? cells : `${sheet}!${cells}`
}

/** A sheet title as A1 notation needs it: quoted when it has anything but letters and digits. */
export const quoteSheet = (title: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) && !/^[A-Za-z]{1,3}\d+$/.test(title)
    ? title
    : `'${title.replaceAll("'", "''")}'`

/** The letters of a 1-based column number: 1 → A, 27 → AA. */
export const columnLetters = (column: number): string => {
  let n = column
  let letters = ""
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

/** The 1-based number of column letters: A → 1, AA → 27; `undefined` for anything else. */
export const columnNumber = (letters: string): number | undefined => {
  if (!/^[A-Za-z]{1,3}$/.test(letters)) return undefined
  let n = 0
  for (const char of letters.toUpperCase()) n = n * 26 + (char.charCodeAt(0) - 64)
  return n
}

const splitSheet = (text: string): { sheet: string | undefined; cells: string | undefined } => {
  if (text.startsWith("'")) {
    let i = 1
    let title = ""
    while (i < text.length) {
      if (text[i] === "'" && text[i + 1] === "'") {
        title += "'"
        i += 2
      } else if (text[i] === "'") break
      else title += text[i++]
    }
    const rest = text.slice(i + 1)
    if (rest === "") return { sheet: title, cells: undefined }
    return rest.startsWith("!")
      ? { sheet: title, cells: rest.slice(1) }
      : { sheet: undefined, cells: "!" }
  }
  const bang = text.lastIndexOf("!")
  if (bang !== -1) return { sheet: text.slice(0, bang), cells: text.slice(bang + 1) }
  return looksLikeCells(text)
    ? { sheet: undefined, cells: text }
    : { sheet: text, cells: undefined }
}

/** Cells without a sheet: `A1`, `A1:C`, `A:C`, `2:5`; a bare word (`Odd`) is a sheet. */
const looksLikeCells = (text: string) =>
  /^(?:[A-Za-z]{1,3}\d*|\d+)(?::(?:[A-Za-z]{1,3}\d*|\d+))?$/.test(text) && /[\d:]/.test(text)

const parseCell = (
  text: string
): { column: number | undefined; row: number | undefined } | undefined => {
  const match = /^([A-Za-z]{1,3})?(\d+)?$/.exec(text)
  if (match === null || (match[1] === undefined && match[2] === undefined)) return undefined
  const row = match[2] === undefined ? undefined : Number(match[2])
  if (row === 0) return undefined
  return { column: match[1] === undefined ? undefined : columnNumber(match[1]), row }
}

const cell = (column: number | undefined, row: number | undefined) =>
  `${column === undefined ? "" : columnLetters(column)}${row === undefined ? "" : row}`
