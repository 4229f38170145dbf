import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { FlowFile } from "../../src/runtime/flow.js"
import type { RunOutcome } from "../../src/runtime/runFlow.js"
import { exitCode, runFlowEffect } from "../../src/runtime/runFlow.js"
import { builds, testRunOptions } from "./testIntegration.js"

const filesDir = mkdtempSync(join(tmpdir(), "rpa-executor-test-"))

const flow = (steps: FlowFile["steps"], inputs: FlowFile["inputs"] = {}): FlowFile => ({
  version: 1,
  name: "Test flow",
  inputs,
  steps
})

const run = (file: FlowFile, env: Record<string, string> = {}, inputs = {}) =>
  runFlowEffect(file, testRunOptions(env, { filesDir, inputs }))

const finished = (outcome: RunOutcome) => {
  if (outcome.status === "invalid") throw new Error(String(outcome.error.message))
  return outcome
}

describe("executor", () => {
  beforeEach(() => {
    builds.clear()
  })

  it.effect("runs steps in order and passes outputs through templates, keeping types", () =>
    Effect.gen(function* () {
      const outcome = finished(
        yield* run(
          flow(
            [
              {
                id: "first",
                node: "test.echo",
                input: { value: { n: 2 }, count: "{{ inputs.count }}" }
              },
              {
                id: "second",
                node: "test.echo@1",
                input: {
                  value: "n={{ steps.first.output.value.n }}",
                  count: "{{ steps.first.output.count }}"
                }
              }
            ],
            { count: { default: 1 } }
          ),
          {},
          { count: "7" }
        )
      )
      expect(outcome.status).toBe("succeeded")
      expect(outcome.steps.first?.output).toEqual({ value: { n: 2 }, count: 7 })
      expect(outcome.steps.second?.output).toEqual({ value: "n=2", count: 7 })
      expect(outcome.steps.second?.attempts).toBe(1)
      expect(outcome.filesDir).toBe(filesDir)
      expect(exitCode(outcome)).toBe(0)
    })
  )

  it.effect("stops at a failed step and skips the rest", () =>
    Effect.gen(function* () {
      const outcome = finished(
        yield* run(
          flow([
            { id: "boom", node: "test.fail", input: { error: "NotFoundError" } },
            { id: "after", node: "test.echo", input: { value: 1 } }
          ])
        )
      )
      expect(outcome.status).toBe("failed")
      expect(outcome.steps.boom).toMatchObject({
        status: "failed",
        attempts: 1,
        error: { _tag: "NotFoundError", message: "No such thing.", retryable: false, status: 404 }
      })
      expect(outcome.steps.after).toEqual({ status: "skipped", attempts: 0, durationMs: 0 })
      expect(exitCode(outcome)).toBe(1)
    })
  )

  it.effect(
    "goes on after a failed step with onError continue, and later steps read its error",
    () =>
      Effect.gen(function* () {
        const outcome = finished(
          yield* run(
            flow([
              {
                id: "boom",
                node: "test.fail",
                onError: "continue",
                input: { error: "NotFoundError" }
              },
              {
                id: "report",
                node: "test.echo",
                input: { value: "{{ steps.boom.status }}: {{ steps.boom.error.message }}" }
              }
            ])
          )
        )
        expect(outcome.status).toBe("succeeded")
        expect(outcome.steps.boom?.status).toBe("failed")
        expect(outcome.steps.report?.output).toEqual({ value: "failed: No such thing." })
        expect(exitCode(outcome)).toBe(0)
      })
  )

  it.effect("reports attempts from the step's retry counter", () =>
    Effect.gen(function* () {
      const outcome = finished(
        yield* run(
          flow([{ id: "boom", node: "test.fail", input: { error: "ServerError", retries: 3 } }])
        )
      )
      expect(outcome.steps.boom).toMatchObject({ status: "failed", attempts: 4 })
      expect(outcome.steps.boom?.error).toMatchObject({ _tag: "ServerError", retryable: true })
    })
  )

  it.effect("fails a step whose output does not match the node's output schema", () =>
    Effect.gen(function* () {
      const outcome = finished(yield* run(flow([{ id: "bad", node: "test.badOutput", input: {} }])))
      expect(outcome.steps.bad?.status).toBe("failed")
      expect(outcome.steps.bad?.error).toMatchObject({
        _tag: "DecodeError",
        issues: [{ path: "output.count" }]
      })
    })
  )

  it.effect("fails a step whose templated input breaks the schema with an InputError", () =>
    Effect.gen(function* () {
      const outcome = finished(
        yield* run(
          flow([
            { id: "text", node: "test.echo", input: { value: "seven" } },
            {
              id: "count",
              node: "test.echo",
              input: { value: 1, count: "{{ steps.text.output.value }}" }
            }
          ])
        )
      )
      expect(outcome.steps.count?.error).toMatchObject({
        _tag: "InputError",
        issues: [{ path: "steps[1].input.count" }]
      })
      expect(String(outcome.steps.count?.error?.message)).toContain('step "count"')
    })
  )

  it.effect("builds an integration's service once per credential and run", () =>
    Effect.gen(function* () {
      const env = {
        RPA_CREDENTIAL_ONE: JSON.stringify({ type: "test.token", token: "token-one-abc" }),
        RPA_CREDENTIAL_TWO: JSON.stringify({
          type: "test.token",
          fields: { token: "token-two-abc" }
        })
      }
      const outcome = finished(
        yield* run(
          flow([
            { id: "a", node: "test.whoami", credential: "one", input: {} },
            { id: "b", node: "test.whoami", credential: "one", input: {} },
            { id: "c", node: "test.whoami", credential: "two", input: {} }
          ]),
          env
        )
      )
      expect(outcome.steps.a?.output).toEqual({ credential: "one" })
      expect(outcome.steps.c?.output).toEqual({ credential: "two" })
      expect(Object.fromEntries(builds)).toEqual({ one: 1, two: 1 })
    })
  )

  it.effect("scrubs every registered secret from the result", () =>
    Effect.gen(function* () {
      const env = {
        RPA_CREDENTIAL_ONE: JSON.stringify({ type: "test.token", token: "s3cret-value" })
      }
      const outcome = finished(
        yield* run(
          flow([
            { id: "a", node: "test.whoami", credential: "one", input: {} },
            { id: "echo", node: "test.echo", input: { value: "token is s3cret-value" } }
          ]),
          env
        )
      )
      expect(outcome.steps.echo?.output).toEqual({ value: "token is ***" })
    })
  )
})
