/**
 * Preflight checks that an OAuth2 credential whose granted scopes are known covers the
 * scopes each step's node needs, before anything is sent; a broader grant is enough, and
 * a credential whose grant is unknown (or a sandbox run) is left to the provider.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { integrations } from "../../nodes/index.js"
import type { StoredCredential } from "../../src/auth/credentialSource.js"
import { CredentialSource } from "../../src/auth/credentialSource.js"
import { makeEnvCredentialSource } from "../../src/auth/envCredentials.js"
import { loadFlowRegistry } from "../../src/runtime/catalog.js"
import { loadFlow } from "../../src/runtime/flow.js"
import { preflight } from "../../src/runtime/preflight.js"
import type { InvalidRun } from "../../src/runtime/runFlow.js"
import { exitCode, runFlowEffect } from "../../src/runtime/runFlow.js"
import { makeSecretRegistry, Secrets } from "../../src/runtime/secrets.js"
import { memorySource } from "../auth/memorySource.js"

/** Finds unpaid orders in a sheet, appends them to another, uploads a CSV, mails it. */
const flowFile = "examples/flows/unpaid-orders-report.json"
const auth = "https://www.googleapis.com/auth/"
const identity = `openid ${auth}userinfo.email`

/** A connected Google account in the store, granted the given scopes. */
const connected = (grantedScopes?: string): StoredCredential => ({
  id: "google",
  type: "google.oauth2",
  origin: "store",
  fields: {
    clientId: "1234-desktop.apps.googleusercontent.com",
    accessToken: "ya29.stored-access-token",
    refreshToken: "1//0g-stored-refresh-token",
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...(grantedScopes === undefined ? {} : { grantedScopes })
  }
})

/** Preflight of the example flow with the given credentials; nothing is sent. */
const check = (source: CredentialSource["Type"], options: { sandbox?: boolean } = {}) =>
  Effect.gen(function* () {
    const flow = yield* loadFlow(flowFile)
    const registry = yield* loadFlowRegistry(flow, integrations)
    return yield* preflight(flow, registry, { sandbox: options.sandbox, flowFile }).pipe(
      Effect.provideService(CredentialSource, source),
      Effect.provideService(Secrets, makeSecretRegistry())
    )
  })

describe("preflight and OAuth2 scopes", () => {
  it.effect("refuses steps whose node needs a scope the credential was not granted", () =>
    Effect.gen(function* () {
      const granted = `${identity} ${auth}spreadsheets`
      const error = yield* Effect.flip(check(memorySource([connected(granted)]).service))
      expect(error.issues.map((issue) => issue.path)).toEqual([
        "steps[3].credential",
        "steps[4].credential"
      ])
      expect(error.issues[0]!.message).toBe(
        `step "upload" (googleDrive.uploadFile) needs the scope ${auth}drive, which credential ` +
          `"google" was not granted; grant it with \`rpa-integrations credentials login google ` +
          `--flow ${flowFile}\` (or \`rpa-integrations credentials login google --scope ${auth}drive\`)`
      )
      expect(error.issues[1]!.message).toContain(
        `step "mail" (gmail.sendMessage) needs the scope ${auth}gmail.send`
      )
      expect(error.message).toContain(`steps[4].credential: step "mail"`)
    })
  )

  it.effect("accepts a broader grant: drive covers spreadsheets, gmail.modify covers send", () =>
    Effect.gen(function* () {
      const granted = `${identity} ${auth}drive ${auth}gmail.modify`
      const plan = yield* check(memorySource([connected(granted)]).service)
      expect(plan.steps).toHaveLength(5)
    })
  )

  it.effect("leaves a credential whose grant is unknown to the provider", () =>
    Effect.gen(function* () {
      const stored = connected()
      const env = makeEnvCredentialSource({
        RPA_CREDENTIAL_GOOGLE: JSON.stringify({ type: stored.type, ...stored.fields })
      })
      expect((yield* check(env)).steps).toHaveLength(5)
      expect((yield* check(memorySource([stored]).service)).steps).toHaveLength(5)
    })
  )

  it.effect("tells an environment credential's owner which variable to change", () =>
    Effect.gen(function* () {
      const stored = connected(`${identity} ${auth}drive`)
      const env = makeEnvCredentialSource({
        RPA_CREDENTIAL_GOOGLE: JSON.stringify({ type: stored.type, ...stored.fields })
      })
      const { issues } = yield* Effect.flip(check(env))
      expect(issues.map((issue) => issue.path)).toEqual(["steps[4].credential"])
      expect(issues[0]!.message).toContain(
        "set RPA_CREDENTIAL_GOOGLE to a credential that was granted it"
      )
      expect(issues[0]!.message).toContain(`credentials login google --flow ${flowFile}`)
    })
  )

  it.effect("a service account's known grant is compared with Google's rules too", () =>
    Effect.gen(function* () {
      const env = makeEnvCredentialSource({
        RPA_CREDENTIAL_GOOGLE: JSON.stringify({
          type: "google.serviceAccount",
          serviceAccountKey: JSON.stringify({
            client_email: "robot@project.iam.gserviceaccount.com",
            private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
          }),
          grantedScopes: `${auth}drive ${auth}gmail.send`
        })
      })
      expect((yield* check(env)).steps).toHaveLength(5)
    })
  )

  it.effect("does not check scopes in a sandbox run", () =>
    Effect.gen(function* () {
      const source = memorySource([connected(identity)]).service
      expect((yield* check(source, { sandbox: true })).steps).toHaveLength(5)
      expect((yield* check(memorySource([]).service, { sandbox: true })).steps).toHaveLength(5)
    })
  )

  it.effect("a run of the flow file ends invalid (exit 2), naming the file in the fix", () =>
    Effect.gen(function* () {
      const outcome = yield* runFlowEffect(flowFile, {
        credentials: memorySource([connected(`${identity} ${auth}spreadsheets.readonly`)]).service,
        filesDir: mkdtempSync(join(tmpdir(), "rpa-preflight-scopes-"))
      })
      expect(outcome.status).toBe("invalid")
      expect(exitCode(outcome)).toBe(2)
      const error = (outcome as InvalidRun).error as {
        issues: Array<{ path: string; message: string }>
      }
      expect(error.issues.map((issue) => issue.path)).toEqual([
        "steps[1].credential",
        "steps[3].credential",
        "steps[4].credential"
      ])
      expect(error.issues[0]!.message).toContain(
        `step "record" (googleSheets.appendRows) needs the scope ${auth}spreadsheets,`
      )
      expect(error.issues[0]!.message).toContain(`--flow ${flowFile}`)
    })
  )
})
