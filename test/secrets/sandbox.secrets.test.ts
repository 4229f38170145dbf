/**
 * The secret-marker test of `run --sandbox` with `RPA_CREDENTIAL_<ID>` set: the
 * environment's credential wins over the sandbox one, the in-process fake echoes it back,
 * and nothing the command writes holds it.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../cli/cli.js"
import type { Marker } from "../support/secretMarker.js"
import {
  allMarkers,
  filesUnder,
  findLeaks,
  makeMarkers,
  maskCount
} from "../support/secretMarker.js"
import type { Placement } from "./scenario.js"
import { credentialId, credentialJson, placements } from "./scenario.js"

const markers = makeMarkers()
const dir = mkdtempSync(join(tmpdir(), "rpa-secret-sandbox-"))
const sandbox = "https://httpbin.sandbox"

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The template that reads, from the `/anything` echo, what the credential sent. */
const sentPath: Record<Placement, string> = {
  bearer: "steps.anything.output.body.headers.authorization",
  basic: "steps.anything.output.body.headers.authorization",
  apiKeyHeader: 'steps.anything.output.body.headers["x-marker-key"]',
  apiKeyQuery: "steps.anything.output.body.query.marker_key"
}

/** What the credential itself sends, as the fake received it. */
const sentValue = (placement: Placement, marker: Marker): string => {
  if (placement === "bearer") return `Bearer ${marker.value}`
  if (placement === "basic") {
    return `Basic ${Buffer.from(`robot:${marker.value}`).toString("base64")}`
  }
  return marker.value
}

const sandboxFlow = (placement: Placement) => {
  const step = (id: string, input: Record<string, unknown>) => ({
    id,
    node: "http.request",
    credential: credentialId,
    onError: "continue",
    input
  })
  return {
    version: 1,
    name: "Sandbox secret marker",
    steps: [
      step("anything", { url: `${sandbox}/anything?page_size=5` }),
      // The fake answers with the SHA-256 of what it received: proof of which credential
      // was sent, without the credential.
      step("proof", {
        method: "POST",
        url: `${sandbox}/anything`,
        bodyType: "text",
        body: `{{ ${sentPath[placement]} }}`
      }),
      step("bearer", { url: `${sandbox}/bearer` }),
      step("unauthorized", { url: `${sandbox}/status/401` }),
      step("flaky", {
        url: `${sandbox}/flaky?key=sandbox&failures=1&status=500`,
        retry: { maxAttempts: 2 }
      }),
      step("throttled", { url: `${sandbox}/retry-after?seconds=1`, retry: false }),
      step("sameOrigin", { url: `${sandbox}/redirect-to?url=/anything` }),
      step("crossOrigin", { url: `${sandbox}/cross-origin-redirect` }),
      step("pages", {
        url: `${sandbox}/pages/link?total=5&per_page=2`,
        pagination: { style: "linkHeader" }
      }),
      step("download", { url: `${sandbox}/bytes/64`, response: "file" }),
      step("timeout", { url: `${sandbox}/delay/3000`, timeoutMs: 300, retry: false })
    ]
  }
}

const cases = placements.flatMap((placement) =>
  allMarkers(markers).map((marker, i) => ({
    placement,
    marker,
    format: i % 2 === 0 ? ("json" as const) : ("pretty" as const)
  }))
)

describe.concurrent("rpa-integrations run --sandbox never writes the environment's secret", () => {
  for (const { placement, marker, format } of cases) {
    it(`${placement}, ${marker.label} secret, --log-format ${format}`, async () => {
      const flow = join(dir, `${placement}-${marker.label}.json`)
      writeFileSync(flow, JSON.stringify(sandboxFlow(placement)))
      const filesDir = join(dir, `${placement}-${marker.label}-files`)
      const run = await runCli(
        [
          "run",
          flow,
          "--sandbox",
          "--log-level",
          "debug",
          "--log-format",
          format,
          "--files-dir",
          filesDir
        ],
        { RPA_CREDENTIAL_API: credentialJson(placement, marker) }
      )
      expect(run.code, run.stderr).toBe(0)
      const { steps } = JSON.parse(run.stdout)

      // The environment's credential was sent, not the sandbox one.
      const digest = createHash("sha256").update(sentValue(placement, marker)).digest("hex")
      expect(steps.proof.output.body.body.sha256).toBe(digest)
      // The fake's `/bearer` takes any token without spaces.
      const bearerAccepted = placement === "bearer" && !/\s/.test(marker.value)
      expect(steps.bearer.status).toBe(bearerAccepted ? "succeeded" : "failed")
      expect(steps.unauthorized.error._tag).toBe("AuthenticationError")
      expect(steps.flaky).toMatchObject({ status: "succeeded", attempts: 2 })
      expect(steps.throttled.error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 1000 })
      expect(steps.timeout.error._tag).toBe("TimeoutError")
      expect(steps.pages.output.count).toBe(5)
      expect(maskCount(run.stdout)).toBeGreaterThan(0)

      // The other origin received no credential at all.
      const landed = steps.crossOrigin.output.body
      expect(landed.host).toBe("other.sandbox")
      expect(landed.headers.authorization).toBeUndefined()
      expect(landed.headers["x-marker-key"]).toBeUndefined()
      expect(landed.query).toEqual({})
      expect(steps.sameOrigin.output.body.headers.host).toBe("httpbin.sandbox")

      const files = filesUnder(filesDir)
      expect(Object.keys(files)).toHaveLength(1)
      const leaks = findLeaks({ stdout: run.stdout, stderr: run.stderr, ...files }, [marker])
      expect(leaks).toEqual([])
    }, 90_000)
  }
})
