/**
 * The credential store's file format: the credentials as JSON, encrypted and
 * authenticated with AES-256-GCM.
 *
 * Layout: a 16-byte header (`RPA-CREDENTIALS` and a version byte), a 12-byte random IV,
 * the 16-byte GCM tag, then the ciphertext. The header is authenticated too (as
 * additional data), so a change to any byte of the file fails decryption.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Either, Schema } from "effect"

/** One credential as the store keeps it: type, encoded fields and when it changed. */
export interface StoreEntry {
  readonly type: string
  /** Encoded fields: secrets as plain strings, exactly what the credential type decodes. */
  readonly fields: Readonly<Record<string, unknown>>
  /** ISO 8601 time the credential was added. */
  readonly createdAt: string
  /** ISO 8601 time any field last changed (a refreshed token included). */
  readonly updatedAt: string
}

/** The decrypted content of a store file. */
export interface StoreContent {
  readonly version: 1
  readonly credentials: Readonly<Record<string, StoreEntry>>
}

/** Why a store file could not be read; the caller turns it into a message naming the file. */
export type StoreFormatProblem = "NotAStore" | "NewerVersion" | "CannotDecrypt" | "BadContent"

/** An empty store, as a new file starts. */
export const emptyStore: StoreContent = { version: 1, credentials: {} }

/** Encrypts store content with a 32-byte key into the bytes of a store file. */
export const encryptStore = (content: StoreContent, key: Uint8Array): Buffer => {
  const iv = randomBytes(ivBytes)
  const cipher = createCipheriv("aes-256-gcm", key, iv)
  cipher.setAAD(header)
  const body = Buffer.concat([cipher.update(JSON.stringify(content), "utf8"), cipher.final()])
  return Buffer.concat([header, iv, cipher.getAuthTag(), body])
}

/** Decrypts the bytes of a store file, or says why they are not a store this key opens. */
export const decryptStore = (
  bytes: Uint8Array,
  key: Uint8Array
): Either.Either<StoreContent, StoreFormatProblem> => {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (data.length < header.length + ivBytes + tagBytes) return Either.left("NotAStore")
  if (!data.subarray(0, magic.length).equals(magic)) return Either.left("NotAStore")
  if (data[magic.length] !== version) return Either.left("NewerVersion")

  const iv = data.subarray(header.length, header.length + ivBytes)
  const tag = data.subarray(header.length + ivBytes, header.length + ivBytes + tagBytes)
  const body = data.subarray(header.length + ivBytes + tagBytes)
  let plain: string
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv)
    decipher.setAAD(data.subarray(0, header.length))
    decipher.setAuthTag(tag)
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8")
  } catch {
    return Either.left("CannotDecrypt")
  }

  return Either.mapLeft(decodeContent(plain), () => "BadContent" as const)
}

const magic = Buffer.from("RPA-CREDENTIALS", "ascii")
const version = 1
const header = Buffer.concat([magic, Buffer.from([version])])
const ivBytes = 12
const tagBytes = 16

const StoreContentSchema = Schema.parseJson(
  Schema.Struct({
    version: Schema.Literal(1),
    credentials: Schema.Record({
      key: Schema.String,
      value: Schema.Struct({
        type: Schema.String,
        fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
        createdAt: Schema.String,
        updatedAt: Schema.String
      })
    })
  })
)

const decodeContent = Schema.decodeUnknownEither(StoreContentSchema)
