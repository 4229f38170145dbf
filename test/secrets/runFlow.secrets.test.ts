/**
 * The secret-marker test of the JS API: `runFlow` runs the same flows as the command, in
 * process, with its logger at debug level in both formats. The secret must appear in
 * none of what `runFlow` hands its host: the result, the log lines, the observer's step
 * events, and the files of the run (but a download the server filled with it).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ExpectStatic } from "vitest"
import { describe, it } from "vitest"
import type { RunOutcome } from "../../src/runtime/runFlow.js"
import { runFlow } from "../../src/runtime/runFlow.js"
import type { Marker } from "../support/secretMarker.js"
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

/** What `runFlow` handed its host in one run, and what the servers saw. */
interface InProcessRun {
  readonly result: RunOutcome
  readonly lines: ReadonlyArray<string>
  readonly events: ReadonlyArray<string>
  readonly files: Record<string, Uint8Array>
  readonly probe: ProbeServer
  readonly cross: ProbeServer
}

const runWithMarker = async (
  makeFlow: (probe: string) => unknown,
  placement: Placement,
  marker: Marker,
  format: "pretty" | "json"
): Promise<InProcessRun> => {
  const cross = await startProbe()
  const probe = await startProbe({ crossOrigin: cross.url })
  const filesDir = mkdtempSync(join(tmpdir(), "rpa-secret-runflow-"))
  const lines: Array<string> = []
  const events: Array<string> = []
  const result = await runFlow(makeFlow(probe.url) as never, {
    env: { RPA_CREDENTIAL_API: credentialJson(placement, marker) },
    filesDir,
    log: { level: "debug", format, write: (line) => lines.push(line) },
    observer: { stepFinished: (event) => events.push(JSON.stringify(event)) }
  }).finally(() => Promise.all([probe.close(), cross.close()]))
  const files = filesUnder(filesDir)
  rmSync(filesDir, { recursive: true, force: true })
  return { result, lines, events, files, probe, cross }
}

const stepsOf = (result: RunOutcome) =>
  result.steps as Record<string, { status: string; attempts: number; error?: { _tag: string } }>

const expectSteps = (
  expect: ExpectStatic,
  result: RunOutcome,
  expected: Readonly<Record<string, { status: string; error?: string }>>
) => {
  const steps = stepsOf(result)
  for (const [id, step] of Object.entries(expected)) {
    expect(steps[id]?.status, `${id}: ${JSON.stringify(steps[id])}`).toBe(step.status)
    if (step.error !== undefined) expect(steps[id]?.error?._tag).toBe(step.error)
  }
}

/** Checks each output on its own, so one leak does not hide another. */
const expectNoLeaks = (
  expect: ExpectStatic,
  run: InProcessRun,
  marker: Marker,
  exclude: ReadonlyArray<string> = []
) => {
  const files = Object.entries(run.files).filter(([name]) => !exclude.includes(name))
  expect.soft(findLeaks({ result: JSON.stringify(run.result) }, [marker])).toEqual([])
  expect.soft(findLeaks({ logs: run.lines.join("\n") }, [marker])).toEqual([])
  expect.soft(findLeaks({ observer: run.events.join("\n") }, [marker])).toEqual([])
  expect.soft(findLeaks(Object.fromEntries(files), [marker])).toEqual([])
}

const cases = placements.flatMap((placement) =>
  allMarkers(markers).flatMap((marker) =>
    (["pretty", "json"] as const).map((format) => ({ placement, marker, format }))
  )
)

describe.concurrent("runFlow never hands its host a credential's secret", () => {
  for (const { placement, marker, format } of cases) {
    it(`${placement}, ${marker.label} secret, ${format} logs`, async ({ expect }) => {
      const run = await runWithMarker(scenarioFlow, placement, marker, format)

      expect(run.result.status).toBe("succeeded")
      expectSteps(expect, run.result, expectedSteps)
      expect(stepsOf(run.result).serverError?.attempts).toBe(3)
      expect(findLeaks({ probe: run.probe.seen() }, [marker])).not.toEqual([])
      expect(maskCount(JSON.stringify(run.result))).toBeGreaterThan(10)
      expect(run.lines.filter((line) => line.includes("http attempt")).length).toBeGreaterThan(15)
      expect(run.events).toHaveLength(Object.keys(expectedSteps).length)

      expect(Object.keys(run.files)).toEqual(["export.bin"])
      expect(Buffer.from(run.files["export.bin"]!)).toEqual(
        Buffer.concat([downloadPrefix, Buffer.from(`secret=${marker.value}\n`), downloadPrefix])
      )
      expectNoLeaks(expect, run, marker, ["export.bin"])
      expect(findLeaks({ cross: run.cross.seen() }, [marker])).toEqual([])
    }, 60_000)
  }

  for (const placement of placements) {
    it(`${placement}, a secret cut by an error excerpt`, async ({ expect }) => {
      const run = await runWithMarker(truncationFlow, placement, markers.plain, "json")
      expectSteps(expect, run.result, expectedCutSteps)
      expectNoLeaks(expect, run, markers.plain)
    }, 60_000)
  }
})
