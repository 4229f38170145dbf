import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Option, Redacted } from "effect"
import { buildSync } from "esbuild"
import {
  CredentialStore,
  layerCredentialStore,
  makeCredentialStore
} from "../../src/auth/credentialStore.js"
import { decryptStore } from "../../src/auth/storeFormat.js"
import { storeLocationFromConfig, storeLocationIn } from "../../src/auth/storeLocation.js"

const tempDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "rpa-store-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

const keyOf = (bytes: Buffer) => Option.some(Redacted.make(new Uint8Array(bytes)))

const secretFields = {
  clientId: "app",
  clientSecret: "s3cret-value-71f0",
  refreshToken: "rt-0a9b8c7d"
}

describe("credential store", () => {
  it.scopedLive("saves, lists, updates and removes credentials in one encrypted file", () =>
    Effect.gen(function* () {
      const directory = join(yield* tempDirectory, "nested", "home")
      const store = yield* makeCredentialStore(storeLocationIn(directory))
      expect(yield* store.list).toEqual([])
      expect(existsSync(directory)).toBe(false)

      yield* store.put("zeta", "http.bearer", { token: "zeta-token-55" })
      yield* store.put("alpha", "oauth2.generic", secretFields)
      yield* store.update("alpha", { accessToken: "at-1", refreshToken: "rt-2" })

      const listed = yield* store.list
      expect(listed.map((entry) => entry.id)).toEqual(["alpha", "zeta"])
      expect(listed[0]!.fields).toEqual({
        ...secretFields,
        accessToken: "at-1",
        refreshToken: "rt-2"
      })
      const alpha = Option.getOrThrow(yield* store.get("alpha"))
      expect(alpha.origin).toBe("store")
      expect(alpha.type).toBe("oauth2.generic")

      const bytes = readFileSync(store.file)
      for (const secret of ["s3cret-value-71f0", "rt-2", "zeta-token-55", "alpha"]) {
        expect(bytes.includes(secret)).toBe(false)
      }
      expect(statSync(store.file).mode & 0o777).toBe(0o600)
      expect(statSync(join(directory, "store.key")).mode & 0o777).toBe(0o600)
      expect(statSync(directory).mode & 0o777).toBe(0o700)

      expect(yield* store.remove("zeta")).toBe(true)
      expect(yield* store.remove("zeta")).toBe(false)
      expect(Option.isNone(yield* store.get("zeta"))).toBe(true)

      const reopened = yield* makeCredentialStore(storeLocationIn(directory))
      expect((yield* reopened.list).map((entry) => entry.id)).toEqual(["alpha"])
      expect(readdirSync(directory).sort()).toEqual(["credentials.enc", "store.key"])
    })
  )

  it.scopedLive("update fails for a credential that is not stored", () =>
    Effect.gen(function* () {
      const store = yield* makeCredentialStore(storeLocationIn(yield* tempDirectory))
      const error = yield* Effect.flip(store.update("ghost", { accessToken: "x" }))
      expect(error.message).toContain("Credential 'ghost' is no longer in the credential store")
    })
  )

  it.scopedLive("reads its location and key from the environment", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const key = randomBytes(32)
      const config = (entries: Record<string, string>) =>
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

      const fromHome = yield* storeLocationFromConfig.pipe(
        config({ RPA_INTEGRATIONS_HOME: directory, RPA_INTEGRATIONS_KEY: key.toString("base64") })
      )
      expect(fromHome.file).toBe(join(directory, "credentials.enc"))
      const fromEnvironment = Redacted.value(Option.getOrThrow(fromHome.environmentKey))
      expect(Buffer.from(fromEnvironment).equals(key)).toBe(true)

      const fromXdg = yield* storeLocationFromConfig.pipe(config({ XDG_CONFIG_HOME: directory }))
      expect(fromXdg.directory).toBe(join(directory, "rpa-integrations"))
      expect(Option.isNone(fromXdg.environmentKey)).toBe(true)

      const hex = yield* storeLocationFromConfig.pipe(
        config({ RPA_INTEGRATIONS_HOME: directory, RPA_INTEGRATIONS_KEY: key.toString("hex") })
      )
      expect(Option.isSome(hex.environmentKey)).toBe(true)

      const bad = yield* Effect.flip(
        storeLocationFromConfig.pipe(
          config({ RPA_INTEGRATIONS_HOME: directory, RPA_INTEGRATIONS_KEY: "hunter2" })
        )
      )
      expect(bad.message).toContain("RPA_INTEGRATIONS_KEY is set but is not a 32-byte key")
      expect(bad.message).not.toContain("hunter2")

      const store = yield* Effect.provide(
        CredentialStore,
        layerCredentialStore.pipe(
          Layer.provide(
            Layer.setConfigProvider(
              ConfigProvider.fromMap(
                new Map([
                  ["RPA_INTEGRATIONS_HOME", directory],
                  ["RPA_INTEGRATIONS_KEY", key.toString("base64")]
                ])
              )
            )
          )
        )
      )
      yield* store.put("env-keyed", "http.bearer", { token: "t" })
      expect(existsSync(join(directory, "store.key"))).toBe(false)
      expect(Either.isRight(decryptStore(readFileSync(store.file), key))).toBe(true)
    })
  )

  it.scopedLive(
    "a wrong key gives a clear error naming the file, and the file is left as it was",
    () =>
      Effect.gen(function* () {
        const directory = yield* tempDirectory
        const right = randomBytes(32)
        const store = yield* makeCredentialStore(storeLocationIn(directory, keyOf(right)))
        yield* store.put("alpha", "oauth2.generic", secretFields)
        const before = readFileSync(store.file)
        const beforeStat = statSync(store.file)

        const wrong = yield* makeCredentialStore(storeLocationIn(directory, keyOf(randomBytes(32))))
        for (const attempt of [
          wrong.list,
          wrong.get("alpha"),
          wrong.put("beta", "x", {}),
          wrong.update("alpha", { a: 1 }),
          wrong.remove("alpha")
        ]) {
          const error = yield* Effect.flip(attempt)
          expect(error._tag).toBe("CredentialError")
          expect(error.message).toContain(`Cannot decrypt the credential store ${store.file}`)
          expect(error.message).toContain("RPA_INTEGRATIONS_KEY")
          expect(error.message).toContain("left as it is")
        }
        expect(readFileSync(store.file).equals(before)).toBe(true)
        expect(statSync(store.file).mtimeMs).toBe(beforeStat.mtimeMs)
        expect(statSync(store.file).ino).toBe(beforeStat.ino)
      })
  )

  it.scopedLive(
    "a changed byte anywhere in the file is detected, and the file is left as it was",
    () =>
      Effect.gen(function* () {
        const directory = yield* tempDirectory
        const location = storeLocationIn(directory)
        const store = yield* makeCredentialStore(location)
        yield* store.put("alpha", "oauth2.generic", secretFields)
        const original = readFileSync(store.file)

        for (const position of [0, 15, 16, 20, 30, 44, original.length - 1]) {
          const tampered = Buffer.from(original)
          tampered[position] = tampered[position]! ^ 0x01
          writeFileSync(store.file, tampered)
          const fresh = yield* makeCredentialStore(location)
          const read = yield* Effect.flip(fresh.get("alpha"))
          expect(read.message).toContain(store.file)
          expect(read.message).toContain("left as it is")
          const write = yield* Effect.flip(fresh.put("beta", "x", {}))
          expect(write.message).toBe(read.message)
          expect(readFileSync(store.file).equals(tampered)).toBe(true)
        }
        writeFileSync(store.file, original)
        const restored = yield* makeCredentialStore(location)
        expect(Option.isSome(yield* restored.get("alpha"))).toBe(true)
      })
  )

  it.scopedLive("a store whose key file is gone says which key to restore", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const store = yield* makeCredentialStore(storeLocationIn(directory))
      yield* store.put("alpha", "oauth2.generic", secretFields)
      rmSync(join(directory, "store.key"))
      const before = readFileSync(store.file)
      const reopened = yield* makeCredentialStore(storeLocationIn(directory))
      const error = yield* Effect.flip(reopened.put("beta", "x", {}))
      expect(error.message).toContain("exists but its key is missing")
      expect(error.message).toContain(join(directory, "store.key"))
      expect(readFileSync(store.file).equals(before)).toBe(true)
      expect(existsSync(join(directory, "store.key"))).toBe(false)
    })
  )

  it.scopedLive("writers in separate processes keep each other's changes", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const location = storeLocationIn(directory)
      const first = yield* makeCredentialStore(location)
      yield* first.put("shared", "oauth2.generic", { clientId: "app" })
      // Separate store instances share nothing in memory, like separate processes: only the
      // lock file serialises them.
      const writers = yield* Effect.forEach([1, 2, 3, 4], () => makeCredentialStore(location))
      yield* Effect.forEach(
        writers.flatMap((writer, w) =>
          Array.from({ length: 10 }, (_, i) => writer.update("shared", { [`w${w}-${i}`]: i }))
        ),
        (update) => update,
        { concurrency: "unbounded" }
      )
      const fields = Option.getOrThrow(
        yield* (yield* makeCredentialStore(location)).get("shared")
      ).fields
      expect(Object.keys(fields)).toHaveLength(41)
      expect(existsSync(location.lockFile)).toBe(false)
    })
  )

  it.scopedLive("waits a bounded time for a live lock, and takes over an abandoned one", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const location = storeLocationIn(directory)
      const store = yield* makeCredentialStore(location, { lock: { waitMs: 150 } })
      yield* store.put("alpha", "x", {})

      writeFileSync(location.lockFile, `${hostname()}\n${process.pid}\n${Date.now()}\n`)
      const busy = yield* Effect.flip(store.put("beta", "x", {}))
      expect(busy.message).toContain(`locked by process ${process.pid}`)
      expect(busy.message).toContain(location.lockFile)

      writeFileSync(location.lockFile, `${hostname()}\n${deadPid()}\n${Date.now()}\n`)
      yield* store.put("beta", "x", {})
      expect((yield* store.list).map((entry) => entry.id)).toEqual(["alpha", "beta"])
      expect(existsSync(location.lockFile)).toBe(false)
    })
  )

  it.live(
    "a writer killed while saving leaves the old file or the new one, never a broken one",
    () =>
      Effect.gen(function* () {
        const directory = mkdtempSync(join(tmpdir(), "rpa-store-"))
        const key = randomBytes(32)
        const script = bundleWriter(directory)
        try {
          for (let round = 0; round < 5; round++) {
            const { started, finished } = yield* Effect.promise(() =>
              runAndKill(script, directory, key, 2 + round * 2)
            )
            const bytes = readFileSync(join(directory, "credentials.enc"))
            const content = decryptStore(bytes, key)
            expect(Either.isRight(content)).toBe(true)
            const counter = Either.getOrThrow(content).credentials.bot?.fields.counter
            expect([finished, started]).toContain(counter)
          }
          const store = yield* makeCredentialStore(storeLocationIn(directory, keyOf(key)))
          yield* store.put("after", "x", {})
          rmSync(script)
          expect(readdirSync(directory).sort()).toEqual(["credentials.enc"])
        } finally {
          rmSync(directory, { recursive: true, force: true })
        }
      })
  )
})

