import { describe, expect, it } from "@effect/vitest"
import { resolveInputsOnly, resolveTemplates } from "../../src/runtime/template.js"

const scope = {
  inputs: { count: 5, repo: "acme/web", flag: false },
  steps: {
    list: {
      status: "succeeded" as const,
      output: {
        items: [{ id: 1 }, { id: 2, "x.y": "dotted" }],
        total: 2,
        headers: { "content-type": "json" }
      }
    },
    broken: { status: "failed" as const, error: { _tag: "ServerError", message: "down" } },
    later: { status: "skipped" as const }
  }
}

describe("resolveTemplates", () => {
  it("keeps the type of a value a string reads in full", () => {
    expect(
      resolveTemplates(
        {
          count: "{{ inputs.count }}",
          flag: "{{inputs.flag}}",
          items: "{{ steps.list.output.items }}",
          first: "{{ steps.list.output.items[0] }}",
          dotted: '{{ steps.list.output.items[1]["x.y"] }}',
          header: "{{ steps.list.output.headers.content-type }}"
        },
        scope
      )
    ).toEqual({
      count: 5,
      flag: false,
      items: [{ id: 1 }, { id: 2, "x.y": "dotted" }],
      first: { id: 1 },
      dotted: "dotted",
      header: "json"
    })
  })

  it("interpolates templates inside longer strings, objects as JSON", () => {
    expect(
      resolveTemplates(
        [
          "{{ inputs.repo }} has {{ steps.list.output.total }} items",
          "first: {{ steps.list.output.items[0] }}"
        ],
        scope
      )
    ).toEqual(["acme/web has 2 items", 'first: {"id":1}'])
  })

  it("reads a step's status and error, and leaves out fields that read nothing", () => {
    expect(
      resolveTemplates(
        {
          status: "{{ steps.broken.status }}",
          why: "{{ steps.broken.error.message }}",
          missing: "{{ steps.later.output.id }}",
          text: "[{{ steps.later.output.id }}]"
        },
        scope
      )
    ).toEqual({ status: "failed", why: "down", text: "[]" })
  })

  it("evaluates nothing: a template is only a path", () => {
    expect(
      resolveTemplates({ a: "{{ inputs.repo.constructor }}", b: "{{ inputs.__proto__ }}" }, scope)
    ).toEqual({})
  })
})

describe("resolveInputsOnly", () => {
  it("fills inputs and marks the fields that read steps", () => {
    expect(
      resolveInputsOnly(
        {
          url: "https://x.test/{{ inputs.repo }}",
          body: { n: "{{ steps.list.output.total }}", tags: ["a", "{{ steps.list.status }}"] }
        },
        scope.inputs
      )
    ).toEqual({
      value: {
        url: "https://x.test/acme/web",
        body: { n: "{{ steps.list.output.total }}", tags: ["a", "{{ steps.list.status }}"] }
      },
      placeholders: ["body.n", "body.tags[1]"]
    })
  })
})
