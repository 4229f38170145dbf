/**
 * Export formats of Google Docs files: what a Doc, Sheet, Slides deck or Drawing can be
 * downloaded as, by a short name (`pdf`, `docx`, `csv`) or a MIME type.
 *
 * @see https://developers.google.com/workspace/drive/api/guides/ref-export-formats
 * @module
 */
import { Effect } from "effect"
import { ValidationError } from "../../src/http/errors.js"

/** Short names of export formats, and their MIME types and file extensions. */
export const exportFormats = {
  pdf: { mimeType: "application/pdf", extension: "pdf" },
  docx: {
    mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    extension: "docx"
  },
  odt: { mimeType: "application/vnd.oasis.opendocument.text", extension: "odt" },
  rtf: { mimeType: "application/rtf", extension: "rtf" },
  txt: { mimeType: "text/plain", extension: "txt" },
  html: { mimeType: "text/html", extension: "html" },
  md: { mimeType: "text/markdown", extension: "md" },
  epub: { mimeType: "application/epub+zip", extension: "epub" },
  xlsx: {
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    extension: "xlsx"
  },
  ods: { mimeType: "application/vnd.oasis.opendocument.spreadsheet", extension: "ods" },
  csv: { mimeType: "text/csv", extension: "csv" },
  tsv: { mimeType: "text/tab-separated-values", extension: "tsv" },
  pptx: {
    mimeType: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    extension: "pptx"
  },
  odp: { mimeType: "application/vnd.oasis.opendocument.presentation", extension: "odp" },
  png: { mimeType: "image/png", extension: "png" },
  jpeg: { mimeType: "image/jpeg", extension: "jpg" },
  svg: { mimeType: "image/svg+xml", extension: "svg" }
} as const

/** A short export format name. */
export type ExportFormatName = keyof typeof exportFormats

/** Formats each kind of Google file exports to; the first is the default. */
const formatsOf: Readonly<Record<string, ReadonlyArray<ExportFormatName>>> = {
  "application/vnd.google-apps.document": [
    "pdf",
    "docx",
    "odt",
    "rtf",
    "txt",
    "html",
    "md",
    "epub"
  ],
  "application/vnd.google-apps.spreadsheet": ["xlsx", "pdf", "ods", "csv", "tsv"],
  "application/vnd.google-apps.presentation": ["pdf", "pptx", "odp", "txt"],
  "application/vnd.google-apps.drawing": ["pdf", "png", "jpeg", "svg"]
}

/** Whether a MIME type is a Google Docs Editors file (or another Google-only type). */
export const isGoogleFile = (mimeType: string): boolean =>
  mimeType.startsWith("application/vnd.google-apps.")

/**
 * The format to export a Google file to: the one asked for (a short name or MIME type),
 * else the kind's default (PDF, or XLSX for a spreadsheet), with the file name the
 * download gets. Fails with `ValidationError` for a format the kind cannot export to,
 * or a Google type with no content (a form, a site, a shortcut).
 */
export const exportFormatFor = (
  googleType: string,
  asked: string | undefined,
  name: string
): Effect.Effect<{ readonly mimeType: string; readonly fileName: string }, ValidationError> => {
  const allowed = formatsOf[googleType]
  if (allowed === undefined) {
    return Effect.fail(
      new ValidationError({
        integration: "googleDrive",
        message: `"${name}" (${googleType}) has no content Google can export; open it in the browser instead`,
        issues: [{ path: "fileId", message: "cannot be downloaded or exported" }]
      })
    )
  }
  const wanted = asked ?? allowed[0]!
  const format = allowed.find(
    (short) => short === wanted || exportFormats[short].mimeType === wanted
  )
  if (format === undefined) {
    return Effect.fail(
      new ValidationError({
        integration: "googleDrive",
        message: `"${name}" cannot be exported as ${wanted}; choose one of ${allowed.join(", ")}`,
        issues: [{ path: "exportFormat", message: `not one of ${allowed.join(", ")}` }]
      })
    )
  }
  const { mimeType, extension } = exportFormats[format]
  const fileName = name.toLowerCase().endsWith(`.${extension}`) ? name : `${name}.${extension}`
  return Effect.succeed({ mimeType, fileName })
}
