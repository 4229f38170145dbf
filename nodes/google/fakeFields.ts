/**
 * Partial responses for the Google fakes: the `fields` parameter
 * (`nextPageToken,files(id,name,parents)`, `sheets/properties`, `sheets.properties`, `*`).
 *
 * @module
 */

/** A parsed field mask: each key, with the mask of its sub-fields (`true` for all of it). */
export type FieldMask = ReadonlyMap<string, FieldMask | true>

/**
 * Parses a `fields` value; `undefined` for a mask that does not parse (the fake then
 * answers 400, as Google does for an invalid field selection).
 */
export const parseFieldMask = (text: string): FieldMask | undefined => {
  const parser = { text: text.replace(/\s+/g, ""), at: 0 }
  const mask = readList(parser)
  return mask !== undefined && parser.at === parser.text.length ? mask : undefined
}

/** Keeps only the masked fields of a value; lists are masked item by item. */
export const applyFieldMask = (value: unknown, mask: FieldMask | true): unknown => {
  if (mask === true || mask.has("*")) return value
  if (Array.isArray(value)) return value.map((item) => applyFieldMask(item, mask))
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, sub] of mask) {
    const field = (value as Record<string, unknown>)[key]
    if (field !== undefined) out[key] = applyFieldMask(field, sub)
  }
  return out
}

interface Parser {
  readonly text: string
  at: number
}

const readList = (parser: Parser): Map<string, FieldMask | true> | undefined => {
  const mask = new Map<string, FieldMask | true>()
  for (;;) {
    const added = readField(parser, mask)
    if (!added) return undefined
    if (parser.text[parser.at] !== ",") return mask
    parser.at++
  }
}

/** Reads `a`, `a/b/c` or `a(b,c)` into the mask, merging with what is there. */
const readField = (parser: Parser, mask: Map<string, FieldMask | true>): boolean => {
  const name = /^[A-Za-z0-9_*@-]+/.exec(parser.text.slice(parser.at))?.[0]
  if (name === undefined) return false
  parser.at += name.length
  const next = parser.text[parser.at]
  if (next === "/" || next === ".") {
    parser.at++
    const sub = subMask(mask, name)
    if (sub === true) return readField(parser, new Map())
    return readField(parser, sub)
  }
  if (next === "(") {
    parser.at++
    const inner = readList(parser)
    if (inner === undefined || parser.text[parser.at] !== ")") return false
    parser.at++
    const sub = subMask(mask, name)
    if (sub !== true) for (const [key, value] of inner) sub.set(key, value)
    return true
  }
  mask.set(name, true)
  return true
}

const subMask = (
  mask: Map<string, FieldMask | true>,
  name: string
): Map<string, FieldMask | true> | true => {
  const found = mask.get(name)
  if (found === true) return true
  if (found !== undefined) return found as Map<string, FieldMask | true>
  const created = new Map<string, FieldMask | true>()
  mask.set(name, created)
  return created
}