/** A process id that is not running. */
const deadPid = (): number => {
  for (let pid = 4_000_000; pid > 1000; pid -= 7919) {
    try {
      process.kill(pid, 0)
    } catch (cause) {
      if ((cause as { code?: string }).code === "ESRCH") return pid
    }
  }
  return 999_999
}

/** Bundles the writer once into plain JavaScript, so each child starts quickly. */
const bundleWriter = (directory: string): string => {
  const outfile = join(directory, "writer.mjs")
  buildSync({
    entryPoints: [fileURLToPath(new URL("./storeWriter.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent"
  })
  return outfile
}

/** Starts the writer, kills it with SIGKILL once it finished `writes` saves. */
const runAndKill = (
  script: string,
  directory: string,
  key: Buffer,
  writes: number
): Promise<{ readonly started: number; readonly finished: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        RPA_INTEGRATIONS_HOME: directory,
        RPA_INTEGRATIONS_KEY: key.toString("base64")
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let started = 0
    let finished = 0
    let buffered = ""
    let errors = ""
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString()
    })
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split("\n")
      buffered = lines.pop() ?? ""
      for (const line of lines) {
        const [what, count] = line.split(" ")
        if (what === "start") started = Number(count)
        if (what === "done") finished = Number(count)
      }
      // Kill at a varying moment inside the next write.
      if (finished >= writes && !child.killed) {
        setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 4))
      }
    })
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve({ started, finished })
      else reject(new Error(`the writer exited on its own: ${errors}`))
    })
  })
