/**
 * Replacing a file atomically: a reader, or a process killed mid-write, sees either the
 * old content or the new one, never a mix.
 *
 * The new content goes to a temporary file in the same directory (mode 0600), is flushed
 * to disk, and is renamed over the target; the directory is flushed after the rename so
 * the rename itself survives a crash.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { open, readdir, rename, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { Effect } from "effect"
import { isProcessRunning } from "./fileLock.js"

/** Writes `bytes` to `file` atomically, with mode 0600. Fails with the file system's error. */
export const writeFileAtomic = (file: string, bytes: Uint8Array): Effect.Effect<void, Error> =>
  Effect.tryPromise({
    try: async () => {
      const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`
      try {
        const handle = await open(temporary, "wx", 0o600)
        try {
          await handle.writeFile(bytes)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temporary, file)
      } catch (cause) {
        await unlink(temporary).catch(() => undefined)
        throw cause
      }
      await syncDirectory(dirname(file))
    },
    catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
  })

/**
 * Removes temporary files left by writers of `file` that were killed mid-write (their
 * process no longer runs). Best effort: problems are ignored.
 */
export const removeAbandonedTemporaries = (file: string): Effect.Effect<void> =>
  Effect.promise(async () => {
    const prefix = `${basename(file)}.`
    const names = await readdir(dirname(file)).catch(() => [] as Array<string>)
    for (const name of names) {
      const match = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length))
      if (!name.startsWith(prefix) || match === null) continue
      const pid = Number(match[1])
      if (pid !== process.pid && !isProcessRunning(pid)) {
        await unlink(join(dirname(file), name)).catch(() => undefined)
      }
    }
  })

const syncDirectory = async (directory: string): Promise<void> => {
  const handle = await open(directory, "r").catch(() => undefined)
  if (handle === undefined) return
  try {
    await handle.sync()
  } catch {
    // Some file systems cannot flush a directory; the rename is still atomic there.
  } finally {
    await handle.close()
  }
}
