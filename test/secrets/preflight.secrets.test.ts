/**
 * Invalid credentials that hold a secret: the run stops before anything is sent (exit 2),
 * and the message about each credential names the variable and the field, never the
 * value. The secret was never decoded, so the scrubber does not know it: only the
 * messages themselves keep it out.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runFlow } from "../../src/runtime/runFlow.js"
import { runCli } from "../cli/cli.js"
import type { Marker } from "../support/secretMarker.js"
import { allMarkers, findLeaks, makeMarkers } from "../support/secretMarker.js"
import type { ProbeServer } from "./probeServer.js"
import { startProbe } from "./probeServer.js"

const markers = makeMarkers()

/** Broken `RPA_CREDENTIAL_<ID>` values, by credential id, each holding the secret. */
const brokenCredentials = (marker: Marker): Record<string, string> => {
  const secret = JSON.stringify(marker.value)
  return {
    // Not JSON: cut short, unquoted, single quotes, text after the object, the bare token.
    "cut-short": `{"type":"http.bearer","token":${secret}`,
    unquoted: `{"type":"http.bearer","token":${marker.value}}`,
    "single-quotes": `{'type':'http.bearer','token':'${marker.value}'}`,
    trailing: `{"type":"http.bearer","token":${secret}} ${marker.value}`,
    "bare-token": marker.value,
    "bare-string": secret,
    // JSON, but not a valid credential of its type.
    "token-object": `{"type":"http.bearer","token":{"value":${secret}}}`,
    "token-list": `{"type":"http.bearer","token":[${secret}]}`,
    "placement-is-secret": `{"type":"http.apiKey","name":"X-Key","value":${secret},"in":${secret}}`,
    "empty-name": `{"type":"http.apiKey","name":" ","value":${secret}}`,
    "no-username": `{"type":"http.basic","password":${secret}}`,
    "username-object": `{"type":"http.basic","username":{"secret":${secret}},"password":${secret}}`,
    "nested-wrong": `{"type":"http.basic","fields":{"username":1,"password":${secret}}}`,
    "no-type": `{"token":${secret}}`
  }
}

const variable = (id: string) => `RPA_CREDENTIAL_${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`

let probe: ProbeServer
const dir = mkdtempSync(join(tmpdir(), "rpa-secret-preflight-"))

beforeAll(async () => {
  probe = await startProbe()
})

afterAll(async () => {
  await probe.close()
  rmSync(dir, { recursive: true, force: true })
})

const flowFor = (ids: ReadonlyArray<string>) => ({
  version: 1,
  name: "Broken credentials",
  steps: ids.map((id, i) => ({
    id: `step${i}`,
    node: "http.request",
    credential: id,
    input: { url: `${probe.url}/echo` }
  }))
})

const envFor = (marker: Marker) =>
  Object.fromEntries(
    Object.entries(brokenCredentials(marker)).map(([id, value]) => [variable(id), value])
  )

/** Every step's credential is reported, at its own path. */
const expectEveryCredentialReported = (error: { issues: ReadonlyArray<{ path: string }> }) => {
  const ids = Object.keys(brokenCredentials(markers.plain))
  expect(error.issues.map((issue) => issue.path)).toEqual(
    ids.map((_, i) => `steps[${i}].credential`)
  )
}

describe.concurrent("a broken credential never shows its secret", () => {
  for (const marker of allMarkers(markers)) {
    for (const format of ["pretty", "json"] as const) {
      it(`rpa-integrations run, ${marker.label} secret, --log-format ${format}`, async () => {
        const flow = join(dir, `${marker.label}-${format}.json`)
        writeFileSync(flow, JSON.stringify(flowFor(Object.keys(brokenCredentials(marker)))))
        const before = probe.requests.length
        const run = await runCli(
          ["run", flow, "--log-level", "debug", "--log-format", format],
          envFor(marker)
        )
        expect(run.code, run.stderr).toBe(2)
        const result = JSON.parse(run.stdout)
        expect(result.status).toBe("invalid")
        expectEveryCredentialReported(result.error)
        expect(run.stderr + run.stdout).toContain("RPA_CREDENTIAL_CUT_SHORT")
        expect(findLeaks({ stdout: run.stdout, stderr: run.stderr }, [marker])).toEqual([])
        expect(probe.requests.length).toBe(before)
      })
    }

    it(`runFlow, ${marker.label} secret`, async () => {
      const lines: Array<string> = []
      const before = probe.requests.length
      const result = await runFlow(flowFor(Object.keys(brokenCredentials(marker))) as never, {
        env: envFor(marker),
        log: { level: "debug", format: "json", write: (line) => lines.push(line) }
      })
      if (result.status !== "invalid") expect.fail(`the run started: ${JSON.stringify(result)}`)
      expectEveryCredentialReported(result.error as never)
      const leaks = findLeaks({ result: JSON.stringify(result), logs: lines.join("\n") }, [marker])
      expect(leaks).toEqual([])
      expect(probe.requests.length).toBe(before)
    })
  }
})
