import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { buildSync } from "esbuild"
import { vi } from "vitest"
import { acquireFileLock } from "../../src/auth/fileLock.js"

/**
 * Holds back the next removal of a file at or inside a lock, so a test can let another
 * process act between a waiter's judgement that the lock is abandoned and its removal.
 */
const removals = vi.hoisted(() => ({
  held: undefined as
    | { readonly lockFile: string; readonly reached: () => void; readonly proceed: Promise<void> }
    | undefined
}))

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>()
  return {
    ...actual,
    unlink: async (path: string) => {
      const held = removals.held
      if (held !== undefined && (path === held.lockFile || path.startsWith(held.lockFile + sep))) {
        removals.held = undefined
        held.reached()
        await held.proceed
      }
      return actual.unlink(path)
    }
  }
})

const holdNextRemoval = (lockFile: string) => {
  let reached = () => {}
  let proceed = () => {}
  const wasReached = new Promise<void>((resolve) => {
    reached = resolve
  })
  removals.held = {
    lockFile,
    reached,
    proceed: new Promise<void>((resolve) => {
      proceed = resolve
    })
  }
  return { reached: wasReached, proceed }
}

const tempDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "rpa-lock-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

/** Makes a lock look taken an hour ago, as if its holder hung (the lock and all it holds). */
const ageLock = (path: string): void => {
  const hourAgo = new Date(Date.now() - 3_600_000)
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) ageLock(join(path, name))
  }
  utimesSync(path, hourAgo, hourAgo)
}

/** Takes the lock in a scope of its own that stays open until it is closed by hand. */
const holdLock = (lockFile: string, options?: Parameters<typeof acquireFileLock>[1]) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* Scope.extend(acquireFileLock(lockFile, options), scope)
    return scope
  })

describe("file lock", () => {
  it.scopedLive("processes racing to take over an abandoned lock never hold it together", () =>
    Effect.gen(function* () {
      const lockFile = join(yield* tempDirectory, "store.lock")
      const contenders = 8
      for (let round = 0; round < 10; round++) {
        // A holder that hung long ago: its lock is abandoned, and it never releases it.
        yield* holdLock(lockFile)
        ageLock(lockFile)

        let inside = 0
        let most = 0
        let entered = 0
        yield* Effect.forEach(
          Array.from({ length: contenders }, (_, i) => i),
          () =>
            Effect.scoped(
              Effect.gen(function* () {
                yield* acquireFileLock(lockFile, { waitMs: 20_000, staleMs: 60_000 })
                inside++
                entered++
                most = Math.max(most, inside)
                // Stay inside for a few turns of the event loop, as a store write does.
                for (let turn = 0; turn < 5; turn++) {
                  yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
                }
                inside--
              })
            ),
          { concurrency: "unbounded" }
        )
        expect(entered).toBe(contenders)
        expect(most).toBe(1)
        expect(existsSync(lockFile)).toBe(false)
      }
    })
  )

  it.scopedLive("a waiter does not remove a lock that another took over after it looked", () =>
    Effect.gen(function* () {
      const lockFile = join(yield* tempDirectory, "store.lock")
      yield* holdLock(lockFile)
      ageLock(lockFile)

      // A late waiter judges the lock abandoned and is about to remove it...
      const removal = holdNextRemoval(lockFile)
      const late = yield* Effect.fork(
        acquireFileLock(lockFile, { waitMs: 0, staleMs: 60_000 }).pipe(
          Effect.as("took the lock"),
          Effect.scoped,
          Effect.catchAll((problem) => Effect.succeed(problem._tag))
        )
      )
      yield* Effect.promise(() => removal.reached)
      // ...when another waiter removes it first and takes the lock.
      const first = yield* holdLock(lockFile, { staleMs: 60_000 })
      removal.proceed()

      expect(yield* Fiber.join(late)).toBe("LockBusy")
      const again = yield* Effect.flip(Effect.scoped(acquireFileLock(lockFile, { waitMs: 0 })))
      expect(again._tag).toBe("LockBusy")
      yield* Scope.close(first, Exit.void)
      expect(existsSync(lockFile)).toBe(false)
    })
  )

  it.scopedLive("a holder whose lock was taken over does not remove its successor's lock", () =>
    Effect.gen(function* () {
      const lockFile = join(yield* tempDirectory, "store.lock")
      const hung = yield* holdLock(lockFile)
      ageLock(lockFile)
      const successor = yield* holdLock(lockFile, { staleMs: 60_000 })

      // The hung holder wakes up and releases what it believes is its lock.
      yield* Scope.close(hung, Exit.void)
      const busy = yield* Effect.flip(Effect.scoped(acquireFileLock(lockFile, { waitMs: 0 })))
      expect(busy._tag).toBe("LockBusy")
      expect(busy).toMatchObject({ lockFile, holder: expect.stringContaining(`${process.pid}`) })

      yield* Scope.close(successor, Exit.void)
      expect(existsSync(lockFile)).toBe(false)
      yield* Effect.scoped(acquireFileLock(lockFile, { waitMs: 0 }))
    })
  )

  it.scopedLive("a live holder keeps the lock, and a waiter says who holds it after its wait", () =>
    Effect.gen(function* () {
      const lockFile = join(yield* tempDirectory, "store.lock")
      const holder = yield* holdLock(lockFile)
      const busy = yield* Effect.flip(Effect.scoped(acquireFileLock(lockFile, { waitMs: 50 })))
      expect(busy).toMatchObject({ _tag: "LockBusy", lockFile })
      expect(busy._tag === "LockBusy" && busy.holder).toContain(`process ${process.pid} on `)
      yield* Scope.close(holder, Exit.void)
      yield* Effect.scoped(acquireFileLock(lockFile, { waitMs: 0 }))
    })
  )

  it.scopedLive("a lock left by a killed process is taken over without waiting to go stale", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const lockFile = join(directory, "store.lock")
      const script = join(directory, "holder.mjs")
      buildSync({
        entryPoints: [fileURLToPath(new URL("./lockHolder.ts", import.meta.url))],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: script,
        logLevel: "silent"
      })
      yield* Effect.promise(() => holdInChildAndKill(script, lockFile))
      expect(existsSync(lockFile)).toBe(true)

      yield* Effect.scoped(acquireFileLock(lockFile, { waitMs: 10_000, staleMs: 3_600_000 }))
      rmSync(script)
      expect(readdirSync(directory)).toEqual([])
    })
  )

  it.scopedLive("a lock in a missing directory fails with the reason", () =>
    Effect.gen(function* () {
      const lockFile = join(yield* tempDirectory, "missing", "store.lock")
      const failed = yield* Effect.flip(Effect.scoped(acquireFileLock(lockFile)))
      expect(failed).toMatchObject({ _tag: "LockFailed", lockFile })
      expect(failed._tag === "LockFailed" && failed.reason).toContain("ENOENT")
    })
  )
})

/** Runs the holder script until it says it holds the lock, then kills it with SIGKILL. */
const holdInChildAndKill = (script: string, lockFile: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, lockFile], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let errors = ""
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString()
    })
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("held")) child.kill("SIGKILL")
    })
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve()
      else reject(new Error(`the lock holder exited on its own: ${errors}`))
    })
  })
