/**
 * Where the credential store lives and where its key comes from.
 *
 * The directory is `$RPA_INTEGRATIONS_HOME`, else `$XDG_CONFIG_HOME/rpa-integrations`,
 * else `~/.config/rpa-integrations`. The key is `RPA_INTEGRATIONS_KEY` (32 bytes, base64
 * or hex) when it is set, else the key file `store.key` in that directory, created with
 * mode 0600 the first time a credential is saved.
 *
 * @module
 */
import { homedir } from "node:os"
import { join } from "node:path"
import { Config, Effect, Option, Redacted } from "effect"
import { CredentialError } from "./credentialSource.js"

/** The files of a credential store, and the key from the environment when one is set. */
export interface StoreLocation {
  /** Directory that holds the store, its key file and its lock. */
  readonly directory: string
  /** The encrypted store. */
  readonly file: string
  /** The key file, used when no key is set in the environment. */
  readonly keyFile: string
  /** Lock file that serialises writers across processes. */
  readonly lockFile: string
  /** The key from `RPA_INTEGRATIONS_KEY`, when set. */
  readonly environmentKey: Option.Option<Redacted.Redacted<Uint8Array>>
}

/** Name of the environment variable that holds the store key. */
export const keyVariable = "RPA_INTEGRATIONS_KEY"

/** The store location for a directory, with the key from the environment when it is set. */
export const storeLocationIn = (
  directory: string,
  environmentKey: Option.Option<Redacted.Redacted<Uint8Array>> = Option.none()
): StoreLocation => ({
  directory,
  file: join(directory, "credentials.enc"),
  keyFile: join(directory, "store.key"),
  lockFile: join(directory, "credentials.lock"),
  environmentKey
})

/**
 * Reads the store location from the environment (through Effect `Config`, so a test can
 * supply its own). Fails when `RPA_INTEGRATIONS_KEY` is set but is not a 32-byte key.
 */
export const storeLocationFromConfig: Effect.Effect<StoreLocation, CredentialError> = Effect.gen(
  function* () {
    const home = yield* Config.option(Config.string("RPA_INTEGRATIONS_HOME"))
    const xdg = yield* Config.option(Config.string("XDG_CONFIG_HOME"))
    const key = yield* Config.option(Config.redacted(keyVariable))
    const directory = Option.getOrElse(
      Option.orElse(nonEmpty(home), () =>
        Option.map(nonEmpty(xdg), (x) => join(x, "rpa-integrations"))
      ),
      () => join(homedir(), ".config", "rpa-integrations")
    )
    if (Option.isNone(key)) return storeLocationIn(directory)
    const parsed = parseKey(Redacted.value(key.value))
    if (parsed === undefined) return yield* Effect.fail(badEnvironmentKey)
    return storeLocationIn(directory, Option.some(Redacted.make(parsed)))
  }
).pipe(Effect.catchTag("ConfigError", () => Effect.fail(badEnvironmentKey)))

/** Decodes a 32-byte key written as base64, base64url or hex; `undefined` when it is not one. */
export const parseKey = (text: string): Uint8Array | undefined => {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex")
  if (!/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) return undefined
  const bytes = Buffer.from(trimmed, "base64")
  return bytes.length === 32 ? bytes : undefined
}

const nonEmpty = (value: Option.Option<string>): Option.Option<string> =>
  Option.filter(value, (v) => v.trim() !== "")

const badEnvironmentKey = new CredentialError({
  credential: "*",
  message:
    `${keyVariable} is set but is not a 32-byte key. Set it to 32 random bytes in base64 or ` +
    `hex (for example the output of \`openssl rand -base64 32\`), or unset it to use the ` +
    `store's key file.`
})
