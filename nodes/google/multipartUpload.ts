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
 * Sends a file of at most 5 MB with its metadata in one request and decodes the answer.
 * The file is read whole (it is small); larger files go through a resumable upload.
 */
export const multipartUpload = <A, I>(
  client: HttpClient,
  upload: MultipartUpload,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, KernelError> =>
  Effect.gen(function* () {
    const media = yield* Effect.tryPromise({
      try: () => fs.readFile(upload.file.path),
      catch: (cause) => unreadable(client.integration, upload.file, cause)
    })
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

/** A `TransportError` (reason `RequestBody`) for a file the step cannot read. */
export const unreadable = (integration: string, file: FileRef, cause: unknown) =>
  new TransportError({
    integration,
    reason: "RequestBody",
    requestSent: false,
    message: `The file "${file.name}" could not be read (${(cause as NodeJS.ErrnoException).code ?? "read error"}); check that the step before made it and that it is still in the run's folder`
  })
