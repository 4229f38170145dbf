/**
 * The Google fakes' reading of a `multipart/related` upload body: JSON metadata first,
 * then the media, as Google's multipart upload protocol sends them.
 *
 * @module
 */

/** One part of a multipart body. */
export interface RelatedPart {
  /** Part headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/** The boundary of a `multipart/related` content type, or `undefined`. */
export const relatedBoundary = (contentType: string | undefined): string | undefined =>
  /^multipart\/related\s*;.*boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1]

/** Splits a multipart body into its parts (RFC 2046); the preamble and epilogue are dropped. */
export const splitRelated = (body: Buffer, boundary: string): ReadonlyArray<RelatedPart> => {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Array<RelatedPart> = []
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const start = at + delimiter.length
    if (body.subarray(start, start + 2).toString("latin1") === "--") break
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    parts.push(readPart(body.subarray(skipLineBreak(body, start), next)))
    at = next
  }
  return parts
}

const skipLineBreak = (body: Buffer, at: number) =>
  body[at] === 0x0d && body[at + 1] === 0x0a ? at + 2 : body[at] === 0x0a ? at + 1 : at

const readPart = (raw: Buffer): RelatedPart => {
  const end = raw.indexOf("\r\n\r\n")
  const headerText = end === -1 ? "" : raw.subarray(0, end).toString("utf8")
  const content = end === -1 ? raw : raw.subarray(end + 4)
  const trimmed = content.subarray(
    0,
    content.length - (content.subarray(-2).toString("latin1") === "\r\n" ? 2 : 0)
  )
  const headers: Record<string, string> = {}
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body: trimmed }
}
