/**
 * Google's multipart upload: the metadata (JSON) and the media in one
 * `multipart/related` request, for files up to 5 MB.
 *
 * @see https://developers.google.com/workspace/drive/api/guides/manage-uploads#multipart
 * @module
 */
import { randomUUID } from "node:crypto"
import { promises as fs } from "node:fs"
import { Effect, Schema } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { TransportError } from "../../src/http/errors.js"
import type { FileRef } from "../../src/http/files.js"
import type { HttpClient } from "../../src/http/kernel.js"
import type { QueryValue } from "../../src/http/request.js"
import { decodeFailure } from "./client.js"

/** Largest file Google accepts in one multipart upload. */
export const multipartLimitBytes = 5 * 1024 * 1024

/** A multipart upload: where to, the metadata, and the file with its media type. */
export interface MultipartUpload {
  /** The upload URL, for example `https://www.googleapis.com/upload/drive/v3/files`. */
  readonly url: string
  readonly query?: Readonly<Record<string, QueryValue | undefined>> | undefined
  readonly metadata: unknown
  readonly file: FileRef
  readonly contentType: string
}

/**
 * A file reference with the size the file has on disk: a reference's own `size` may be
 * stale or wrong, and deciding how to upload on it could read a large file into memory.
 * Fails with `TransportError` (reason `RequestBody`) when the path is not a readable file.
 */
export const withSizeOnDisk = (
  integration: string,
  file: FileRef
): Effect.Effect<FileRef, TransportError> =>
  Effect.tryPromise({
    try: () => fs.stat(file.path),
    catch: (cause) => unreadable(integration, file, cause)
  }).pipe(
    Effect.filterOrFail(
      (stats) => stats.isFile(),
      () => unreadable(integration, file, { code: "not a file" })
    ),
    Effect.map((stats) => ({ ...file, size: stats.size }))
  )

/**
 * Sends a file of at most 5 MB with its metadata in one request and decodes the answer.
 * The file is read whole (it is small), after its size on disk is checked; larger files
 * go through a resumable upload, and one that grew past 5 MB fails before it is read.
 */
export const multipartUpload = <A, I>(
  client: HttpClient,
  upload: MultipartUpload,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, KernelError> =>
  Effect.gen(function* () {
    const media = yield* readSmallFile(client.integration, upload.file)
    const boundary = `rpa-${randomUUID()}`
    const head = Buffer.from(
      `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(upload.metadata)}\r\n` +
        `--${boundary}\r\ncontent-type: ${upload.contentType}\r\n\r\n`
    )
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    const response = yield* client.request({
      method: "POST",
      url: upload.url,
      query: { ...upload.query, uploadType: "multipart" },
      body: {
        _tag: "Bytes",
        bytes: Buffer.concat([head, media, tail]),
        contentType: `multipart/related; boundary=${boundary}`
      }
    })
    return yield* decodeJson(client.integration, response.body, schema)
  })

/** Decodes a JSON answer with a schema; `DecodeError` when it is not JSON or not that. */
export const decodeJson = <A, I>(
  integration: string,
  body: Uint8Array,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, KernelError> =>
  Effect.flatMap(
    Schema.decodeUnknown(Schema.parseJson())(Buffer.from(body).toString("utf8")),
    Schema.decodeUnknown(schema)
  ).pipe(Effect.mapError(decodeFailure(integration)))

/** Reads a whole file of at most 5 MB, checking its size on the open file first. */
const readSmallFile = (integration: string, file: FileRef): Effect.Effect<Buffer, TransportError> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({
      try: () => fs.open(file.path, "r"),
      catch: (cause) => unreadable(integration, file, cause)
    }),
    (handle) =>
      Effect.tryPromise({
        try: async (): Promise<Buffer | undefined> => {
          const { size } = await handle.stat()
          if (size > multipartLimitBytes) return undefined
          const bytes = await handle.readFile()
          return bytes.length > multipartLimitBytes ? undefined : bytes
        },
        catch: (cause) => unreadable(integration, file, cause)
      }).pipe(
        Effect.flatMap((bytes) =>
          bytes === undefined
            ? Effect.fail(
                new TransportError({
                  integration,
                  reason: "RequestBody",
                  requestSent: false,
                  message: `The file "${file.name}" grew past 5 MB while the step read it, too large to send in one request; run the step again`
                })
              )
            : Effect.succeed(bytes)
        )
      ),
    (handle) => Effect.promise(() => handle.close())
  )

/** A `TransportError` (reason `RequestBody`) for a file the step cannot read. */
export const unreadable = (integration: string, file: FileRef, cause: unknown) =>
  new TransportError({
    integration,
    reason: "RequestBody",
    requestSent: false,
    message: `The file "${file.name}" could not be read (${(cause as NodeJS.ErrnoException).code ?? "read error"}); check that the step before made it and that it is still in the run's folder`
  })
