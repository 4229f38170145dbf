/**
 * The Drive fake's reading of Drive's search language (the `q` parameter of
 * `files.list`): `name contains 'report' and 'FOLDER' in parents and trashed = false`.
 *
 * Supported: `and`, `or`, `not`, parentheses; `name`, `mimeType`, `fullText`,
 * `description` with `=`, `!=` and `contains`; `createdTime` and `modifiedTime` with
 * comparisons against RFC 3339 times; `trashed` and `starred` with `=` and `!=`; and
 * `'<id>' in parents`. Anything else is an invalid query, as Drive answers it.
 *
 * @module
 */

/** What a query is tested against. */
export interface QueryableFile {
  readonly name: string
  readonly mimeType: string
  readonly description?: string | undefined
  readonly text?: string | undefined
  readonly parents: ReadonlyArray<string>
  readonly trashed: boolean
  readonly starred: boolean
  readonly createdTime: string
  readonly modifiedTime: string
}

/** A parsed query: a test of one file. */
export type FileQuery = (file: QueryableFile) => boolean

/** Parses a `q` value; `undefined` when Drive would answer "Invalid Value". */
export const parseDriveQuery = (text: string): FileQuery | undefined => {
  const tokens = tokenize(text)
  if (tokens === undefined) return undefined
  const parser = { tokens, at: 0 }
  const query = readOr(parser)
  return query !== undefined && parser.at === tokens.length ? query : undefined
}

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "op"; readonly text: string }
  | { readonly kind: "paren"; readonly text: "(" | ")" }

interface Parser {
  readonly tokens: ReadonlyArray<Token>
  at: number
}

const tokenize = (text: string): Array<Token> | undefined => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (/\s/.test(char)) {
      i++
    } else if (char === "(" || char === ")") {
      tokens.push({ kind: "paren", text: char })
      i++
    } else if (char === "'" || char === '"') {
      let value = ""
      i++
      while (i < text.length && text[i] !== char) {
        if (text[i] === "\\" && i + 1 < text.length) i++
        value += text[i++]
      }
      if (i >= text.length) return undefined
      i++
      tokens.push({ kind: "string", text: value })
    } else if (/[=!<>]/.test(char)) {
      const op = /^(?:!=|<=|>=|=|<|>)/.exec(text.slice(i))?.[0]
      if (op === undefined) return undefined
      tokens.push({ kind: "op", text: op })
      i += op.length
    } else {
      const word = /^[A-Za-z0-9_.:-]+/.exec(text.slice(i))?.[0]
      if (word === undefined) return undefined
      tokens.push({ kind: "word", text: word })
      i += word.length
    }
  }
  return tokens
}

const peekWord = (parser: Parser, word: string) => {
  const token = parser.tokens[parser.at]
  return token?.kind === "word" && token.text.toLowerCase() === word
}

const readOr = (parser: Parser): FileQuery | undefined => {
  let left = readAnd(parser)
  while (left !== undefined && peekWord(parser, "or")) {
    parser.at++
    const right = readAnd(parser)
    if (right === undefined) return undefined
    const l = left
    left = (file) => l(file) || right(file)
  }
  return left
}

const readAnd = (parser: Parser): FileQuery | undefined => {
  let left = readNot(parser)
  while (left !== undefined && peekWord(parser, "and")) {
    parser.at++
    const right = readNot(parser)
    if (right === undefined) return undefined
    const l = left
    left = (file) => l(file) && right(file)
  }
  return left
}

const readNot = (parser: Parser): FileQuery | undefined => {
  if (peekWord(parser, "not")) {
    parser.at++
    const inner = readNot(parser)
    return inner === undefined ? undefined : (file) => !inner(file)
  }
  const token = parser.tokens[parser.at]
  if (token?.kind === "paren" && token.text === "(") {
    parser.at++
    const inner = readOr(parser)
    const close = parser.tokens[parser.at]
    if (inner === undefined || close?.kind !== "paren" || close.text !== ")") return undefined
    parser.at++
    return inner
  }
  return readTerm(parser)
}

/** `field op value`, or `'value' in parents`. */
const readTerm = (parser: Parser): FileQuery | undefined => {
  const [first, second, third] = parser.tokens.slice(parser.at, parser.at + 3)
  if (first?.kind === "string" && second?.kind === "word" && second.text === "in") {
    if (third?.kind !== "word" || third.text !== "parents") return undefined
    parser.at += 3
    const id = first.text
    return (file) => file.parents.includes(id)
  }
  if (first?.kind !== "word" || second === undefined || third === undefined) return undefined
  const op = second.kind === "op" ? second.text : second.kind === "word" ? second.text : undefined
  if (op === undefined) return undefined
  const test = compare(first.text, op, third)
  if (test !== undefined) parser.at += 3
  return test
}

const compare = (field: string, op: string, value: Token): FileQuery | undefined => {
  switch (field) {
    case "name":
    case "mimeType":
    case "description":
    case "fullText": {
      if (value.kind !== "string") return undefined
      const read = (file: QueryableFile) =>
        field === "fullText"
          ? `${file.name} ${file.description ?? ""} ${file.text ?? ""}`
          : String(file[field as "name" | "mimeType" | "description"] ?? "")
      return textTest(read, op, value.text, field)
    }
    case "createdTime":
    case "modifiedTime": {
      const at = value.kind === "string" ? Date.parse(value.text) : Number.NaN
      if (!Number.isFinite(at)) return undefined
      const read = (file: QueryableFile) => Date.parse(file[field])
      return orderTest(read, op, at)
    }
    case "trashed":
    case "starred": {
      if (value.kind !== "word" || !["true", "false"].includes(value.text)) return undefined
      const wanted = value.text === "true"
      if (op === "=") return (file) => file[field] === wanted
      if (op === "!=") return (file) => file[field] !== wanted
      return undefined
    }
    default:
      return undefined
  }
}

const textTest = (
  read: (file: QueryableFile) => string,
  op: string,
  value: string,
  field: string
): FileQuery | undefined => {
  switch (op) {
    case "=":
      return field === "fullText" ? undefined : (file) => read(file) === value
    case "!=":
      return field === "fullText" ? undefined : (file) => read(file) !== value
    case "contains": {
      const lower = value.toLowerCase()
      return field === "mimeType" ? undefined : (file) => read(file).toLowerCase().includes(lower)
    }
    default:
      return undefined
  }
}

const orderTest = (
  read: (file: QueryableFile) => number,
  op: string,
  at: number
): FileQuery | undefined => {
  switch (op) {
    case "=":
      return (file) => read(file) === at
    case "!=":
      return (file) => read(file) !== at
    case "<":
      return (file) => read(file) < at
    case "<=":
      return (file) => read(file) <= at
    case ">":
      return (file) => read(file) > at
    case ">=":
      return (file) => read(file) >= at
    default:
      return undefined
  }
}
