/**
 * The run's logger: every log line of the runner and the kernel, at a chosen level, as
 * readable text or as one JSON object per line, written to a sink the host chooses
 * (the command line writes to stderr through the secret scrubber).
 *
 * At `info` a run logs each finished step with its duration; at `debug` the kernel adds
 * each HTTP attempt (method, masked URL, status, duration).
 *
 * @module
 */
import {
  Cause,
  FiberRef,
  HashMap,
  HashSet,
  Inspectable,
  Layer,
  List,
  Logger,
  LogLevel,
  Option
} from "effect"
import { stepFinishedEvent } from "./executor.js"

/** Log levels a user can choose, from most to least verbose. */
export const logLevels = ["debug", "info", "warn", "error"] as const

/** A log level a user can choose. */
export type LogLevelName = (typeof logLevels)[number]

/** Log line formats: `pretty` for people, `json` for log collectors. */
export const logFormats = ["pretty", "json"] as const

/** A log line format. */
export type LogFormat = (typeof logFormats)[number]

/** How and where a run logs. */
export interface LogOptions {
  readonly level: LogLevelName
  readonly format: LogFormat
  /** Receives each complete line, without the trailing newline. */
  readonly write: (line: string) => void
  /** Colour the level names (pretty format only). */
  readonly colors?: boolean | undefined
  /**
   * Leave the lines of finished steps out of the pretty format, because a progress
   * reporter shows them. The JSON format keeps them.
   */
  readonly progress?: boolean | undefined
}

/** Makes the run's logger the only logger, and sets the minimum level. */
export const runLogger = (options: LogOptions): Layer.Layer<never> =>
  Layer.merge(
    Layer.locallyScoped(FiberRef.currentLoggers, HashSet.make(lineLogger(options))),
    Logger.minimumLogLevel(levelOf[options.level])
  )

/** A layer that turns logging off, for hosts that did not ask for logs. */
export const noLogs: Layer.Layer<never> = Logger.replace(Logger.defaultLogger, Logger.none)

const levelOf: Record<LogLevelName, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  error: LogLevel.Error
}

/** A logger that formats each entry as one line and hands it to `options.write`. */
export const lineLogger = (options: Omit<LogOptions, "level">): Logger.Logger<unknown, void> => {
  if (options.format === "json") return Logger.map(Logger.jsonLogger, options.write)
  const pretty = prettyLogger(options.colors === true)
  return Logger.make((entry) => {
    const event = HashMap.get(entry.annotations, "event")
    if (options.progress === true && Option.contains(event, stepFinishedEvent)) return
    options.write(pretty.log(entry))
  })
}

const levelColors: Record<string, string> = {
  DEBUG: "\x1b[2m",
  INFO: "\x1b[36m",
  WARN: "\x1b[33m",
  ERROR: "\x1b[31m",
  FATAL: "\x1b[31m"
}

/** `12:00:01.234 INFO  step succeeded  step=issues node=github.listIssues durationMs=120`. */
const prettyLogger = (colors: boolean): Logger.Logger<unknown, string> =>
  Logger.make(({ annotations, cause, date, logLevel, message, spans }) => {
    const level = logLevel.label
    const label = colors ? `${levelColors[level] ?? ""}${level.padEnd(5)}\x1b[0m` : level.padEnd(5)
    const fields = [
      ...HashMap.toEntries(annotations)
        .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
        .map(([key, value]) => `${key}=${formatValue(value)}`),
      ...List.toArray(spans).map((span) => `${span.label}=${date.getTime() - span.startTime}ms`)
    ]
    const text = (Array.isArray(message) ? message : [message]).map(formatMessage).join(" ")
    const line = [date.toISOString().slice(11, 23), label, text, ...fields].join("  ")
    return Cause.isEmpty(cause)
      ? line
      : `${line}\n${Cause.pretty(cause, { renderErrorCause: true })}`
  })

/** Where the run is first (step, node), then what happened; other keys after, by name. */
const leadingKeys = ["step", "node", "integration", "method", "url", "status", "attempt"]

const rank = (key: string): number => {
  const index = leadingKeys.indexOf(key)
  return index === -1 ? leadingKeys.length : index
}

const formatMessage = (value: unknown): string =>
  typeof value === "string" ? value : formatValue(value)

const formatValue = (value: unknown): string => {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  return Inspectable.stringifyCircular(Inspectable.toJSON(value))
}
