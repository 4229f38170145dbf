import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { FlowFile } from "../../src/runtime/flow.js"
import type { InvalidRun } from "../../src/runtime/runFlow.js"
import { exitCode, runFlowEffect } from "../../src/runtime/runFlow.js"
import { builds, testRunOptions } from "./testIntegration.js"

const filesDir = mkdtempSync(join(tmpdir(), "rpa-preflight-test-"))

const invalid = (
  steps: FlowFile["steps"],
  options: {
    env?: Record<string, string>
    inputs?: Record<string, unknown>
    sandbox?: boolean
    declared?: FlowFile["inputs"]
  } = {}
) =>
  Effect.map(
    runFlowEffect(
      { version: 1, name: "Checked", inputs: options.declared ?? {}, steps },
      testRunOptions(options.env ?? {}, {
        filesDir,
        inputs: options.inputs,
        sandbox: options.sandbox
      })
    ),
    (outcome) => {
      expect(outcome.status).toBe("invalid")
      expect(exitCode(outcome)).toBe(2)
      return (outcome as InvalidRun).error as {
        message: string
        issues: Array<{ path: string; message: string }>
      }
    }
  )

describe("preflight", () => {
  it.effect("names the step and the field of a schema-invalid input, and runs nothing", () =>
    Effect.gen(function* () {
      builds.clear()
      const error = yield* invalid(
        [
          { id: "ok", node: "test.whoami", credential: "sandboxed", input: {} },
          { id: "count", node: "test.echo", input: { value: 1, count: "seven", extra: true } }
        ],
        { sandbox: true }
      )
      expect(error.issues).toEqual([
        {
          path: "steps[1].input.extra",
          message: expect.stringContaining('step "count" (test.echo): is not a known field')
        },
        {
          path: "steps[1].input.count",
          message: 'step "count" (test.echo): expected number, got "seven"'
        }
      ])
      expect(error.message).toContain('steps[1].input.count: step "count"')
      expect(builds.size).toBe(0)
    })
  )

  it.effect(
    "checks inputs.* templates with their values, and leaves fields read from steps to the run",
    () =>
      Effect.gen(function* () {
        const error = yield* invalid(
          [
            { id: "a", node: "test.echo", input: { value: 1, count: "{{ inputs.n }}" } },
            {
              id: "b",
              node: "test.echo",
              input: { value: 1, count: "{{ steps.a.output.value }}" }
            },
            { id: "c", node: "test.fail", input: { error: "{{ inputs.n }}" } }
          ],
          { declared: { n: { default: "five" } } }
        )
        expect(error.issues.map((issue) => issue.path)).toEqual([
          "steps[0].input.count",
          "steps[2].input.error"
        ])
      })
  )

  it.effect("reports unknown nodes and versions at the step's node", () =>
    Effect.gen(function* () {
      const error = yield* invalid([
        { id: "a", node: "test.ech", input: {} },
        { id: "b", node: "test.echo@7", input: {} },
        { id: "c", node: "nope.echo", input: {} }
      ])
      expect(error.issues).toEqual([
        {
          path: "steps[2].node",
          message: expect.stringContaining('no integration is named "nope"')
        }
      ])
      const second = yield* invalid([
        { id: "a", node: "test.ech", input: {} },
        { id: "b", node: "test.echo@7", input: {} }
      ])
      expect(second.issues).toEqual([
        { path: "steps[0].node", message: expect.stringContaining('Did you mean "test.echo"?') },
        { path: "steps[1].node", message: expect.stringContaining("has no version 7") }
      ])
    })
  )

  it.effect("requires a defined credential of an accepted type with valid fields", () =>
    Effect.gen(function* () {
      const env = {
        RPA_CREDENTIAL_WRONG_TYPE: JSON.stringify({ type: "http.bearer", token: "abcdefgh" }),
        RPA_CREDENTIAL_BAD: JSON.stringify({
          type: "test.token",
          tokn: "hidden-value-1",
          region: "mars"
        })
      }
      const error = yield* invalid(
        [
          { id: "none", node: "test.whoami", input: {} },
          { id: "missing", node: "test.whoami", credential: "gh", input: {} },
          { id: "wrong", node: "test.whoami", credential: "wrong-type", input: {} },
          { id: "bad", node: "test.whoami", credential: "bad", input: {} },
          { id: "extra", node: "test.echo", credential: "bad", input: { value: 1 } }
        ],
        { env }
      )
      expect(error.issues).toEqual([
        {
          path: "steps[0].credential",
          message: expect.stringContaining("needs a credential of type test.token")
        },
        { path: "steps[1].credential", message: expect.stringContaining("set RPA_CREDENTIAL_GH") },
        {
          path: "steps[2].credential",
          message: expect.stringContaining('from RPA_CREDENTIAL_WRONG_TYPE) has type "http.bearer"')
        },
        {
          path: "steps[3].credential",
          message: expect.stringMatching(
            /RPA_CREDENTIAL_BAD.*field "token" is missing.*field "region"/
          )
        },
        { path: "steps[4].credential", message: expect.stringContaining("uses no credential") }
      ])
      expect(error.message).not.toContain("hidden-value-1")
      expect(error.message).not.toContain("mars")
    })
  )

  it.effect("checks the given flow inputs against the declared ones", () =>
    Effect.gen(function* () {
      const error = yield* invalid(
        [{ id: "a", node: "test.echo", input: { value: "{{ inputs.name }}" } }],
        {
          declared: { name: { required: true }, count: { default: 1 }, when: { type: "json" } },
          inputs: { nmae: "x", count: "many", when: "{bad" }
        }
      )
      expect(error.issues).toEqual([
        { path: "inputs.nmae", message: expect.stringContaining('declares no input "nmae"') },
        { path: "inputs.name", message: expect.stringContaining("is required") },
        { path: "inputs.count", message: 'expected a number, got "many"' },
        { path: "inputs.when", message: expect.stringContaining("expected a JSON value") }
      ])
    })
  )

  it.effect("reports step problems together with a missing flow name", () =>
    Effect.gen(function* () {
      builds.clear()
      const outcome = yield* runFlowEffect(
        {
          steps: [
            { id: "a", node: "test.ech", input: {} },
            { id: "b", node: "test.echo", input: { value: 1, count: "seven" } },
            { id: "c", node: "test.whoami", credential: "gh", input: {} },
            { id: "d", node: "test.echo", input: { value: "{{ inputs.nope }}" } }
          ]
        } as unknown as FlowFile,
        testRunOptions({}, { filesDir })
      )
      expect(outcome.status).toBe("invalid")
      expect(exitCode(outcome)).toBe(2)
      const error = (outcome as InvalidRun).error as {
        message: string
        issues: Array<{ path: string; message: string }>
      }
      expect(error.issues.map((issue) => issue.path)).toEqual([
        "version",
        "name",
        "steps[3].input.value",
        "steps[0].node",
        "steps[1].input.count",
        "steps[2].credential"
      ])
      expect(error.message).toMatch(/^The flow is invalid; fix these and run again:/)
      expect(error.issues[5]?.message).toContain("set RPA_CREDENTIAL_GH")
      expect(builds.size).toBe(0)
    })
  )

  it.effect("fills a credential defined nowhere with sandbox fields in a sandbox run", () =>
    Effect.gen(function* () {
      const outcome = yield* runFlowEffect(
        {
          version: 1,
          name: "Sandboxed",
          steps: [
            { id: "named", node: "test.whoami", credential: "gh", input: {} },
            { id: "unnamed", node: "test.whoami", input: {} }
          ]
        },
        testRunOptions({}, { filesDir, sandbox: true })
      )
      expect(outcome.status).toBe("succeeded")
      expect(outcome.steps).toMatchObject({
        named: { output: { credential: "gh" } },
        unnamed: { output: { credential: "sandbox-test.whoami" } }
      })
    })
  )
})
