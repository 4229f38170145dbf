/**
 * A lock that serialises writers of one file across processes.
 *
 * The lock is a directory holding one file that names its holder (host, process id) and
 * whose own name carries a random token of that holder. A process takes the lock by
 * building such a directory under a temporary name and renaming it to the lock's name: the
 * rename fails while another lock is there, so no two processes take it at the same time.
 *
 * A waiting process checks every few milliseconds, up to a bounded wait. A lock whose holder
 * is gone (a process on this host that no longer runs) or that is older than the stale age
 * (a holder on another host, or one that hung) is abandoned. It is removed by deleting that
 * holder's file, by its token, and then the directory, which the file system refuses while
 * it holds a file: when another waiter took the lock over in between, the new lock has
 * another holder file and stays. A holder releases its lock the same way, so a holder whose
 * lock was taken over cannot remove its successor's lock either.
 *
 * A lock file of the earlier format (a plain file naming its holder) is still recognised,
 * and removed once it is abandoned.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises"
import { hostname } from "node:os"
import { basename, dirname, join } from "node:path"
import type { Scope } from "effect"
import { Clock, Duration, Effect } from "effect"

/** How long to wait for a lock, and when a lock counts as abandoned. */
export interface FileLockOptions {
  /** Longest wait for another process to release the lock. Default 10 seconds. */
  readonly waitMs?: number
  /** A lock older than this is abandoned, whoever holds it. Default 30 seconds. */
  readonly staleMs?: number
}

/** The lock could not be taken in time; says who holds it. */
export interface LockBusy {
  readonly _tag: "LockBusy"
  readonly lockFile: string
  readonly holder: string
}

/** The lock could not be created or read (permissions, missing directory). */
export interface LockFailed {
  readonly _tag: "LockFailed"
  readonly lockFile: string
  readonly reason: string
}

/**
 * Takes the lock for the scope: resolves once this process holds it and releases it when
 * the scope closes. Fails with {@link LockBusy} after the bounded wait.
 */
export const acquireFileLock = (
  lockFile: string,
  options: FileLockOptions = {}
): Effect.Effect<void, LockBusy | LockFailed, Scope.Scope> =>
  Effect.asVoid(Effect.acquireRelease(takeLock(lockFile, options), releaseLock))

/** A lock this process took: the holder file that makes it ours. */
interface HeldLock {
  readonly lockFile: string
  readonly holderFile: string
}

const pollMs = 15
const holderPrefix = "holder-"

const takeLock = (lockFile: string, options: FileLockOptions) =>
  Effect.gen(function* () {
    const waitMs = options.waitMs ?? 10_000
    const staleMs = options.staleMs ?? 30_000
    const deadline = (yield* Clock.currentTimeMillis) + waitMs
    const token = randomBytes(12).toString("hex")
    // Each attempt either takes the lock, clears an abandoned one, or waits one poll.
    const attempts = 2 * (Math.ceil(waitMs / pollMs) + 2)
    let holder = "another process"
    for (let attempt = 0; attempt < attempts; attempt++) {
      const held = yield* tryTake(lockFile, token)
      if (held !== undefined) {
        yield* removeAbandonedStaging(lockFile)
        return held
      }
      const found = yield* inspect(lockFile, staleMs)
      if (found._tag === "Cleared") continue
      holder = found.holder
      if ((yield* Clock.currentTimeMillis) >= deadline) break
      yield* Effect.sleep(Duration.millis(pollMs))
    }
    return yield* Effect.fail<LockBusy>({ _tag: "LockBusy", lockFile, holder })
  })

/**
 * Builds a lock directory under a temporary name and renames it to the lock's name. The
 * rename fails when a lock is there (a directory that holds its holder's file, or a lock
 * file of the earlier format): then `undefined`.
 */
