import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { parseLinkHeader } from "../../src/http/pagination.js"

describe("parseLinkHeader", () => {
  it("reads GitHub's Link header", () => {
    const header =
      '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", ' +
      '<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", ' +
      '<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", ' +
      '<https://api.github.com/repositories/1300192/issues?page=1>; rel="first"'
    expect(parseLinkHeader(header)).toEqual({
      prev: "https://api.github.com/repositories/1300192/issues?page=2",
      next: "https://api.github.com/repositories/1300192/issues?page=4",
      last: "https://api.github.com/repositories/1300192/issues?page=515",
      first: "https://api.github.com/repositories/1300192/issues?page=1"
    })
  })

  it("keeps commas and semicolons inside <...>", () => {
    expect(parseLinkHeader('<https://x.test/a?ids=1,2;3>; rel="next"')).toEqual({
      next: "https://x.test/a?ids=1,2;3"
    })
  })

  it("reads quoted parameters that contain commas, semicolons and escaped quotes", () => {
    const header =
      '<https://x.test/p>; title="a, \\"b\\"; c"; rel="prev", <https://x.test/n>; rel=next'
    expect(parseLinkHeader(header)).toEqual({ prev: "https://x.test/p", next: "https://x.test/n" })
  })

  it("lists a link under each of its relation types, lower-cased", () => {
    expect(parseLinkHeader('<https://x.test/2>; rel="Next  LAST"')).toEqual({
      next: "https://x.test/2",
      last: "https://x.test/2"
    })
  })

  it("reads parameters without a value", () => {
    const header = '<https://x.test/p>; crossorigin; rel="prev", <https://x.test/n>; rel="next"'
    expect(parseLinkHeader(header)).toEqual({ prev: "https://x.test/p", next: "https://x.test/n" })
  })

  it("tolerates spaces, folded lines and no spaces at all", () => {
    expect(
      parseLinkHeader('  <https://x.test/p> ;rel = "prev" ,\r\n\t<https://x.test/n>;rel=next ')
    ).toEqual({
      prev: "https://x.test/p",
      next: "https://x.test/n"
    })
  })

  it("keeps the first link of a relation that appears twice, and the first rel parameter", () => {
    expect(
      parseLinkHeader('<https://x.test/1>; rel="next"; rel="prev", <https://x.test/2>; rel="next"')
    ).toEqual({
      next: "https://x.test/1"
    })
  })

  it("keeps relative references as written", () => {
    expect(parseLinkHeader('</items?page=2>; rel="next"')).toEqual({ next: "/items?page=2" })
  })

  it("skips malformed parts and keeps the links around them", () => {
    expect(parseLinkHeader('garbage, <https://x.test/n>; rel="next", more garbage')).toEqual({
      next: "https://x.test/n"
    })
    expect(parseLinkHeader('<https://x.test/n>; rel="next", <https://x.test/broken')).toEqual({
      next: "https://x.test/n"
    })
    expect(parseLinkHeader('<https://x.test/n>; rel="next')).toEqual({ next: "https://x.test/n" })
  })

  it("ignores links without a relation type and returns nothing for an empty header", () => {
    expect(parseLinkHeader("<https://x.test/a>")).toEqual({})
    expect(parseLinkHeader("")).toEqual({})
  })

  it("stores a relation named like an object property as a plain entry", () => {
    const links = parseLinkHeader('<https://x.test/a>; rel="__proto__ constructor"')
    expect(Object.keys(links)).toEqual(["__proto__", "constructor"])
    expect(Object.getPrototypeOf(links)).toBe(Object.prototype)
  })

  it("never throws and returns only strings, whatever the header", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (header) => {
        const links = parseLinkHeader(header)
        for (const value of Object.values(links)) expect(typeof value).toBe("string")
      })
    )
  })

  it("reads back the links it is given", () => {
    const rel = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/)
    const uri = fc.webUrl().filter((u) => !u.includes(">"))
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(rel, uri), { selector: ([r]) => r, maxLength: 6 }),
        (links) => {
          const header = links.map(([r, u]) => `<${u}>; rel="${r}"`).join(", ")
          expect(parseLinkHeader(header)).toEqual(Object.fromEntries(links))
        }
      )
    )
  })
})
