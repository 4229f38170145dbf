/**
 * The `credentials` command group, run in process with a terminal that records what it
 * prints, a scripted keyboard for the prompts, a store in a temporary directory, and a
 * real authorization server (oidc-provider) with headless Chromium for `login`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Command } from "@effect/cli"
import * as PlatformTerminal from "@effect/platform/Terminal"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Mailbox, Option, Schema } from "effect"
import { bearer } from "../../nodes/http/credentials.js"
import { oauth2Generic } from "../../src/auth/presets/generic.js"
import { credentialsCommand } from "../../src/cli/credentials.js"
import type { Terminal } from "../../src/cli/terminal.js"
import { defineCredentialType } from "../../src/node/credentialType.js"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { makeRegistry } from "../../src/node/registry.js"
import { Secret } from "../../src/node/secret.js"
import { makeSecretRegistry } from "../../src/runtime/secrets.js"
import { consentInBrowser, launchBrowser, type TestBrowser } from "../support/browser.js"
import { type OidcServer, startOidcServer } from "../support/oidcProvider.js"

/** A credential type with a plain, a secret and an optional number field. */
const database = defineCredentialType({
  type: "demo.database",
  title: "Database login",
  description: "A user name and password for the demo database.",
  fields: Schema.Struct({
    user: Schema.String.annotations({ title: "User" }),
    password: Secret.annotations({ title: "Password" }),
    port: Schema.optional(Schema.Number.annotations({ title: "Port" }))
  }),
  authenticate: (credential) =>
    Effect.succeed({
      credentialId: credential.id,
      credentialType: "demo.database",
      authorize: Effect.succeed({}),
      secretNames: []
    })
})

const registry = Either.getOrThrow(
  makeRegistry([
    defineIntegration({
      name: "demo",
      title: "Demo",
      description: "Credential types for the command tests.",
      icon: "",
      credentialTypes: [oauth2Generic, bearer, database],
      nodes: [],
      layer: () => Layer.empty as never
    })
  ])
)

let home: string
let server: OidcServer
let browser: TestBrowser

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "rpa-cli-"))
  process.env.RPA_INTEGRATIONS_HOME = home
  delete process.env.RPA_INTEGRATIONS_KEY
  delete process.env.DISPLAY
  delete process.env.WAYLAND_DISPLAY
  ;[server, browser] = await Promise.all([startOidcServer(), launchBrowser()])
})

afterAll(async () => {
  await Promise.all([server?.close(), browser?.close()])
  rmSync(home, { recursive: true, force: true })
})

interface CommandRun {
  readonly code: number
  readonly out: string
  readonly err: string
  /** Everything the prompts drew on the terminal. */
  readonly screen: string
}

/**
 * Runs `credentials ...args`. With `keys`, the terminal is interactive and each prompt
 * gets the next line typed on the keyboard.
 */
const run = (
  args: ReadonlyArray<string>,
  keys?: ReadonlyArray<string>,
  watch?: (err: Array<string>) => void
) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const screen: Array<string> = []
    const terminal: Terminal = {
      out: (text) => out.push(text),
      err: (text) => {
        err.push(text)
        watch?.(err)
      },
      status: () => undefined,
      interactive: false
    }
    const cli = Command.run(
      Command.make("rpa-integrations").pipe(
        Command.withSubcommands([
          credentialsCommand(terminal, makeSecretRegistry(), { registry: Effect.succeed(registry) })
        ])
      ),
      { name: "rpa-integrations", version: "0.0.0" }
    )
    process.exitCode = undefined
    yield* cli(["node", "rpa-integrations", "credentials", ...args]).pipe(
      Effect.provide(Layer.merge(NodeContext.layer, keyboard(keys, screen)))
    )
    const code = Number(process.exitCode ?? 0)
    process.exitCode = undefined
    return {
      code,
      out: out.join("\n"),
      err: err.join("\n"),
      screen: screen.join("")
    } satisfies CommandRun
  })

/** A terminal whose keyboard types the given lines, one per prompt; not a TTY without them. */
const keyboard = (lines: ReadonlyArray<string> | undefined, screen: Array<string>) =>
  Layer.effect(
    PlatformTerminal.Terminal,
    Effect.gen(function* () {
      const typed = yield* Mailbox.make<PlatformTerminal.UserInput>()
      const key = (name: string, input?: string): PlatformTerminal.UserInput => ({
        input: Option.fromNullable(input),
        key: { name, ctrl: false, meta: false, shift: false }
      })
      for (const line of lines ?? []) {
        yield* typed.offerAll([...line].map((c) => key(c, c)))
        yield* typed.offer(key("enter"))
      }
      return PlatformTerminal.Terminal.of({
        columns: Effect.succeed(100),
        rows: Effect.succeed(40),
        isTTY: Effect.succeed(lines !== undefined),
        readInput: Effect.succeed(typed),
        readLine: Effect.succeed(""),
        display: (text) => Effect.sync(() => void screen.push(text))
      })
    })
  )

