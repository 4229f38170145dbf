/**
 * The Gmail fake's reading of RFC 5322 / MIME messages: headers (unfolded, encoded words
 * decoded), parameters (RFC 2231 continuations and charsets), multipart trees, and
 * bodies decoded from base64 or quoted-printable. Enough to show messages the way the
 * Gmail API does, not a general mail parser.
 *
 * @module
 */
import { decodeCharset, decodeWords } from "./mimeWords.js"

/** One header as written in the message (folded lines joined). */
export interface MimeHeader {
  readonly name: string
  readonly value: string
}

/** One part of a message: the message itself, a container, or a leaf with content. */
export interface MimePart {
  readonly headers: ReadonlyArray<MimeHeader>
  /** Media type, lower case, for example `text/plain` or `multipart/mixed`. */
  readonly mimeType: string
  /** File name from `Content-Disposition` or `Content-Type`, decoded; "" when none. */
  readonly filename: string
  /** The content, with its transfer encoding undone (leaves only). */
  readonly body: Buffer
  readonly parts: ReadonlyArray<MimePart>
}

/** Parses a message. */
export const parseMime = (raw: Buffer): MimePart => {
  const split = indexOfBlankLine(raw)
  const headers = parseHeaders(raw.subarray(0, split.headerEnd).toString("latin1"))
  const content = raw.subarray(split.bodyStart)
  const type = parseParams(headerOf(headers, "content-type") ?? "text/plain")
  const disposition = parseParams(headerOf(headers, "content-disposition") ?? "")
  const mimeType = type.value.toLowerCase() || "text/plain"
  const filename = disposition.params.filename ?? type.params.name ?? ""
  if (mimeType.startsWith("multipart/") && type.params.boundary !== undefined) {
    const parts = splitParts(content, type.params.boundary).map(parseMime)
    return { headers, mimeType, filename, body: Buffer.alloc(0), parts }
  }
  const encoding = (headerOf(headers, "content-transfer-encoding") ?? "7bit").trim().toLowerCase()
  return { headers, mimeType, filename, body: decodeTransfer(content, encoding), parts: [] }
}

/** The first header of a name (case-insensitive), or `undefined`. */
export const headerOf = (headers: ReadonlyArray<MimeHeader>, name: string): string | undefined =>
  headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value

const indexOfBlankLine = (raw: Buffer): { headerEnd: number; bodyStart: number } => {
  const crlf = raw.indexOf("\r\n\r\n")
  const lf = raw.indexOf("\n\n")
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 }
  if (lf !== -1) return { headerEnd: lf, bodyStart: lf + 2 }
  return { headerEnd: raw.length, bodyStart: raw.length }
}

const parseHeaders = (text: string): Array<MimeHeader> => {
  const headers: Array<MimeHeader> = []
  for (const line of text.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim()
    headers.push({
      name: line.slice(0, colon).trim(),
      value: Buffer.from(value, "latin1").toString("utf8")
    })
  }
  return headers
}

/** A header's value and parameters, RFC 2231 continuations joined and charsets applied. */
const parseParams = (text: string): { value: string; params: Record<string, string> } => {
  const [value = "", ...rest] = splitOutsideQuotes(text)
  const pieces = new Map<string, Array<{ index: number; text: string; encoded: boolean }>>()
  const params: Record<string, string> = {}
  for (const param of rest) {
    const eq = param.indexOf("=")
    if (eq <= 0) continue
    const key = param.slice(0, eq).trim().toLowerCase()
    const raw = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, "$1")
      .replace(/\\(.)/g, "$1")
    const continuation = /^(.+?)\*(\d+)(\*?)$/.exec(key)
    if (continuation !== null) {
      const list = pieces.get(continuation[1]!) ?? []
      list.push({ index: Number(continuation[2]), text: raw, encoded: continuation[3] === "*" })
      pieces.set(continuation[1]!, list)
    } else if (key.endsWith("*")) {
      params[key.slice(0, -1)] = decodeExtended(raw)
    } else {
      params[key] = decodeWords(raw)
    }
  }
  for (const [key, list] of pieces) {
    list.sort((a, b) => a.index - b.index)
    const charset = list[0]?.encoded ? /^([^']*)'[^']*'/.exec(list[0].text)?.[1] : undefined
    const bytes = list.map((piece, i) => {
      const text =
        i === 0 && charset !== undefined ? piece.text.replace(/^[^']*'[^']*'/, "") : piece.text
      return piece.encoded ? percentBytes(text) : Buffer.from(text, "utf8")
    })
    params[key] = decodeCharset(Buffer.concat(bytes), charset || "utf-8")
  }
  return { value: value.trim(), params }
}

const decodeExtended = (text: string) => {
  const match = /^([^']*)'[^']*'(.*)$/.exec(text)
  return match === null ? text : decodeCharset(percentBytes(match[2]!), match[1] || "utf-8")
}

const percentBytes = (text: string) =>
  Buffer.from(
    text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16))
    ),
    "latin1"
  )

const splitOutsideQuotes = (text: string): Array<string> => {
  const out: Array<string> = []
  let current = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (char === "\\" && quoted) {
      current += char + (text[++i] ?? "")
      continue
    }
    if (char === '"') quoted = !quoted
    if (char === ";" && !quoted) {
      out.push(current)
      current = ""
    } else current += char
  }
  out.push(current)
  return out
}

const splitParts = (content: Buffer, boundary: string): Array<Buffer> => {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Array<Buffer> = []
  let at = content.indexOf(delimiter)
  while (at !== -1) {
    let start = at + delimiter.length
    if (content.subarray(start, start + 2).toString("latin1") === "--") break
    if (content[start] === 0x0d) start++
    if (content[start] === 0x0a) start++
    const next = content.indexOf(delimiter, start)
    if (next === -1) break
    let end = next
    if (content[end - 1] === 0x0a) end--
    if (content[end - 1] === 0x0d) end--
    parts.push(content.subarray(start, end))
    at = next
  }
  return parts
}

const decodeTransfer = (content: Buffer, encoding: string): Buffer => {
  if (encoding === "base64")
    return Buffer.from(content.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64")
  if (encoding === "quoted-printable") {
    const text = content
      .toString("latin1")
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16))
      )
    return Buffer.from(text, "latin1")
  }
  return content
}
