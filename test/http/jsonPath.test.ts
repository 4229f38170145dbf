import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import type { PathSegment } from "../../src/http/jsonPath.js"
import { compilePath, parsePath, readPath } from "../../src/http/jsonPath.js"

const sample = {
  data: { items: [{ id: 1, tags: ["a", "b"] }, { id: 2 }], count: 2 },
  "@odata.nextLink": "https://graph.test/next",
  "@odata": { nextLink: "shadowed" },
  "x.y": { z: true },
  "with space": 1,
  $ref: "r",
  "0": "zero",
  nothing: null
}

describe("parsePath", () => {
  it("reads dotted keys, indexes and quoted keys", () => {
    expect(parsePath("a.b[0].c")).toEqual(Either.right(["a", "b", 0, "c"]))
    expect(parsePath('$["@odata.nextLink"]')).toEqual(Either.right(["@odata.nextLink"]))
    expect(parsePath("['x.y'].z")).toEqual(Either.right(["x.y", "z"]))
    expect(parsePath('["say \\"hi\\""]')).toEqual(Either.right(['say "hi"']))
    expect(parsePath("[0][1]")).toEqual(Either.right([0, 1]))
  })

  it("treats an empty path and a lone $ as the value itself", () => {
    expect(parsePath("")).toEqual(Either.right([]))
    expect(parsePath("$")).toEqual(Either.right([]))
    expect(parsePath("$.a")).toEqual(Either.right(["a"]))
    expect(parsePath("$[2]")).toEqual(Either.right([2]))
  })

  it("keeps a leading $ that is part of a key", () => {
    expect(parsePath("$ref")).toEqual(Either.right(["$ref"]))
  })

  it.each([
    ["a..b", "a key is empty"],
    ["a.", "a key is missing after the last '.'"],
    [".a", "a path cannot start with '.'"],
    ["$.", "a key is missing after '$.'"],
    ["a[", "'[' has no matching ']'"],
    ["a[x]", 'expected an array index or a quoted key inside [], found "x"'],
    ["a[-1]", "expected an array index"],
    ["a[*]", "wildcards are not supported"],
    ['a["b]', "the quoted key has no closing"],
    ['a["b"c]', "expected ']' after the closing"],
    ["a[0]b", "expected '.' or '[' between keys"],
    ["a]", "']' has no matching '['"]
  ])("rejects %s with a message that says what is wrong", (path, problem) => {
    const result = parsePath(path)
    expect(Either.isLeft(result)).toBe(true)
    const message = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : ""))
    expect(message).toContain(problem)
    expect(message).toContain(`"${path}"`)
  })
})

describe("readPath", () => {
  it("reads nested keys and array indexes", () => {
    expect(readPath(sample, "data.items[1].id")).toBe(2)
    expect(readPath(sample, "data.items.0.tags[1]")).toBe("b")
    expect(readPath(sample, "$.data.count")).toBe(2)
    expect(readPath(sample, "$")).toBe(sample)
    expect(readPath(sample, "")).toBe(sample)
  })

  it("prefers a key that contains the dots of the remaining path", () => {
    expect(readPath(sample, "@odata.nextLink")).toBe("https://graph.test/next")
    expect(readPath(sample, "$.@odata.nextLink")).toBe("https://graph.test/next")
    expect(readPath(sample, "x.y.z")).toBe(true)
    expect(readPath({ value: { "@odata.count": 5 } }, "value.@odata.count")).toBe(5)
  })

  it("reads a bracketed key exactly, without joining it to its neighbours", () => {
    expect(readPath(sample, '["@odata"].nextLink')).toBe("shadowed")
    expect(readPath(sample, '["@odata.nextLink"]')).toBe("https://graph.test/next")
    expect(readPath(sample, "['with space']")).toBe(1)
    expect(readPath(sample, "with space")).toBe(1)
  })

  it("returns undefined for a missing step, a primitive or an index out of range", () => {
    expect(readPath(sample, "data.missing.deeper")).toBeUndefined()
    expect(readPath(sample, "data.count.toFixed")).toBeUndefined()
    expect(readPath(sample, "data.items[5]")).toBeUndefined()
    expect(readPath(sample, "nothing.x")).toBeUndefined()
    expect(readPath(sample, "nothing")).toBeNull()
  })

  it("reads numeric keys of objects and keeps arrays to whole indexes", () => {
    expect(readPath(sample, "0")).toBe("zero")
    expect(readPath(sample, "[0]")).toBe("zero")
    expect(readPath(["a", "b"], "01")).toBeUndefined()
    expect(readPath(["a", "b"], "length")).toBeUndefined()
  })

  it("never reads inherited properties", () => {
    expect(readPath({}, "constructor")).toBeUndefined()
    expect(readPath({}, "__proto__")).toBeUndefined()
    expect(readPath({}, "constructor.prototype")).toBeUndefined()
    expect(readPath(JSON.parse('{"__proto__": {"x": 1}}'), "__proto__.x")).toBe(1)
  })

  it("returns undefined for an invalid path", () => {
    expect(readPath(sample, "data..items")).toBeUndefined()
  })

  it("reads many values with one compiled path", () => {
    const path = Either.getOrThrow(compilePath("response_metadata.next_cursor"))
    expect(path.source).toBe("response_metadata.next_cursor")
    expect(path.read({ response_metadata: { next_cursor: "c1" } })).toBe("c1")
    expect(path.read({ response_metadata: {} })).toBeUndefined()
  })
})

/** A JSON value with some arbitrary keys, including keys with dots, quotes and brackets. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 })
  )
})).value

/** Every path to a value inside `value`, as its segments, with the value found there. */
const pathsOf = (
  value: unknown,
  prefix: ReadonlyArray<PathSegment> = []
): Array<[ReadonlyArray<PathSegment>, unknown]> => {
  const here: Array<[ReadonlyArray<PathSegment>, unknown]> = [[prefix, value]]
  if (Array.isArray(value)) {
    return here.concat(value.flatMap((item, i) => pathsOf(item, [...prefix, i])))
  }
  if (typeof value === "object" && value !== null) {
    return here.concat(
      Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))
    )
  }
  return here
}

const bracketed = (segments: ReadonlyArray<PathSegment>) =>
  `$${segments.map((s) => (typeof s === "number" ? `[${s}]` : `[${JSON.stringify(s)}]`)).join("")}`

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

const dotted = (segments: ReadonlyArray<PathSegment>) =>
  segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("")

describe("readPath properties", () => {
  it("reads back every value of a generated object through a bracketed path", () => {
    fc.assert(
      fc.property(json, (value) => {
        for (const [segments, expected] of pathsOf(value)) {
          const path = bracketed(segments)
          expect(parsePath(path)).toEqual(Either.right(segments))
          expect(readPath(value, path)).toBe(expected)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("reads back every value through a dotted path when keys are plain names", () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.integer(),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.stringMatching(identifier), tie("value"), { maxKeys: 3 })
      )
    })).value
    fc.assert(
      fc.property(plain, (value) => {
        for (const [segments, expected] of pathsOf(value)) {
          expect(readPath(value, dotted(segments))).toBe(expected)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("never throws, whatever the path", () => {
    fc.assert(
      fc.property(json, fc.string(), (value, path) => {
        const parsed = parsePath(path)
        const read = readPath(value, path)
        if (Either.isLeft(parsed)) expect(read).toBeUndefined()
      })
    )
  })
})
