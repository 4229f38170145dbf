/**
 * `credentials login <id> --flow <file>`: the Google account is asked for the scopes the
 * flow's steps with that credential need, as the fewest scopes not granted yet, and a
 * later flow asks only for what is new (incremental consent). Run in process against a
 * fake of Google's OAuth endpoints, with a user agent that approves in place of a browser.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { integration as gmail } from "../../nodes/gmail/index.js"
import { googleOAuth2, googleServiceAccount } from "../../nodes/google/credentials.js"
import { integration as drive } from "../../nodes/googleDrive/index.js"
import { integration as sheets } from "../../nodes/googleSheets/index.js"
import { CredentialStore, layerCredentialStore } from "../../src/auth/credentialStore.js"
import { makeOAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { withServer } from "../../src/auth/oauth2Preset.js"
import { credentialsCommand } from "../../src/cli/credentials.js"
import type { Terminal } from "../../src/cli/terminal.js"
import type { Registry } from "../../src/node/registry.js"
import { makeRegistry } from "../../src/node/registry.js"
import type { FlowFile } from "../../src/runtime/flow.js"
import { makeSecretRegistry } from "../../src/runtime/secrets.js"
import {
  approveInFakeBrowser,
  clientOf,
  type FakeHttp,
  json,
  pkceMatches,
  startFake,
  token
} from "../auth/presets/fakeHttp.js"

const auth = "https://www.googleapis.com/auth/"
const client = { id: "1234-desktop.apps.googleusercontent.com", secret: "GOCSPX-fake-secret" }

let home: string

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "rpa-login-flow-"))
  process.env.RPA_INTEGRATIONS_HOME = home
  delete process.env.RPA_INTEGRATIONS_KEY
  delete process.env.DISPLAY
  delete process.env.WAYLAND_DISPLAY
})

afterAll(() => rmSync(home, { recursive: true, force: true }))

/**
 * A fake of Google's authorization, device and token endpoints: with
 * `include_granted_scopes` a browser grant adds to the earlier ones, a device grant holds
 * only what it asked for; `email` is reported under its long name; the user unticks the
 * scopes in `refused` on the consent screen.
 */
const startGoogle = (refused: ReadonlySet<string> = new Set()) => {
  const granted = new Set<string>()
  const codes = new Map<string, { challenge: string | undefined; scope: string }>()
  let deviceScope = ""
  return startFake((request) => {
    const { response, path, query, form } = request
    if (path === "/o/oauth2/v2/auth") {
      if (query.get("include_granted_scopes") !== "true") granted.clear()
      for (const scope of (query.get("scope") ?? "").split(" ")) {
        if (!refused.has(scope)) granted.add(longName(scope))
      }
      const code = token("4/0A")
      codes.set(code, {
        challenge: query.get("code_challenge") ?? undefined,
        scope: [...granted].join(" ")
      })
      const redirect = new URL(query.get("redirect_uri")!)
      redirect.searchParams.set("code", code)
      redirect.searchParams.set("state", query.get("state")!)
      response.writeHead(302, { location: redirect.href }).end()
      return
    }
    if (path === "/device/code") {
      deviceScope = (form.get("scope") ?? "").split(" ").map(longName).join(" ")
      return json(response, 200, {
        device_code: token("AH-1Ng"),
        user_code: "GQVQ-JKEC",
        verification_url: "https://www.google.com/device",
        expires_in: 1800,
        interval: 1
      })
    }
    if (path === "/token" && form.get("grant_type")?.endsWith("device_code")) {
      return json(response, 200, {
        access_token: token("ya29."),
        refresh_token: token("1//0g"),
        expires_in: 3599,
        scope: deviceScope,
        token_type: "Bearer"
      })
    }
    if (path === "/token" && form.get("grant_type") === "authorization_code") {
      const { id, secret } = clientOf(request)
      const issued = codes.get(form.get("code") ?? "")
      if (id !== client.id || secret !== client.secret || issued === undefined) {
        return json(response, 400, { error: "invalid_grant" })
      }
      if (!pkceMatches(form.get("code_verifier"), issued.challenge)) {
        return json(response, 400, { error: "invalid_grant" })
      }
      return json(response, 200, {
        access_token: token("ya29."),
        refresh_token: token("1//0g"),
        expires_in: 3599,
        scope: issued.scope,
        token_type: "Bearer"
      })
    }
    return json(response, 404, {})
  })
}

