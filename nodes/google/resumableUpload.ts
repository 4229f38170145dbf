/**
 * Google's resumable upload protocol, for files too large for one request.
 *
 * The upload starts a session with the metadata and gets the session URI from
 * `Location`; the file then goes in chunks (multiples of 256 KiB, read from disk one at
 * a time, so memory stays at one chunk whatever the file size), each answered `308` with
 * the bytes kept so far in `Range`, until the last one is answered with the created
 * resource. When a chunk fails on the way (a dropped connection, a timeout, a 5xx or a
 * 429), the upload waits, asks the session how much arrived (`Content-Range: bytes
 * *\/size`) and goes on from there; a session that expired is started again once.
 * Chunks are never resent by the kernel itself: only the session knows what it kept.
 *
 * @see https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable
 * @module
 */
import { promises as fs } from "node:fs"
import { Effect, Random, type Schema } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { DecodeError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { HttpClient } from "../../src/http/kernel.js"
import type { HttpResponse, QueryValue } from "../../src/http/request.js"
import { decodeJson, unreadable } from "./multipartUpload.js"

/** A resumable upload: where to start it, the metadata, and the file with its media type. */
export interface ResumableUpload {
  /** The upload URL, for example `https://www.googleapis.com/upload/drive/v3/files`. */
  readonly url: string
  readonly query?: Readonly<Record<string, QueryValue | undefined>> | undefined
  readonly metadata: unknown
  readonly file: FileRef
  readonly contentType: string
  /** Bytes per chunk, a multiple of 256 KiB; default 8 MiB. */
  readonly chunkBytes?: number | undefined
}

/** Google's chunk granularity: every chunk but the last is a multiple of this. */
export const chunkGranularity = 256 * 1024

/** The default chunk size: large enough to be quick, small enough to keep memory flat. */
export const defaultChunkBytes = 32 * chunkGranularity

/** Chunks that fail in a row before the upload gives up. */
const maxRecoveries = 5

/**
 * Uploads a file through a resumable session and decodes the resource Google answers
 * with once the last byte arrived. Fails with the chunk's error when `maxRecoveries`
 * chunks in a row fail, with `DecodeError` when Google's answers break the protocol,
 * and with `TransportError` (reason `RequestBody`) when the file cannot be read.
 */
export const resumableUpload = <A, I>(
  client: HttpClient,
  upload: ResumableUpload,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, KernelError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const chunkBytes = chunkSizeOf(upload.chunkBytes)
      const handle = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => fs.open(upload.file.path, "r"),
          catch: (cause) => unreadable(client.integration, upload.file, cause)
        }),
        (opened) => Effect.promise(() => opened.close())
      )
      const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(1, upload.file.size)))
      const session = makeSession(client, upload, schema)
      const chunkLength = (offset: number) => Math.min(chunkBytes, upload.file.size - offset)

      let uri = yield* session.start
      let offset = 0
      let failures = 0
      let restarted = false
      let ask = false
      for (;;) {
        const step = ask
          ? session.status(uri)
          : Effect.flatMap(
              readChunk(
                client.integration,
                upload.file,
                handle,
                buffer,
                offset,
                chunkLength(offset)
              ),
              (bytes) => session.put(uri, offset, bytes)
            )
        const result = yield* Effect.either(step)
        if (result._tag === "Right") {
          if (result.right._tag === "Done") return result.right.value
          if (!ask) failures = 0
          offset = result.right.offset
          ask = false
          continue
        }

        const error = result.left
        if (error._tag === "NotFoundError" && !restarted) {
          restarted = true
          uri = yield* session.start
          offset = 0
          ask = false
          continue
        }
        if (!recoverable(error) || ++failures > maxRecoveries) return yield* Effect.fail(error)
        yield* pause(failures)
        ask = true
      }
    })
  )

/** Where a session stands: done with the resource, or waiting for bytes from `offset`. */
type Progress<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "More"; readonly offset: number }

