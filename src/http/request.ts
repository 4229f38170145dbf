/**
 * What an integration asks the kernel to send, and what it gets back.
 *
 * @module
 */
import type { Redacted } from "effect"
import type { FileRef } from "./files.js"

/** HTTP methods the kernel sends. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"

/** A query value; an array repeats the key (`?tag=a&tag=b`), `undefined` is left out. */
export type QueryValue = string | number | boolean | ReadonlyArray<string | number | boolean>

/** One part of a multipart body: a text field or a file streamed from disk. */
export type MultipartPart =
  | { readonly _tag: "Field"; readonly name: string; readonly value: string }
  | {
      readonly _tag: "File"
      readonly name: string
      readonly file: FileRef
      /** Overrides the file's own name in the part's `filename`. */
      readonly filename?: string | undefined
    }

/** A request body. Files are streamed from disk, never read whole into memory. */
export type RequestBody =
  | { readonly _tag: "Json"; readonly value: unknown }
  | {
      readonly _tag: "Form"
      readonly fields: Readonly<Record<string, QueryValue | undefined>>
    }
  | { readonly _tag: "Multipart"; readonly parts: ReadonlyArray<MultipartPart> }
  | { readonly _tag: "Text"; readonly text: string; readonly contentType?: string | undefined }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array; readonly contentType: string }
  | { readonly _tag: "File"; readonly file: FileRef; readonly contentType?: string | undefined }

/** Per-request deadlines, in milliseconds. */
export interface Timeouts {
  /** Establishing the TCP (and TLS) connection. */
  readonly connectMs: number
  /** From the request being sent to the response headers arriving. */
  readonly headersMs: number
  /** Longest pause between two chunks of the response body. */
  readonly bodyIdleMs: number
  /** The whole attempt, body included. */
  readonly totalMs: number
}

/** A request as an integration describes it. */
export interface HttpRequest {
  readonly method: HttpMethod
  /** Absolute URL, or a path resolved against the client's `baseUrl`. */
  readonly url: string
  readonly query?: Readonly<Record<string, QueryValue | undefined>> | undefined
  /** Extra headers. Values that are secrets stay `Redacted` until sent. */
  readonly headers?: Readonly<Record<string, string | Redacted.Redacted<string>>> | undefined
  readonly body?: RequestBody | undefined
  /**
   * A key that makes a POST or PATCH safe to send again: the provider recognises a
   * repeated key and does not act twice. Sent as the `Idempotency-Key` header unless the
   * integration names another header.
   */
  readonly idempotencyKey?: string | undefined
  /** Overrides of the client's timeouts for this request. */
  readonly timeouts?: Partial<Timeouts> | undefined
  /** Follow redirects (default true), up to the client's limit. */
  readonly followRedirects?: boolean | undefined
  /** Overrides of the client's retry policy; `false` sends exactly once. */
  readonly retry?: Partial<import("./retry.js").RetryPolicy> | false | undefined
  /** Statuses that are not errors for this request (for example 404 for "exists?"). */
  readonly acceptStatus?: ReadonlyArray<number> | undefined
  /** Overrides the client's response size limit, in bytes. */
  readonly maxResponseBytes?: number | undefined
  /** Skip the credential (for example for a pre-signed upload URL). */
  readonly anonymous?: boolean | undefined
}

/** A response whose body was read into memory (within the size limit). */
export interface HttpResponse {
  readonly status: number
  /** Response headers, names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** Final URL after redirects (unmasked: integrations may need its query). */
  readonly url: string
  readonly body: Uint8Array
  /** How many attempts it took, counting the one that succeeded. */
  readonly attempts: number
}