/** A scope as Google reports it granted: `email` under its long name. */
const longName = (scope: string): string => (scope === "email" ? `${auth}userinfo.email` : scope)

/** The Google integrations, their account type pointed at the fake. */
const registryFor = (fake: FakeHttp): Registry => {
  const account = makeOAuth2CredentialType(
    withServer(googleOAuth2.preset, {
      issuer: fake.origin,
      authorizationEndpoint: `${fake.origin}/o/oauth2/v2/auth`,
      tokenEndpoint: `${fake.origin}/token`,
      deviceAuthorizationEndpoint: `${fake.origin}/device/code`,
      insecureLoopbackIssuer: true
    })
  )
  return Either.getOrThrow(
    makeRegistry(
      [sheets, drive, gmail].map((integration) => ({
        ...integration,
        credentialTypes: [account, googleServiceAccount]
      }))
    )
  )
}

/** Runs `credentials ...args`; a sign-in URL it prints is approved at once. */
const run = (registry: Registry, args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const pages: Array<Promise<string>> = []
    const terminal: Terminal = {
      out: (text) => out.push(text),
      err: (text) => {
        err.push(text)
        const url = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/.exec(text)?.[1]
        if (url !== undefined) pages.push(approveInFakeBrowser(url))
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
      Effect.provide(NodeContext.layer)
    )
    const code = Number(process.exitCode ?? 0)
    process.exitCode = undefined
    const seen = yield* Effect.promise(() => Promise.all(pages))
    return { code, out: out.join("\n"), err: err.join("\n"), pages: seen }
  })

/** Writes a flow whose steps run the given nodes, each with the given credential. */
const writeFlow = (name: string, steps: ReadonlyArray<readonly [string, string?]>): string => {
  const file = join(home, `${name}.json`)
  const flow: FlowFile = {
    version: 1,
    name,
    steps: steps.map(([node, credential], index) => ({
      id: `step${index}`,
      node,
      ...(credential === undefined ? {} : { credential })
    }))
  }
  writeFileSync(file, JSON.stringify(flow))
  return file
}

/** The scopes each authorization request asked for, oldest first. */
const askedScopes = (fake: FakeHttp) =>
  fake.received("/o/oauth2/v2/auth").map((request) => request.query.get("scope"))

/** The stored fields of a credential, which `credentials list` never shows. */
const storedFields = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CredentialStore
    const entry = yield* store.get(id)
    return Option.match(entry, {
      onNone: (): Readonly<Record<string, unknown>> => ({}),
      onSome: (found) => found.fields
    })
  }).pipe(Effect.provide(layerCredentialStore))