const makeSession = <A, I>(
  client: HttpClient,
  upload: ResumableUpload,
  schema: Schema.Schema<A, I>
) => {
  const size = upload.file.size
  const context = { integration: client.integration, method: "PUT" }
  const log = (message: string, fields: Record<string, unknown>) =>
    Effect.logDebug(message).pipe(
      Effect.annotateLogs({ integration: client.integration, size, ...fields })
    )

  const progressOf = (response: HttpResponse): Effect.Effect<Progress<A>, KernelError> => {
    if (response.status !== 308) {
      return Effect.map(decodeJson(client.integration, response.body, schema), (value) => ({
        _tag: "Done",
        value
      }))
    }
    const range = response.headers.range
    if (range === undefined) return Effect.succeed({ _tag: "More", offset: 0 })
    const last = /^bytes=0-(\d+)$/.exec(range)?.[1]
    if (last === undefined || Number(last) + 1 > size) {
      return Effect.fail(
        new DecodeError({
          ...context,
          status: 308,
          message: `Google answered the upload with a Range "${range}" that does not fit the file; upload it again`
        })
      )
    }
    return Effect.succeed({ _tag: "More", offset: Number(last) + 1 })
  }

  const send = (uri: string, contentRange: string, bytes: Uint8Array | undefined) =>
    client.request({
      method: "PUT",
      url: uri,
      headers: { "content-range": contentRange },
      body:
        bytes === undefined ? undefined : { _tag: "Bytes", bytes, contentType: upload.contentType },
      retry: false,
      followRedirects: false,
      acceptStatus: [308]
    })

  return {
    /** Starts a session; the session URI comes back in `Location`. */
    start: Effect.gen(function* () {
      const response = yield* client.request({
        method: "POST",
        url: upload.url,
        query: { ...upload.query, uploadType: "resumable" },
        headers: {
          "x-upload-content-type": upload.contentType,
          "x-upload-content-length": String(size)
        },
        body: { _tag: "Json", value: upload.metadata ?? {} }
      })
      const location = response.headers.location
      if (location === undefined) {
        return yield* Effect.fail(
          new DecodeError({
            ...context,
            status: response.status,
            message: "Google started the upload without a session URI; upload the file again"
          })
        )
      }
      yield* log("Started a resumable upload", {})
      return new URL(location, response.url).href
    }),

    /** Sends the bytes from `offset`; the last chunk carries the total size. */
    put: (uri: string, offset: number, bytes: Uint8Array) => {
      const range =
        size === 0 ? `bytes */0` : `bytes ${offset}-${offset + bytes.length - 1}/${size}`
      return Effect.tap(
        Effect.flatMap(send(uri, range, size === 0 ? undefined : bytes), progressOf),
        (progress) =>
          log("Uploaded a chunk", {
            offset,
            kept: progress._tag === "More" ? progress.offset : size
          })
      )
    },

    /** Asks the session how many bytes it kept. */
    status: (uri: string) =>
      Effect.tap(Effect.flatMap(send(uri, `bytes */${size}`, undefined), progressOf), (progress) =>
        log("Resuming the upload", { kept: progress._tag === "More" ? progress.offset : size })
      )
  }
}

const chunkSizeOf = (asked: number | undefined) => {
  const chunks = Math.max(1, Math.floor((asked ?? defaultChunkBytes) / chunkGranularity))
  return chunks * chunkGranularity
}

const readChunk = (
  integration: string,
  file: FileRef,
  handle: fs.FileHandle,
  buffer: Buffer,
  offset: number,
  length: number
): Effect.Effect<Uint8Array, KernelError> =>
  Effect.tryPromise({
    try: async () => {
      let read = 0
      for (let more = length > 0; more; more = read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, offset + read)
        if (bytesRead === 0) break
        read += bytesRead
      }
      return read
    },
    catch: (cause) => unreadable(integration, file, cause)
  }).pipe(
    Effect.filterOrFail(
      (read) => read === length,
      () => unreadable(integration, file, { code: "the file is shorter than its size" })
    ),
    Effect.as(buffer.subarray(0, length))
  )

/** Failures a session survives: the bytes may not have arrived, the session still stands. */
const recoverable = (error: KernelError) =>
  error._tag === "TransportError" ||
  error._tag === "TimeoutError" ||
  error._tag === "ServerError" ||
  error._tag === "RateLimitError"

/** Waits before asking a session where it stands: 1 s, 2 s, 4 s, ... with full jitter. */
const pause = (failures: number) =>
  Effect.flatMap(Random.nextIntBetween(0, 1000 * 2 ** (failures - 1) + 1), (ms) => Effect.sleep(ms))
