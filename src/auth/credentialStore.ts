/**
 * The credential store: the credentials a user connected, in one file encrypted with
 * AES-256-GCM, shared by the command line and every run on the machine.
 *
 * Reads need no lock: a write replaces the file atomically, so a reader sees the old or
 * the new store. Writes read, change and replace the file while holding a lock file, so
 * two processes saving a refreshed token at the same time both keep their change. A wrong
 * key or a changed byte fails with a {@link CredentialError} that names the file, and
 * nothing is written: the file stays exactly as it was.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto"
import { mkdir, open, readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { removeAbandonedTemporaries, writeFileAtomic } from "./atomicFile.js"
import type { StoredCredential } from "./credentialSource.js"
import { CredentialError, CredentialSource } from "./credentialSource.js"
import type { FileLockOptions, LockBusy, LockFailed } from "./fileLock.js"
import { acquireFileLock } from "./fileLock.js"
import type { StoreFormatProblem } from "./storeFormat.js"
import {
  decryptStore,
  emptyStore,
  encryptStore,
  type StoreContent,
  type StoreEntry
} from "./storeFormat.js"
import {
  keyVariable,
  parseKey,
  type StoreLocation,
  storeLocationFromConfig
} from "./storeLocation.js"

/** A credential in the store, with its id and when it was added and last changed. */
export interface StoreListEntry extends StoreEntry {
  readonly id: string
}

/** The credential store of this machine (or of `$RPA_INTEGRATIONS_HOME`). */
export class CredentialStore extends Context.Tag("rpa/CredentialStore")<
  CredentialStore,
  {
    /** Path of the encrypted store file, for messages. */
    readonly file: string
    /** Every stored credential, sorted by id. Fields are encoded: secrets are plain text. */
    readonly list: Effect.Effect<ReadonlyArray<StoreListEntry>, CredentialError>
    /** The credential with this id, or none. */
    readonly get: (id: string) => Effect.Effect<Option.Option<StoredCredential>, CredentialError>
    /** Adds a credential, or replaces the type and all fields of an existing one. */
    readonly put: (
      id: string,
      type: string,
      fields: Readonly<Record<string, unknown>>
    ) => Effect.Effect<void, CredentialError>
    /** Sets some fields of a stored credential, keeping the others; fails when it is absent. */
    readonly update: (
      id: string,
      fields: Readonly<Record<string, unknown>>
    ) => Effect.Effect<void, CredentialError>
    /** Removes a credential; false when there was none with this id. */
    readonly remove: (id: string) => Effect.Effect<boolean, CredentialError>
    /**
     * Runs an effect while holding the credential's renewal lock (a lock file of its own),
     * so processes sharing the store renew a credential's tokens one at a time.
     */
    readonly exclusive: <A, E, R>(
      id: string,
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | CredentialError, R>
  }
>() {}

/** Options of {@link makeCredentialStore}. */
export interface CredentialStoreOptions {
  /** How long a writer waits for another process's lock, and when a lock is abandoned. */
  readonly lock?: FileLockOptions
  /** The same for a credential's renewal lock. Default: wait 60 s, abandoned after 120 s. */
  readonly renewalLock?: FileLockOptions
}

/** Opens the store at a location. Nothing is read or created until it is used. */
export const makeCredentialStore = (
  location: StoreLocation,
  options: CredentialStoreOptions = {}
): Effect.Effect<Context.Tag.Service<CredentialStore>> =>
  Effect.gen(function* () {
    const writers = yield* Effect.makeSemaphore(1)
    let cache: { readonly stamp: string; readonly content: StoreContent } | undefined
    let key: Uint8Array | undefined

    const read: Effect.Effect<StoreContent, CredentialError> = Effect.gen(function* () {
      const stamp = yield* fileStamp(location.file)
      if (stamp === undefined) return emptyStore
      if (cache?.stamp === stamp) return cache.content
      const bytes = yield* fsEffect("read", location, () => readFile(location.file))
      const storeKey = yield* keyFor("read")
      if (storeKey === undefined) return yield* Effect.fail(missingKey(location))
      const content = decryptStore(bytes, storeKey)
      if (Either.isLeft(content)) return yield* Effect.fail(unreadable(location, content.left))
      cache = { stamp, content: content.right }
      return content.right
    })

    const keyFor = (
      mode: "read" | "write"
    ): Effect.Effect<Uint8Array | undefined, CredentialError> =>
      key !== undefined
        ? Effect.succeed(key)
        : Effect.map(resolveKey(location, mode), (found) => {
            key = found
            return found
          })

    const write = (
      change: (content: StoreContent, now: string) => Either.Either<StoreContent, CredentialError>
    ): Effect.Effect<void, CredentialError> =>
      Effect.scoped(
        Effect.gen(function* () {
          yield* fsEffect("create the directory of", location, () =>
            mkdir(location.directory, { recursive: true, mode: 0o700 })
          )
          yield* acquireFileLock(location.lockFile, options.lock).pipe(
            Effect.mapError((problem) => lockError(location, problem))
          )
          const current = yield* read
          const next = yield* change(current, new Date().toISOString())
          const storeKey = yield* keyFor("write")
          if (storeKey === undefined) return yield* Effect.fail(missingKey(location))
          yield* writeFileAtomic(location.file, encryptStore(next, storeKey)).pipe(
            Effect.mapError((cause) => fsError("write", location, cause))
          )
          const stamp = yield* fileStamp(location.file)
          cache = stamp === undefined ? undefined : { stamp, content: next }
          yield* removeAbandonedTemporaries(location.file)
        })
      ).pipe(writers.withPermits(1))

    const exclusive = <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) =>
      Effect.scoped(
        Effect.gen(function* () {
          yield* fsEffect("create the directory of", location, () =>
            mkdir(location.directory, { recursive: true, mode: 0o700 })
          )
          yield* acquireFileLock(renewalLockFile(location, id), {
            waitMs: 60_000,
            staleMs: 120_000,
            ...options.renewalLock
          }).pipe(Effect.mapError((problem) => lockError(location, problem)))
          return yield* effect
        })
      )

    return {
      file: location.file,
      exclusive,
      list: Effect.map(read, (content) =>
        Object.entries(content.credentials)
          .map(([id, entry]) => ({ id, ...entry }))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      ),
      get: (id) =>
        Effect.map(read, (content) =>
          Option.map(Option.fromNullable(ownEntry(content, id)), (entry) => ({
            id,
            type: entry.type,
            fields: entry.fields,
            origin: "store" as const
          }))
        ),
      put: (id, type, fields) =>
        write((content, now) => {
          const createdAt = ownEntry(content, id)?.createdAt ?? now
          return Either.right(withEntry(content, id, { type, fields, createdAt, updatedAt: now }))
        }),
      update: (id, fields) =>
        write((content, now) => {
          const entry = ownEntry(content, id)
          if (entry === undefined) return Either.left(notInStore(location, id))
          const merged = { ...entry.fields, ...fields }
          return Either.right(withEntry(content, id, { ...entry, fields: merged, updatedAt: now }))
        }),
      remove: (id) =>
        Effect.gen(function* () {
          const present = ownEntry(yield* read, id) !== undefined
          if (!present) return false
          yield* write((content) => {
            const { [id]: _removed, ...rest } = content.credentials
            return Either.right({ ...content, credentials: rest })
          })
          return true
        })
    }
  })

