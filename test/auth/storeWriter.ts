/**
 * A child process for the store's kill test: saves a credential in a loop, saying on
 * stdout which write it starts and which it finished, until it is killed.
 *
 * Reads the store location and key from `RPA_INTEGRATIONS_HOME` and `RPA_INTEGRATIONS_KEY`.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { CredentialStore, layerCredentialStore } from "../../src/auth/credentialStore.js"

const program = Effect.gen(function* () {
  const store = yield* CredentialStore
  for (let counter = 1; counter < 1_000_000; counter++) {
    process.stdout.write(`start ${counter}\n`)
    yield* store.put("bot", "oauth2.generic", {
      clientId: "app",
      counter,
      padding: randomBytes(48 * 1024).toString("base64")
    })
    process.stdout.write(`done ${counter}\n`)
  }
})

Effect.runPromise(Effect.provide(program, layerCredentialStore)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