const tryTake = (
  lockFile: string,
  token: string
): Effect.Effect<HeldLock | undefined, LockFailed> =>
  Effect.tryPromise({
    try: async () => {
      const staging = `${lockFile}.${process.pid}.${token}.tmp`
      const holderName = `${holderPrefix}${token}`
      try {
        await mkdir(staging, { mode: 0o700 })
        const handle = await open(join(staging, holderName), "wx", 0o600)
        try {
          await handle.writeFile(`${hostname()}\n${process.pid}\n${new Date().toISOString()}\n`)
        } finally {
          await handle.close()
        }
      } catch (cause) {
        await rm(staging, { recursive: true, force: true }).catch(() => undefined)
        throw cause
      }
      try {
        await rename(staging, lockFile)
        return { lockFile, holderFile: join(lockFile, holderName) }
      } catch (cause) {
        await rm(staging, { recursive: true, force: true }).catch(() => undefined)
        if (await isTaken(lockFile, cause)) return undefined
        throw cause
      }
    },
    catch: (cause): LockFailed => ({ _tag: "LockFailed", lockFile, reason: describe(cause) })
  })

/** Whether a failed rename means that a lock is in the way (not a file system problem). */
const isTaken = async (lockFile: string, cause: unknown): Promise<boolean> => {
  const code = errorCode(cause)
  if (code === "EEXIST" || code === "ENOTEMPTY" || code === "ENOTDIR") return true
  // Windows refuses to rename over an existing directory with EPERM or EACCES.
  if (code === "EPERM" || code === "EACCES") {
    return stat(lockFile).then(
      () => true,
      () => false
    )
  }
  return false
}

/** What a waiter found at the lock: a live holder to wait for, or nothing left in the way. */
type Inspection = { readonly _tag: "Held"; readonly holder: string } | { readonly _tag: "Cleared" }

/**
 * Looks at the lock in the way. When it is gone, empty (a release or takeover cut short) or
 * abandoned, removes it (only that lock) and says to try again at once.
 */
const inspect = (lockFile: string, staleMs: number): Effect.Effect<Inspection> =>
  Effect.gen(function* () {
    const names = yield* Effect.promise(() =>
      readdir(lockFile).then(
        (found): ReadonlyArray<string> | string => found,
        (cause: unknown) => errorCode(cause) ?? "unreadable"
      )
    )
    if (names === "ENOENT") return { _tag: "Cleared" } as const
    if (names === "ENOTDIR") return yield* inspectEarlierFormat(lockFile, staleMs)
    if (typeof names === "string") return { _tag: "Held", holder: "an unknown process" } as const

    const holderName = names.find((name) => name.startsWith(holderPrefix))
    if (holderName === undefined) {
      // No holder: a release or takeover was cut short. `rmdir` leaves a directory that
      // holds anything, such as a lock another process has just renamed into place.
      const removed = yield* removeDirectory(lockFile)
      return removed ? { _tag: "Cleared" } : { _tag: "Held", holder: "an unknown process" }
    }
    const holderFile = join(lockFile, holderName)
    const holder = yield* readHolder(holderFile)
    if (holder === undefined) return { _tag: "Cleared" } as const
    if (!isAbandoned(holder, staleMs)) return { _tag: "Held", holder: holder.label } as const

    yield* Effect.logDebug("removing an abandoned lock").pipe(
      Effect.annotateLogs({ lockFile, holder: holder.label })
    )
    // Only this holder's file goes; the directory goes only when nothing else is in it.
    const unlinked = yield* removeFile(holderFile, ["ENOENT"])
    if (!unlinked) return { _tag: "Held", holder: holder.label } as const
    yield* removeDirectory(lockFile)
    return { _tag: "Cleared" } as const
  })