/** The store at the location the environment names (see `storeLocation.ts`). */
export const layerCredentialStore: Layer.Layer<CredentialStore, CredentialError> = Layer.effect(
  CredentialStore,
  Effect.flatMap(storeLocationFromConfig, (location) => makeCredentialStore(location))
)

/** The store as a run's {@link CredentialSource}: lookups and token updates go to the file. */
export const layerStoreCredentialSource: Layer.Layer<CredentialSource, never, CredentialStore> =
  Layer.effect(
    CredentialSource,
    Effect.map(CredentialStore, (store) => ({
      get: store.get,
      update: store.update,
      exclusive: store.exclusive
    }))
  )

// ---------------------------------------------------------------------------------------
// Key

const resolveKey = (
  location: StoreLocation,
  mode: "read" | "write"
): Effect.Effect<Uint8Array | undefined, CredentialError> => {
  if (Option.isSome(location.environmentKey)) {
    return Effect.succeed(Redacted.value(location.environmentKey.value))
  }
  return Effect.gen(function* () {
    const existing = yield* readKeyFile(location)
    if (existing !== undefined || mode === "read") return existing
    const created = yield* fsEffect("create the key file of", location, async () => {
      const text = `${randomBytes(32).toString("base64")}\n`
      const handle = await open(location.keyFile, "wx", 0o600).catch((cause: unknown) => {
        if ((cause as { code?: unknown }).code === "EEXIST") return undefined
        throw cause
      })
      if (handle === undefined) return false
      try {
        await handle.writeFile(text)
        await handle.sync()
      } finally {
        await handle.close()
      }
      return true
    })
    if (created) {
      yield* Effect.logInfo("Created the credential store key file (mode 0600).").pipe(
        Effect.annotateLogs({ keyFile: location.keyFile })
      )
    }
    return yield* readKeyFile(location)
  })
}

