/**
 * A small, safe reader for paths into a JSON value, such as the path to the items of a
 * page or to the next cursor: `data.items[0].id`, `$.value`, `["@odata.nextLink"]`.
 *
 * Paths are parsed, never evaluated: no filters, wildcards or scripts. Only a value's own
 * properties are read, so `__proto__` or `constructor` read as missing.
 *
 * @module
 */
import { Either } from "effect"

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number

/** A parsed path, ready to read many JSON values (parse once, read per page). */
export interface JsonPath {
  /** The path as the user wrote it, for error messages. */
  readonly source: string
  /** The keys and indexes, in order; an empty list is the value itself. */
  readonly segments: ReadonlyArray<PathSegment>
  /** The value at this path, or `undefined` when any step is missing. */
  readonly read: (value: unknown) => unknown
}

/**
 * Parses a path such as `a.b[0].c`, `$.a`, `$["@odata.nextLink"]` or `['x.y'].z`.
 *
 * A leading `$` (alone, or before `.` or `[`) stands for the value itself. Keys with dots,
 * spaces or quotes go in brackets with double or single quotes, where a backslash takes
 * the next character as it is (`["say \"hi\""]`). When an object has a key equal to
 * several dotted steps joined by dots, that key wins, so `@odata.nextLink` reads the key
 * `@odata.nextLink` where one exists.
 * Fails with a message that says where the path is wrong and how to write it.
 */
export const compilePath = (path: string): Either.Either<JsonPath, string> =>
  Either.map(tokenize(path), (tokens) => ({
    source: path,
    segments: tokens.map((token) => token.key),
    read: (value: unknown) => readTokens(value, tokens)
  }))

/**
 * Checks a path and returns its keys and indexes, so a node can reject a bad path as an
 * input error before anything is sent.
 */
export const parsePath = (path: string): Either.Either<ReadonlyArray<PathSegment>, string> =>
  Either.map(compilePath(path), (parsed) => parsed.segments)

/**
 * The value at `path` inside `value`, or `undefined` when a step is missing or the path
 * is not valid (check it first with {@link parsePath} to tell the two apart).
 */
export const readPath = (value: unknown, path: string): unknown =>
  Either.match(compilePath(path), {
    onLeft: () => undefined,
    onRight: (parsed) => parsed.read(value)
  })

/** A key written with dots (`a.b`) may join its dotted neighbours; a bracketed one may not. */
interface Token {
  readonly key: PathSegment
  readonly dotted: boolean
}

const arrayIndex = /^(?:0|[1-9][0-9]*)$/

const readTokens = (value: unknown, tokens: ReadonlyArray<Token>): unknown => {
  let current = value
  let i = 0
  while (i < tokens.length) {
    const token = tokens[i]!
    if (Array.isArray(current)) {
      current = readIndex(current, token.key)
      i++
    } else if (isRecord(current)) {
      const joined = token.dotted ? longestDottedKey(current, tokens, i) : 1
      const key = tokens
        .slice(i, i + joined)
        .map((t) => String(t.key))
        .join(".")
      current = Object.hasOwn(current, key) ? current[key] : undefined
      i += joined
    } else {
      return undefined
    }
    if (current === undefined) return undefined
  }
  return current
}

const readIndex = (array: ReadonlyArray<unknown>, key: PathSegment): unknown => {
  const index = typeof key === "number" ? key : arrayIndex.test(key) ? Number(key) : -1
  return index >= 0 && index < array.length ? array[index] : undefined
}

/** How many dotted tokens from `start` form the longest key the object has (at least 1). */
const longestDottedKey = (
  record: Readonly<Record<string, unknown>>,
  tokens: ReadonlyArray<Token>,
  start: number
): number => {
  let end = start
  while (end + 1 < tokens.length && tokens[end + 1]!.dotted) end++
  for (let last = end; last > start; last--) {
    const key = tokens
      .slice(start, last + 1)
      .map((t) => String(t.key))
      .join(".")
    if (Object.hasOwn(record, key)) return last - start + 1
  }
  return 1
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null

const hint = 'write keys as a.b[0].c, or put a key with dots in quotes: ["@odata.nextLink"]'

const tokenize = (path: string): Either.Either<ReadonlyArray<Token>, string> => {
  const fail = (position: number, problem: string) =>
    Either.left(`JSON path "${path}" is not valid: ${problem} at position ${position}; ${hint}`)
  const tokens: Array<Token> = []
  let i = 0
  if (path.startsWith("$") && (path.length === 1 || path[1] === "." || path[1] === "[")) {
    i = path[1] === "." ? 2 : 1
    if (i === 2 && i === path.length) return fail(i, "a key is missing after '$.'")
  }
  let expectKey = i === 2
  while (i < path.length) {
    const char = path[i]!
    if (char === "[") {
      const bracket = readBracket(path, i)
      if (Either.isLeft(bracket)) return fail(i, bracket.left)
      tokens.push({ key: bracket.right.key, dotted: false })
      i = bracket.right.next
      expectKey = false
    } else if (char === "." && !expectKey) {
      if (tokens.length === 0) return fail(i, "a path cannot start with '.'")
      i++
      expectKey = true
      if (i === path.length) return fail(i, "a key is missing after the last '.'")
    } else if (char === "]") {
      return fail(i, "']' has no matching '['")
    } else {
      if (!expectKey && tokens.length > 0) return fail(i, "expected '.' or '[' between keys")
      const end = nextDelimiter(path, i)
      if (end === i) return fail(i, "a key is empty")
      tokens.push({ key: path.slice(i, end), dotted: true })
      i = end
      expectKey = false
    }
  }
  return Either.right(tokens)
}

const nextDelimiter = (path: string, from: number): number => {
  let end = from
  while (end < path.length && path[end] !== "." && path[end] !== "[" && path[end] !== "]") end++
  return end
}

/** Reads `[12]`, `["key"]` or `['key']` starting at the `[`. */
const readBracket = (
  path: string,
  open: number
): Either.Either<{ readonly key: PathSegment; readonly next: number }, string> => {
  const quote = path[open + 1]
  if (quote === '"' || quote === "'") {
    let key = ""
    let i = open + 2
    while (i < path.length && path[i] !== quote) {
      if (path[i] === "\\" && i + 1 < path.length) i++
      key += path[i]
      i++
    }
    if (i >= path.length) return Either.left(`the quoted key has no closing ${quote}`)
    if (path[i + 1] !== "]") return Either.left(`expected ']' after the closing ${quote}`)
    return Either.right({ key, next: i + 2 })
  }
  const close = path.indexOf("]", open)
  if (close === -1) return Either.left("'[' has no matching ']'")
  const inside = path.slice(open + 1, close)
  if (!arrayIndex.test(inside)) {
    return Either.left(
      inside === "*"
        ? "wildcards are not supported"
        : `expected an array index or a quoted key inside [], found "${inside}"`
    )
  }
  return Either.right({ key: Number(inside), next: close + 1 })
}