/** A lock file of the earlier format: `unlink` cannot remove a lock directory by mistake. */
const inspectEarlierFormat = (lockFile: string, staleMs: number): Effect.Effect<Inspection> =>
  Effect.gen(function* () {
    const holder = yield* readHolder(lockFile)
    if (holder === undefined) return { _tag: "Cleared" } as const
    if (!isAbandoned(holder, staleMs)) return { _tag: "Held", holder: holder.label } as const
    yield* Effect.logDebug("removing an abandoned lock").pipe(
      Effect.annotateLogs({ lockFile, holder: holder.label })
    )
    // When a lock directory took its place, `unlink` fails (EISDIR, or EPERM on macOS).
    const unlinked = yield* removeFile(lockFile, ["ENOENT", "EISDIR", "EPERM"])
    return unlinked ? ({ _tag: "Cleared" } as const) : { _tag: "Held", holder: holder.label }
  })

/** Removes a file; true when it is gone or one of the `settled` errors says it need not be. */
const removeFile = (file: string, settled: ReadonlyArray<string>): Effect.Effect<boolean> =>
  Effect.promise(() =>
    unlink(file).then(
      () => true,
      (cause: unknown) => settled.includes(errorCode(cause) ?? "")
    )
  )

/** Removes the lock directory if it is empty; true when it is gone. */
const removeDirectory = (lockFile: string): Effect.Effect<boolean> =>
  Effect.promise(() =>
    rmdir(lockFile).then(
      () => true,
      (cause: unknown) => errorCode(cause) === "ENOENT"
    )
  )

/**
 * Releases a lock this process holds: removes its holder file, then the directory. When the
 * holder file is gone, another process judged the lock abandoned and took it over; its lock
 * is left alone.
 */
const releaseLock = (held: HeldLock): Effect.Effect<void> =>
  Effect.gen(function* () {
    const outcome = yield* Effect.promise(() =>
      unlink(held.holderFile).then(
        () => "released" as const,
        (cause: unknown) => (errorCode(cause) === "ENOENT" ? "taken over" : describe(cause))
      )
    )
    if (outcome === "released") {
      yield* removeDirectory(held.lockFile)
      return
    }
    yield* Effect.logWarning(
      outcome === "taken over"
        ? "The lock was taken over while this process held it, by another that judged it " +
            "abandoned; it was left to that process."
        : `Could not release the lock: ${outcome}. Other processes take it over once it is stale.`
    ).pipe(Effect.annotateLogs({ lockFile: held.lockFile }))
  })

interface Holder {
  readonly host: string
  readonly pid: number
  /** When the lock was taken, from the file's modification time. */
  readonly takenAt: number
  readonly label: string
}

const readHolder = (file: string): Effect.Effect<Holder | undefined> =>
  Effect.promise(async () => {
    try {
      const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)])
      const [host = "", pid = ""] = text.split("\n")
      return {
        host,
        pid: Number(pid),
        takenAt: info.mtimeMs,
        label: `process ${pid} on ${host}`
      }
    } catch {
      return undefined
    }
  })

const isAbandoned = (holder: Holder, staleMs: number): boolean => {
  if (Date.now() - holder.takenAt > staleMs) return true
  if (holder.host !== hostname() || !Number.isSafeInteger(holder.pid) || holder.pid <= 0) {
    return false
  }
  return !isProcessRunning(holder.pid)
}

/**
 * Removes the temporary directories of processes that were killed while taking the lock
 * (their process no longer runs). Best effort: problems are ignored.
 */
const removeAbandonedStaging = (lockFile: string): Effect.Effect<void> =>
  Effect.promise(async () => {
    const prefix = `${basename(lockFile)}.`
    const names = await readdir(dirname(lockFile)).catch(() => [] as Array<string>)
    for (const name of names) {
      const match = /^(\d+)\.[0-9a-f]{24}\.tmp$/.exec(name.slice(prefix.length))
      if (!name.startsWith(prefix) || match === null) continue
      const pid = Number(match[1])
      if (pid !== process.pid && !isProcessRunning(pid)) {
        await rm(join(dirname(lockFile), name), { recursive: true, force: true }).catch(
          () => undefined
        )
      }
    }
  })

/** Whether a process with this id runs on this host (one we may not signal counts). */
export const isProcessRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return errorCode(cause) === "EPERM"
  }
}

const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause
    ? String((cause as { code: unknown }).code)
    : undefined

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)