const readKeyFile = (
  location: StoreLocation
): Effect.Effect<Uint8Array | undefined, CredentialError> =>
  Effect.gen(function* () {
    const text = yield* fsEffect("read the key file of", location, () =>
      readFile(location.keyFile, "utf8").catch((cause: unknown) => {
        if ((cause as { code?: unknown }).code === "ENOENT") return undefined
        throw cause
      })
    )
    if (text === undefined) return undefined
    const key = parseKey(text)
    if (key === undefined) {
      return yield* Effect.fail(
        storeError(
          `The key file ${location.keyFile} does not hold a 32-byte key. Restore it, or set ` +
            `${keyVariable} to the key the credential store ${location.file} was written with.`
        )
      )
    }
    const info = yield* Effect.promise(() => stat(location.keyFile).catch(() => undefined))
    if (info !== undefined && (info.mode & 0o077) !== 0) {
      yield* Effect.logWarning(
        `The key file ${location.keyFile} can be read by other users; run \`chmod 600\` on it.`
      )
    }
    return key
  })

// ---------------------------------------------------------------------------------------
// Helpers

/** The renewal lock of one credential: named by a hash, so any id makes a safe file name. */
const renewalLockFile = (location: StoreLocation, id: string): string =>
  join(
    location.directory,
    `renew-${createHash("sha256").update(id).digest("hex").slice(0, 16)}.lock`
  )

const ownEntry = (content: StoreContent, id: string): StoreEntry | undefined =>
  Object.hasOwn(content.credentials, id) ? content.credentials[id] : undefined

const withEntry = (content: StoreContent, id: string, entry: StoreEntry): StoreContent => ({
  ...content,
  credentials: { ...content.credentials, [id]: entry }
})

/** Identifies one version of the file: a change rewrites it, so the stamp changes. */
const fileStamp = (file: string): Effect.Effect<string | undefined> =>
  Effect.promise(() =>
    stat(file, { bigint: true })
      .then((info) => `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`)
      .catch(() => undefined)
  )

const fsEffect = <A>(
  action: string,
  location: StoreLocation,
  run: () => Promise<A>
): Effect.Effect<A, CredentialError> =>
  Effect.tryPromise({ try: run, catch: (cause) => fsError(action, location, cause) })

const fsError = (action: string, location: StoreLocation, cause: unknown): CredentialError =>
  storeError(
    `Could not ${action} the credential store ${location.file}: ` +
      `${cause instanceof Error ? cause.message : String(cause)}. Check that the directory ` +
      `exists and is writable by this user.`
  )

const storeError = (message: string, credential = "*"): CredentialError =>
  new CredentialError({ credential, message })

const keySource = (location: StoreLocation): string =>
  Option.isSome(location.environmentKey) ? keyVariable : `the key file ${location.keyFile}`

const unreadable = (location: StoreLocation, problem: StoreFormatProblem): CredentialError => {
  const untouched = "The file was left as it is."
  switch (problem) {
    case "NotAStore":
      return storeError(
        `The file ${location.file} is not a credential store (its header is missing or ` +
          `damaged). ${untouched} Restore it from a backup, or move it away to start a new store.`
      )
    case "NewerVersion":
      return storeError(
        `The credential store ${location.file} was written by a newer version of ` +
          `rpa-integrations. ${untouched} Upgrade to read it.`
      )
    case "CannotDecrypt":
      return storeError(
        `Cannot decrypt the credential store ${location.file}: the key (${keySource(location)}) ` +
          `is not the one it was written with, or the file was changed. ${untouched} Use the ` +
          `right key, or restore the file from a backup.`
      )
    case "BadContent":
      return storeError(
        `The credential store ${location.file} decrypts, but its content is not valid. ` +
          `${untouched} Restore it from a backup.`
      )
  }
}

const missingKey = (location: StoreLocation): CredentialError =>
  storeError(
    `The credential store ${location.file} exists but its key is missing: set ${keyVariable} ` +
      `to the key it was written with, or restore the key file ${location.keyFile}. The file ` +
      `was left as it is.`
  )

const notInStore = (location: StoreLocation, id: string): CredentialError =>
  storeError(
    `Credential '${id}' is no longer in the credential store ${location.file}; add it again ` +
      `with \`rpa-integrations credentials add ${id}\`.`,
    id
  )

const lockError = (location: StoreLocation, problem: LockBusy | LockFailed): CredentialError =>
  problem._tag === "LockBusy"
    ? storeError(
        `The credential store ${location.file} is locked by ${problem.holder}, which is still ` +
          `saving. Try again; if no other rpa-integrations process runs, remove the lock ` +
          `${problem.lockFile} (with \`rm -r\`).`
      )
    : storeError(
        `Could not lock the credential store ${location.file}: ${problem.reason}. Check that ` +
          `its directory is writable by this user.`
      )
