/**
 * Request bodies: turning a {@link RequestBody} into bytes undici can send, again and again.
 *
 * A body is encoded once per request and sent by every attempt and by every 307/308
 * redirect hop, so each encoding can be sent again: JSON, form and text bodies become a
 * buffer; a file becomes a fresh read stream per send, and multipart file parts lazy
 * `Blob`s backed by the file on disk. Files are read in chunks while the request is
 * written, so a 1 GiB upload keeps memory flat.
 *
 * @module
 */
import { createReadStream, promises as fs, openAsBlob } from "node:fs"
import type { Readable } from "node:stream"
import { Effect } from "effect"
import type { FormData } from "undici"
import { TransportError } from "./errors.js"
import type { FileRef } from "./files.js"
import type { QueryValue, RequestBody } from "./request.js"

/** A body ready to send, as often as needed, and the headers that describe it. */
export interface EncodedBody {
  /** `content-type` to send, unless the request sets its own. */
  readonly contentType: string | undefined
  /** `content-length` to send for a streamed file; undici measures the other payloads. */
  readonly contentLength: number | undefined
  /**
   * What undici sends, made for each send: a buffer, a `FormData` of lazy file parts, or a
   * new read stream over a file (the caller destroys it if undici never reads it).
   */
  readonly payload: () => Buffer | FormData | Readable
}

/**
 * Encodes a request body. Fails with a `TransportError` (reason `RequestBody`, nothing
 * sent) when a file to upload cannot be read (the message names it) or a JSON value
 * cannot be encoded.
 */
export const encodeBody = (body: RequestBody): Effect.Effect<EncodedBody, TransportError> => {
  switch (body._tag) {
    case "Json":
      return json(body.value)
    case "Form":
      return buffered("application/x-www-form-urlencoded", Buffer.from(formUrlEncoded(body.fields)))
    case "Text":
      return buffered(body.contentType ?? "text/plain; charset=utf-8", Buffer.from(body.text))
    case "Bytes":
      return buffered(
        body.contentType,
        Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength)
      )
    case "File":
      return Effect.map(fileSize(body.file), (size) => ({
        contentType: body.contentType ?? body.file.mimeType,
        contentLength: size,
        payload: () => createReadStream(body.file.path, { highWaterMark: fileChunkBytes })
      }))
    case "Multipart":
      return Effect.map(multipart(body.parts), (form) => ({
        contentType: undefined,
        contentLength: undefined,
        payload: () => form
      }))
  }
}

/**
 * `application/x-www-form-urlencoded` text of some fields: an array repeats the name,
 * `undefined` is left out. Also the query string of a URL, without the `?`.
 */
export const formUrlEncoded = (
  fields: Readonly<Record<string, QueryValue | undefined>>
): string => {
  let out = ""
  for (const name in fields) {
    const value = fields[name]
    if (value === undefined) continue
    const key = encodeURIComponent(name)
    if (typeof value === "object") {
      for (const item of value) out += `${out === "" ? "" : "&"}${key}=${encodeURIComponent(item)}`
    } else {
      out += `${out === "" ? "" : "&"}${key}=${encodeURIComponent(value)}`
    }
  }
  return out
}

/** Chunk size of a streamed file upload; larger chunks send faster than the default. */
const fileChunkBytes = 256 * 1024

const buffered = (
  contentType: string | undefined,
  bytes: Buffer
): Effect.Effect<EncodedBody, never> =>
  Effect.succeed({ contentType, contentLength: undefined, payload: () => bytes })

/** A JSON body; a value JSON cannot hold (a cycle, a `BigInt`) fails before sending. */
const json = (value: unknown): Effect.Effect<EncodedBody, TransportError> => {
  let text: string
  try {
    text = JSON.stringify(value) ?? "null"
  } catch (cause) {
    return Effect.fail(
      new TransportError({
        reason: "RequestBody",
        requestSent: false,
        message: `The JSON body could not be encoded (${cause instanceof Error ? cause.message : "not serialisable"}): pass plain data (no cycles, no BigInt) in the body`
      })
    )
  }
  return buffered("application/json", Buffer.from(text))
}

/** The size of a file to upload, which also checks that it can be read. */
const fileSize = (file: FileRef): Effect.Effect<number, TransportError> =>
  Effect.tryPromise({
    try: async () => {
      await fs.access(file.path, fs.constants.R_OK)
      return (await fs.stat(file.path)).size
    },
    catch: (cause) => unreadable(file, cause)
  })

/** A lazy `Blob` over a file on disk: its bytes are read only while it is sent. */
const fileBlob = (file: FileRef): Effect.Effect<Blob, TransportError> =>
  Effect.tryPromise({
    try: () => openAsBlob(file.path, { type: file.mimeType }),
    catch: (cause) => unreadable(file, cause)
  })

const unreadable = (file: FileRef, cause: unknown) =>
  new TransportError({
    reason: "RequestBody",
    requestSent: false,
    message: `Could not read the file '${file.name}' to upload (${errorCode(cause)}): check that the step that produced it ran in this run and the file still exists`
  })

/**
 * A multipart body as undici's `FormData` (the only kind undici encodes), which is loaded
 * with the first multipart body: a run that sends none does not load it.
 */
const multipart = (
  parts: Extract<RequestBody, { _tag: "Multipart" }>["parts"]
): Effect.Effect<FormData, TransportError> =>
  Effect.zipWith(
    Effect.promise(() => import("undici")),
    Effect.forEach(
      parts,
      (part): Effect.Effect<string | Blob, TransportError> =>
        part._tag === "Field" ? Effect.succeed(part.value) : fileBlob(part.file)
    ),
    ({ FormData }, values) => {
      const form = new FormData()
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!
        const value = values[i]!
        if (part._tag === "Field") form.append(part.name, value as string)
        else form.append(part.name, value as Blob, part.filename ?? part.file.name)
      }
      return form
    }
  )

const errorCode = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause
    ? String((cause as { code: unknown }).code)
    : "unreadable"
