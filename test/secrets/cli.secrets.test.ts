/**
 * The secret-marker test of the real command: a distinctive secret as the bearer token,
 * the Basic password and the API key (header and query), run through flows against a
 * careless API that echoes it everywhere, at `--log-level debug` in both log formats.
 * The secret must appear in nothing the command writes: stdout, stderr, the `--output`
 * file and the files of `--files-dir` (except a download whose bytes the server chose to
 * fill with it, which is kept exactly as sent).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "../cli/cli.js"
import type { Marker, Outputs } from "../support/secretMarker.js"
import {
  allMarkers,
  filesUnder,
  findLeaks,
  makeMarkers,
  maskCount
} from "../support/secretMarker.js"
import type { ProbeServer } from "./probeServer.js"
import { downloadPrefix, startProbe } from "./probeServer.js"
import type { Placement } from "./scenario.js"
import {
  credentialJson,
  expectedCutSteps,
  expectedSteps,
  placements,
  scenarioFlow,
  truncationFlow
} from "./scenario.js"

const markers = makeMarkers()
const formats = ["pretty", "json"] as const
type Format = (typeof formats)[number]

/** What one run of the command wrote, and what the servers saw. */
interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** The result JSON: stdout, or the `--output` file in the json format. */
  readonly resultText: string
  readonly result: {
    readonly steps: Record<string, { status: string; attempts: number; error?: { _tag: string } }>
  }
  readonly files: Record<string, Uint8Array>
  readonly probe: ProbeServer
  readonly cross: ProbeServer
}

/**
 * Runs the flow made for a fresh probe (and the other-origin server its cross-origin
 * redirect leads to) with the marker in the placement, at debug level. The json format
 * writes the result with `--output`, the pretty one prints it.
 */
const runWithMarker = async (
  makeFlow: (probe: string) => unknown,
  placement: Placement,
  marker: Marker,
  format: Format
): Promise<CliRun> => {
  const cross = await startProbe()
  const probe = await startProbe({ crossOrigin: cross.url })
  const dir = mkdtempSync(join(tmpdir(), "rpa-secret-marker-"))
  const flow = join(dir, "flow.json")
  writeFileSync(flow, JSON.stringify(makeFlow(probe.url), null, 2))
  const filesDir = join(dir, "files")
  const output = join(dir, "result.json")
  const toFile = format === "json"
  const args = ["run", flow, "--log-level", "debug", "--log-format", format]
  args.push("--files-dir", filesDir, ...(toFile ? ["--output", output] : []))
  const run = await runCli(args, { RPA_CREDENTIAL_API: credentialJson(placement, marker) }).finally(
    () => Promise.all([probe.close(), cross.close()])
  )
  const resultText = toFile ? readFileSync(output, "utf8") : run.stdout
  const files = filesUnder(filesDir)
  rmSync(dir, { recursive: true, force: true })
  return { ...run, resultText, result: JSON.parse(resultText), files, probe, cross }
}

/** Every output of a run, the files directory's files but `exclude` included. */
const outputsOf = (run: CliRun, exclude: ReadonlyArray<string> = []): Outputs => {
  const files = Object.entries(run.files).filter(([name]) => !exclude.includes(name))
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    result: run.resultText,
    ...Object.fromEntries(files.map(([name, bytes]) => [`files-dir/${name}`, bytes]))
  }
}

const expectSteps = (
  run: CliRun,
  expected: Readonly<Record<string, { status: string; error?: string }>>
) => {
  for (const [id, step] of Object.entries(expected)) {
    const got = run.result.steps[id]
    expect(got?.status, `${id}: ${JSON.stringify(got)}`).toBe(step.status)
    if (step.error !== undefined) expect(got?.error?._tag).toBe(step.error)
  }
}

const cases = placements.flatMap((placement) =>
  allMarkers(markers).flatMap((marker) => formats.map((format) => ({ placement, marker, format })))
)

describe.concurrent("rpa-integrations run never writes a credential's secret", () => {
  for (const { placement, marker, format } of cases) {
    it(`${placement}, ${marker.label} secret, --log-format ${format}`, async () => {
      const run = await runWithMarker(scenarioFlow, placement, marker, format)

      // The run went through every case, and the secret really was sent and echoed.
      expect(run.code, run.stderr).toBe(0)
      expectSteps(run, expectedSteps)
      expect(run.result.steps.serverError?.attempts).toBe(3)
      expect(run.result.steps.throttledOnce?.attempts).toBe(2)
      expect(findLeaks({ probe: run.probe.seen() }, [marker])).not.toEqual([])
      expect(maskCount(run.resultText)).toBeGreaterThan(10)
      const attemptLines = run.stderr.split("\n").filter((line) => line.includes("http attempt"))
      expect(attemptLines.length).toBeGreaterThanOrEqual(Object.keys(expectedSteps).length)
      if (format === "json") expect(run.stdout).toBe("")

      // The file the server filled with the secret is kept byte for byte.
      expect(Object.keys(run.files)).toEqual(["export.bin"])
      expect(Buffer.from(run.files["export.bin"]!)).toEqual(
        Buffer.concat([downloadPrefix, Buffer.from(`secret=${marker.value}\n`), downloadPrefix])
      )

      // Nothing else the command wrote holds the secret in any form.
      expect(findLeaks(outputsOf(run, ["export.bin"]), [marker])).toEqual([])

      // Off the credential's origin nothing of the secret arrives; on it, it does.
      expect(run.cross.requests.map((r) => r.url)).toEqual(["/landing?keep=1"])
      expect(findLeaks({ cross: run.cross.seen() }, [marker])).toEqual([])
      const hop = run.probe.requests.find((r) => r.url.startsWith("/echo?hop=2"))
      expect(findLeaks({ hop: JSON.stringify(hop) }, [marker])).not.toEqual([])
      if (placement === "apiKeyQuery") {
        const pages = run.probe.requests.filter((r) => r.url.startsWith("/pages"))
        expect(pages).toHaveLength(3)
        for (const page of pages) expect(findLeaks({ page: page.url }, [marker])).not.toEqual([])
      }
    }, 90_000)
  }
})

describe.concurrent("rpa-integrations run never writes part of a secret cut by an error excerpt", () => {
  for (const { placement, marker, format } of cases.filter((c) => c.marker === markers.plain)) {
    it(`${placement}, --log-format ${format}`, async () => {
      const run = await runWithMarker(truncationFlow, placement, marker, format)
      expect(run.code, run.stderr).toBe(0)
      expectSteps(run, expectedCutSteps)
      expect(findLeaks(outputsOf(run), [marker])).toEqual([])
    }, 90_000)
  }
})
