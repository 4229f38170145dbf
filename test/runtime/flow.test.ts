import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadFlow, parseFlow, parseFlowDraft } from "../../src/runtime/flow.js"

const step = { id: "fetch", node: "http.request", input: { url: "https://example.test" } }

const issuesOf = (json: unknown) =>
  Effect.map(Effect.flip(parseFlow(json)), (error) => error.issues)

describe("parseFlow", () => {
  it.effect("fills in defaults", () =>
    Effect.gen(function* () {
      const flow = yield* parseFlow({
        version: 1,
        name: "Digest",
        steps: [{ id: "a", node: "http.request@2" }]
      })
      expect(flow.inputs).toEqual({})
      expect(flow.steps[0]).toEqual({ id: "a", node: "http.request@2", input: {}, onError: "stop" })
    })
  )

  it.effect("names the JSON path of each problem and says what to write", () =>
    Effect.gen(function* () {
      const issues = yield* issuesOf({
        version: 1,
        name: "Digest",
        steps: [step, { id: "post", node: "not a node", onError: "ignore", inptu: {} }]
      })
      expect(issues).toEqual([
        { path: "steps[1].inptu", message: expect.stringContaining("is not a known field") },
        { path: "steps[1].node", message: expect.stringContaining('"http.request@1"') },
        { path: "steps[1].onError", message: 'expected "stop" or "continue", got "ignore"' }
      ])
    })
  )

  it.effect("reports the version, an empty name and an empty step list", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(parseFlow({ version: 2, name: "", steps: [] }))
      expect(error.issues.map((issue) => issue.path)).toEqual(["version", "name", "steps"])
      expect(error.message).toContain("version: must be 1")
    })
  )

  it.effect("rejects duplicate and malformed step ids", () =>
    Effect.gen(function* () {
      const issues = yield* issuesOf({ version: 1, name: "x", steps: [step, step] })
      expect(issues).toEqual([
        { path: "steps[1].id", message: expect.stringContaining("already the id of steps[0]") }
      ])
      const bad = yield* issuesOf({ version: 1, name: "x", steps: [{ ...step, id: "1st" }] })
      expect(bad[0]?.path).toBe("steps[0].id")
    })
  )

  it.effect("rejects templates that read undeclared inputs or unknown, later or own steps", () =>
    Effect.gen(function* () {
      const issues = yield* issuesOf({
        version: 1,
        name: "x",
        inputs: { repo: {} },
        steps: [
          {
            id: "a",
            node: "http.request",
            input: {
              url: "{{ inputs.repository }}",
              body: {
                later: "{{ steps.b.output }}",
                own: "{{ steps.a.status }}",
                gone: "{{ steps.zz.output.x }}"
              },
              query: { code: "{{ process.env.HOME }}" }
            }
          },
          { id: "b", node: "http.request", input: { url: "{{ inputs.repo }}" } }
        ]
      })
      expect(issues.map((issue) => [issue.path, issue.message.slice(0, 40)])).toEqual([
        ["steps[0].input.url", 'reads input "repository", which the flow'],
        ["steps[0].input.body.later", 'reads step "b", which runs later; move "'],
        ["steps[0].input.body.own", 'step "a" reads its own result; read an e'],
        ["steps[0].input.body.gone", 'reads step "zz", which is not in the flo'],
        ["steps[0].input.query.code", '"{{ process.env.HOME }}" is not a templa']
      ])
    })
  )

  it.effect("says what a credential id is when a step's is empty or malformed", () =>
    Effect.gen(function* () {
      const issues = yield* issuesOf({
        version: 1,
        name: "x",
        steps: [
          { ...step, id: "a", credential: "" },
          { ...step, id: "b", credential: "my cred" },
          { ...step, id: "c", credential: 7 },
          { ...step, id: "d", credential: "google-work.v2_1" }
        ]
      })
      const rule = 'a credential id is made of letters, digits, ".", "_" and "-"'
      expect(issues).toEqual([
        {
          path: "steps[0].credential",
          message: expect.stringMatching(/^is empty; a credential id/)
        },
        { path: "steps[1].credential", message: expect.stringContaining("is not a credential id") },
        { path: "steps[2].credential", message: "expected string, got 7" }
      ])
      expect(issues[0]!.message).toContain(rule)
      expect(issues[1]!.message).toContain(rule)
      expect(JSON.stringify(issues)).not.toContain("undefined")
    })
  )

  it.effect("reads the steps of a flow whose only problems are top-level fields", () =>
    Effect.gen(function* () {
      const draft = yield* parseFlowDraft(
        { version: 1, extra: true, steps: [step, step] },
        "The flow file x.json"
      )
      expect(draft.flow.steps).toHaveLength(2)
      expect(draft.source).toBe("The flow file x.json")
      expect(draft.issues.map((issue) => issue.path)).toEqual(["extra", "name", "steps[1].id"])
      const broken = yield* Effect.flip(
        parseFlowDraft({ version: 1, steps: [{ ...step, onError: "ignore" }] })
      )
      expect(broken.issues.map((issue) => issue.path)).toEqual(["name", "steps[0].onError"])
      const whole = yield* Effect.flip(parseFlow({ version: 1, steps: [step] }))
      expect(whole.issues).toEqual([{ path: "name", message: "is missing" }])
    })
  )

  it.effect("rejects a document that is not an object", () =>
    Effect.gen(function* () {
      const issues = yield* issuesOf([])
      expect(issues[0]?.message).toContain('"version", "name" and "steps"')
    })
  )
})

describe("loadFlow", () => {
  const dir = mkdtempSync(join(tmpdir(), "rpa-flow-test-"))

  it.effect("reads and parses a flow file", () =>
    Effect.gen(function* () {
      const path = join(dir, "ok.json")
      writeFileSync(path, JSON.stringify({ version: 1, name: "x", steps: [step] }))
      expect((yield* loadFlow(path)).name).toBe("x")
    })
  )

  it.effect("says when the file is missing or not JSON, naming the file", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(loadFlow(join(dir, "missing.json")))
      expect(missing.message).toContain("missing.json")
      expect(missing.message).toContain("ENOENT")
      const path = join(dir, "bad.json")
      writeFileSync(path, "{ version: 1 ")
      const bad = yield* Effect.flip(loadFlow(path))
      expect(bad.message).toContain("is not valid JSON")
    })
  )
})
