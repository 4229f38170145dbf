/**
 * A child process for the lock tests: takes the lock named on its command line, says
 * "held" on stdout, and keeps it until it is killed.
 *
 * @module
 */
import { Effect } from "effect"
import { acquireFileLock } from "../../src/auth/fileLock.js"

const lockFile = process.argv[2] ?? "store.lock"

const program = Effect.scoped(
  Effect.gen(function* () {
    yield* acquireFileLock(lockFile)
    process.stdout.write("held\n")
    yield* Effect.never
  })
)

Effect.runPromise(program).catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify(error)}\n`)
  process.exit(1)
})