describe("credentials login --flow", () => {
  it.scopedLive("asks for the fewest missing scopes, then only for what a new flow adds", () =>
    Effect.gen(function* () {
      const fake = yield* startGoogle()
      const registry = registryFor(fake)
      const added = yield* run(registry, [
        "add",
        "google",
        "--type",
        "google.oauth2",
        "--field",
        `clientId=${client.id}`,
        "--field",
        `clientSecret=${client.secret}`
      ])
      expect(added.code).toBe(0)

      // Reads a sheet and files into Drive: drive covers spreadsheets.readonly.
      const report = writeFlow("report", [
        ["googleSheets.readRange", "google"],
        ["googleDrive.uploadFile@1", "google"],
        ["http.request", "other"]
      ])
      const first = yield* run(registry, ["login", "google", "--flow", report])
      expect(first.code).toBe(0)
      expect(first.err).toContain(`needs for credential "google":\n  ${auth}drive`)
      expect(first.pages[0]).toContain("The account is connected")
      expect(askedScopes(fake)).toEqual([`openid email ${auth}drive`])
      expect(first.out).toContain(`Connected credential "google"`)

      // Adds a sheet update (covered by drive) and a mail: only gmail.send is new.
      const mail = writeFlow("mail", [
        ["googleSheets.appendRows", "google"],
        ["gmail.sendMessage", "google"],
        ["googleDrive.uploadFile", "google"]
      ])
      const second = yield* run(registry, ["login", "google", "--flow", mail])
      expect(second.code).toBe(0)
      expect(askedScopes(fake)[1]).toBe(`${auth}gmail.send`)
      expect(fake.received("/o/oauth2/v2/auth")[1]!.query.get("include_granted_scopes")).toBe(
        "true"
      )
      const fields = yield* storedFields("google")
      expect(String(fields.grantedScopes).split(" ").sort()).toEqual(
        ["openid", `${auth}userinfo.email`, `${auth}drive`, `${auth}gmail.send`].sort()
      )
      expect(fields.scopes).toBe(`openid email ${auth}drive ${auth}gmail.send`)

      // Everything is granted: no sign-in at all.
      const again = yield* run(registry, ["login", "google", "--flow", mail])
      expect(again.code).toBe(0)
      expect(again.out).toContain(`Credential "google" already has every scope the flow "mail"`)
      expect(askedScopes(fake)).toHaveLength(2)
    })
  )

  it.scopedLive("refuses a device sign-in for scopes Google's device flow does not grant", () =>
    Effect.gen(function* () {
      const fake = yield* startGoogle()
      const registry = registryFor(fake)
      yield* run(registry, [
        "add",
        "tv",
        "--type",
        "google.oauth2",
        "--field",
        `clientId=${client.id}`,
        "--field",
        `clientSecret=${client.secret}`
      ])
      const send = writeFlow("send", [["gmail.sendMessage", "tv"]])
      const device = yield* run(registry, ["login", "tv", "--device", "--flow", send])
      expect(device.code).not.toBe(0)
      expect(device.err).toContain(`${auth}gmail.send`)
      expect(device.err).toContain("without --device")
      expect(fake.received("/device/code")).toHaveLength(0)
    })
  )

  it.scopedLive("refuses a flow that does not use the credential, and an unreadable one", () =>
    Effect.gen(function* () {
      const fake = yield* startGoogle()
      const registry = registryFor(fake)
      yield* run(registry, [
        "add",
        "unused",
        "--type",
        "google.oauth2",
        "--field",
        `clientId=${client.id}`
      ])
      const other = writeFlow("other", [["googleSheets.readRange", "work"], ["http.request"]])
      const refused = yield* run(registry, ["login", "unused", "--flow", other])
      expect(refused.code).toBe(2)
      expect(refused.err).toContain(
        `The flow "other" (${other}) has no step with "credential": "unused"`
      )
      expect(refused.err).toContain('Its steps use "work".')

      const missing = yield* run(registry, ["login", "unused", "--flow", join(home, "no.json")])
      expect(missing.code).toBe(2)
      expect(missing.err).toContain("Cannot read the flow file")
      expect(askedScopes(fake)).toEqual([])
    })
  )

  it.scopedLive("fails (exit 1) when the user unticks a scope the flow needs", () =>
    Effect.gen(function* () {
      const fake = yield* startGoogle(new Set([`${auth}gmail.modify`]))
      const registry = registryFor(fake)
      yield* run(registry, [
        "add",
        "partial",
        "--type",
        "google.oauth2",
        "--field",
        `clientId=${client.id}`,
        "--field",
        `clientSecret=${client.secret}`
      ])
      const flow = writeFlow("tidy", [["gmail.trashMessage", "partial"]])
      const login = yield* run(registry, ["login", "partial", "--flow", flow])
      expect(login.code).toBe(1)
      expect(askedScopes(fake)).toEqual([`openid email ${auth}gmail.modify`])
      expect(login.err).toContain(`The provider did not grant ${auth}gmail.modify`)
      expect(login.err).toContain("run the login again and allow it")
    })
  )
})
