/**
 * What the command writes, and the secret scrubber in front of it: the result on stdout,
 * logs and progress on stderr, and on a terminal a live status line kept below the log.
 *
 * @module
 */
import type { SecretRegistry } from "../runtime/secrets.js"

/** The command's output streams, every write scrubbed of the run's secrets. */
export interface Terminal {
  /** Writes a line to stdout. */
  readonly out: (text: string) => void
  /** Writes a line to stderr, above the live status line. */
  readonly err: (text: string) => void
  /** Shows (or with `undefined` clears) the live status line; only on a terminal. */
  readonly status: (text: string | undefined) => void
  /** True when stderr is a terminal (live status line, colours). */
  readonly interactive: boolean
}

const clearLine = "\r\x1b[2K"

/** A terminal over this process's stdout and stderr. */
export const makeTerminal = (secrets: SecretRegistry): Terminal => {
  const interactive = process.stderr.isTTY === true
  let shown: string | undefined

  const write = (stream: NodeJS.WriteStream, text: string) => {
    if (shown !== undefined) process.stderr.write(clearLine)
    stream.write(`${secrets.scrub(text)}\n`)
    if (shown !== undefined) process.stderr.write(shown)
  }

  const status = (text: string | undefined) => {
    if (!interactive) return
    const line = text === undefined ? undefined : secrets.scrub(fitWidth(text))
    process.stderr.write(line === undefined ? clearLine : `${clearLine}${line}`)
    shown = line
  }

  return {
    out: (text) => write(process.stdout, text),
    err: (text) => write(process.stderr, text),
    status,
    interactive
  }
}

/** Cuts a status line to the terminal's width, so it never wraps. */
const fitWidth = (text: string): string => {
  const width = process.stderr.columns > 0 ? process.stderr.columns : 80
  return text.length < width ? text : `${text.slice(0, Math.max(0, width - 2))}…`
}