describe("credentials command", () => {
  it.live("adds from --field and env:, lists without values, and removes", () =>
    Effect.gen(function* () {
      process.env.DEMO_TOKEN = "bearer-from-env-8d7c"
      const added = yield* run([
        "add",
        "crm",
        "--type",
        "http.bearer",
        "--field",
        "token=env:DEMO_TOKEN"
      ])
      expect(added.code).toBe(0)
      expect(added.out).toContain(`Saved credential "crm" (http.bearer)`)

      const missing = yield* run([
        "add",
        "bad",
        "--type",
        "http.bearer",
        "--field",
        "token=env:NOT_SET_ANYWHERE"
      ])
      expect(missing.code).toBe(2)
      expect(missing.err).toContain("the environment variable NOT_SET_ANYWHERE is not set")

      const invalid = yield* run([
        "add",
        "bad",
        "--type",
        "demo.database",
        "--field",
        "user=ada",
        "--field",
        "port=x"
      ])
      expect(invalid.code).toBe(2)
      expect(invalid.err).toContain('Field "port" must be a number')

      const unknown = yield* run(["add", "bad", "--type", "http.baerer"])
      expect(unknown.code).toBe(2)
      expect(unknown.err).toContain('Did you mean "http.bearer"?')

      const listed = yield* run(["list"])
      expect(listed.out).toMatch(/crm\s+http\.bearer\s+store\s+ready/)
      expect(listed.out).not.toContain("bearer-from-env-8d7c")
      const json = JSON.parse((yield* run(["list", "--json"])).out)
      expect(json).toEqual([
        {
          id: "crm",
          type: "http.bearer",
          origin: "store",
          updatedAt: expect.any(String),
          ready: true,
          status: "ready"
        }
      ])

      const removed = yield* run(["remove", "crm"])
      expect(removed.code).toBe(0)
      expect((yield* run(["remove", "crm"])).code).toBe(2)
    })
  )

  it.live("asks for missing fields in a terminal, and never shows a secret as it is typed", () =>
    Effect.gen(function* () {
      const added = yield* run(
        ["add", "db", "--type", "demo.database"],
        ["ada", "typed-secret-5e4f", "5432"]
      )
      expect(added.code).toBe(0)
      expect(added.screen).toContain("User")
      expect(added.screen).toContain("password")
      expect(added.screen).toContain("Port (optional, Enter to skip)")
      expect(added.screen).toContain("ada")
      expect(added.screen).not.toContain("typed-secret-5e4f")
      const listed = yield* run(["list"])
      expect(listed.out).toMatch(/db\s+demo\.database\s+store\s+ready/)
      expect(listed.out + listed.err).not.toContain("typed-secret-5e4f")
    })
  )

  it.live("logs in through the browser, tests the credential, and revokes it on remove", () =>
    Effect.gen(function* () {
      const fields = [
        "clientId=native-app",
        `issuer=${server.issuer}`,
        "insecureLoopbackIssuer=true",
        "scopes=openid api:read"
      ].flatMap((field) => ["--field", field])
      const added = yield* run(["add", "ops", "--type", "oauth2.generic", ...fields])
      expect(added.out).toContain(
        "Connect the account with: rpa-integrations credentials login ops [--device]"
      )
      expect((yield* run(["list"])).out).toContain("not connected: run `credentials login ops`")

      let page: Promise<string> | undefined
      const login = yield* run(["login", "ops"], undefined, (err) => {
        const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(err.join("\n"))?.[1]
        if (url !== undefined && page === undefined) page = consentInBrowser(browser.context, url)
      })
      expect(login.code).toBe(0)
      expect(login.err).toContain("Open this address in a browser to sign in:")
      expect(login.out).toContain('Connected credential "ops" (scopes: openid api:read)')
      expect(yield* Effect.promise(() => page!)).toContain("The account is connected")
      expect((yield* run(["list"])).out).toMatch(/ops\s+oauth2\.generic\s+store\s+connected/)

      const tested = yield* run(["test", "ops"])
      expect(tested.code).toBe(0)
      expect(tested.out).toContain("Passed as ada: checked GET")

      const before = server.revocations()
      const removed = yield* run(["remove", "ops"])
      expect(removed.err).toContain("Revoked the grant at the provider.")
      expect(server.revocations()).toBe(before + 1)

      const everything = [added, login, tested, removed].map((r) => r.out + r.err).join("\n")
      expect(server.secrets().filter((secret) => everything.includes(secret))).toEqual([])
    })
  )

  it.live("login refuses a credential that needs no sign-in", () =>
    Effect.gen(function* () {
      yield* run(["add", "plain", "--type", "http.bearer", "--field", "token=abcdef"])
      const login = yield* run(["login", "plain"])
      expect(login.code).toBe(2)
      expect(login.err).toContain("is not an OAuth2 credential; it needs no sign-in")
      const missing = yield* run(["login", "ghost"])
      expect(missing.code).toBe(2)
      expect(missing.err).toContain('No credential "ghost" in the store')
    })
  )
})
