/**
 * A lock file that serialises writers of one file across processes.
 *
 * The lock is a file created with `O_CREAT | O_EXCL` that names its holder (host, process
 * id, time). A waiting process checks every few milliseconds, up to a bounded wait. A lock
 * whose holder is gone (a process on this host that no longer runs) or that is older than
 * the stale age (a holder on another host, or one that hung) is removed and taken over.
 *
 * @module
 */
import { open, readFile, stat, unlink } from "node:fs/promises"
import { hostname } from "node:os"
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

/** The lock file could not be created or read (permissions, missing directory). */
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
  Effect.acquireRelease(takeLock(lockFile, options), () =>
    Effect.promise(() => unlink(lockFile).catch(() => undefined))
  )

const pollMs = 15

const takeLock = (lockFile: string, options: FileLockOptions) =>
  Effect.gen(function* () {
    const waitMs = options.waitMs ?? 10_000
    const staleMs = options.staleMs ?? 30_000
    const deadline = (yield* Clock.currentTimeMillis) + waitMs
    const attempts = Math.ceil(waitMs / pollMs) + 2
    for (let attempt = 0; attempt < attempts; attempt++) {
      const taken = yield* tryCreate(lockFile)
      if (taken) return
      const holder = yield* readHolder(lockFile)
      if (holder !== undefined && isAbandoned(holder, staleMs)) {
        yield* Effect.logDebug("removing an abandoned credential store lock").pipe(
          Effect.annotateLogs({ lockFile, holder: holder.label })
        )
        yield* Effect.promise(() => unlink(lockFile).catch(() => undefined))
        continue
      }
      if ((yield* Clock.currentTimeMillis) >= deadline) {
        return yield* Effect.fail<LockBusy>({
          _tag: "LockBusy",
          lockFile,
          holder: holder?.label ?? "another process"
        })
      }
      yield* Effect.sleep(Duration.millis(pollMs))
    }
    return yield* Effect.fail<LockBusy>({ _tag: "LockBusy", lockFile, holder: "another process" })
  })

const tryCreate = (lockFile: string): Effect.Effect<boolean, LockFailed> =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(lockFile, "wx", 0o600)
      try {
        await handle.writeFile(`${hostname()}\n${process.pid}\n${Date.now()}\n`)
      } finally {
        await handle.close()
      }
      return true
    },
    catch: (cause) => cause
  }).pipe(
    Effect.catchAll((cause) =>
      errorCode(cause) === "EEXIST"
        ? Effect.succeed(false)
        : Effect.fail<LockFailed>({ _tag: "LockFailed", lockFile, reason: describe(cause) })
    )
  )

interface Holder {
  readonly host: string
  readonly pid: number
  /** When the lock was taken, from the file's modification time. */
  readonly takenAt: number
  readonly label: string
}

const readHolder = (lockFile: string): Effect.Effect<Holder | undefined> =>
  Effect.promise(async () => {
    try {
      const [text, info] = await Promise.all([readFile(lockFile, "utf8"), stat(lockFile)])
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
