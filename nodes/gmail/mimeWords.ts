/**
 * Text in mail headers and parts: RFC 2047 encoded words (`=?UTF-8?B?...?=`) and
 * charsets. Used to read what Gmail returns, and by the Gmail fake.
 *
 * @module
 */

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`) in a header. */
export const decodeWords = (text: string): string =>
  text
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_, charset: string, kind: string, data: string) => {
        const bytes =
          kind.toUpperCase() === "B"
            ? Buffer.from(data, "base64")
            : Buffer.from(
                data
                  .replace(/_/g, " ")
                  .replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) =>
                    String.fromCharCode(Number.parseInt(hex, 16))
                  ),
                "latin1"
              )
        return decodeCharset(bytes, charset)
      }
    )

/** Text in a charset, falling back to UTF-8 for one the runtime does not know. */
export const decodeCharset = (bytes: Uint8Array, charset: string): string => {
  try {
    return new TextDecoder(charset.trim().toLowerCase()).decode(bytes)
  } catch {
    return new TextDecoder().decode(bytes)
  }
}

/** The `charset` parameter of a `Content-Type`, or UTF-8. */
export const charsetOf = (contentType: string | undefined): string =>
  /charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "")?.[1] ?? "utf-8"
