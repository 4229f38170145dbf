/**
 * Captures every log line of an effect, at debug level and above, as text: message,
 * annotations and cause. Used to check that no token, secret or code verifier is logged.
 *
 * @module
 */
import { Cause, HashMap, Layer, Logger, LogLevel } from "effect"

/** A log sink and the layer that sends an effect's logs to it. */
export interface LogCapture {
  /** The lines logged so far. */
  readonly lines: Array<string>
  /** Replaces the default logger and lowers the minimum level to debug. */
  readonly layer: Layer.Layer<never>
  /** Whether any line contains any of the given values. */
  readonly leaks: (values: ReadonlyArray<string>) => ReadonlyArray<string>
}

/** A new, empty log capture. */
export const captureLogs = (): LogCapture => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message, annotations, cause }) => {
    lines.push(
      JSON.stringify({
        level: logLevel.label,
        message,
        annotations: Object.fromEntries(HashMap.toEntries(annotations)),
        cause: Cause.isEmpty(cause) ? undefined : Cause.pretty(cause, { renderErrorCause: true })
      })
    )
  })
  return {
    lines,
    layer: Layer.merge(
      Logger.replace(Logger.defaultLogger, logger),
      Logger.minimumLogLevel(LogLevel.All)
    ),
    leaks: (values) =>
      values.filter((value) => value !== "" && lines.some((line) => line.includes(value)))
  }
}
