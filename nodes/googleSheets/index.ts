/**
 * The `googleSheets` integration: read, write, find and delete rows in Google Sheets,
 * create spreadsheets and sheets, and turn rows into a CSV file.
 *
 * @module
 */
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { googleCredentials } from "../google/credentials.js"
import { addSheet } from "./addSheet.js"
import { appendRows } from "./appendRows.js"
import { batchRead } from "./batchRead.js"
import { clearRange } from "./clearRange.js"
import { createSpreadsheet } from "./createSpreadsheet.js"
import { deleteRows } from "./deleteRows.js"
import { sheetsOrigin, startSheetsFake } from "./fake.js"
import { findRows } from "./findRows.js"
import { readRange } from "./readRange.js"
import { rowsToCsv } from "./rowsToCsv.js"
import { GoogleSheets } from "./service.js"
import { updateRange } from "./updateRange.js"

export { addSheet } from "./addSheet.js"
export { appendRows } from "./appendRows.js"
export { batchRead } from "./batchRead.js"
export { clearRange } from "./clearRange.js"
export { createSpreadsheet } from "./createSpreadsheet.js"
export { deleteRows } from "./deleteRows.js"
export { findRows } from "./findRows.js"
export { readRange } from "./readRange.js"
export { rowsToCsv } from "./rowsToCsv.js"
export { GoogleSheets } from "./service.js"
export { updateRange } from "./updateRange.js"

/**
 * The `googleSheets` integration: ten nodes over Google Sheets API v4, with the Google
 * account and service account credentials. Its sandbox is a Sheets fake answering for
 * `https://sheets.googleapis.com`, with an "Orders" spreadsheet to try flows on.
 */
export const integration = defineIntegration({
  name: "googleSheets",
  title: "Google Sheets",
  description:
    "Read, append, update, find and delete rows in Google Sheets; create spreadsheets and sheets.",
  icon: "nodes/googleSheets/icon.svg",
  credentialTypes: googleCredentials,
  nodes: [
    readRange,
    batchRead,
    appendRows,
    updateRange,
    clearRange,
    findRows,
    deleteRows,
    createSpreadsheet,
    addSheet,
    rowsToCsv
  ],
  layer: GoogleSheets.layer,
  sandbox: { origins: [sheetsOrigin], start: startSheetsFake }
})
