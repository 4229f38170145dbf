/**
 * `rpa-integrations run <flow.json>`: runs a flow headless, prints its result as JSON on
 * stdout (or to `--output`), logs and progress on stderr, and exits with 0 (every step
 * succeeded, or failed with `onError: "continue"`), 1 (a step failed) or 2 (the flow, an
 * input or a credential reference is invalid; nothing was sent).
 *
 * @module
 */
import { constants } from "node:fs"
import { access, stat } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { Effect, FiberRef, LogLevel, Option } from "effect"
import { writeFileAtomic } from "../auth/atomicFile.js"
import { flowError, flowErrorToJson } from "../runtime/flowError.js"
import type { LogFormat, LogLevelName } from "../runtime/logging.js"
import { logFormats, runLogger } from "../runtime/logging.js"
import type { RunOutcome } from "../runtime/runFlow.js"
import { exitCode, runFlowEffect } from "../runtime/runFlow.js"
import type { SecretRegistry } from "../runtime/secrets.js"
import { progressReporter } from "./progress.js"
import type { Terminal } from "./terminal.js"

const flow = Args.text({ name: "flow.json" }).pipe(
  Args.withDescription("The flow file to run (JSON, version 1).")
)

const sandbox = Options.boolean("sandbox").pipe(
  Options.withDescription(
    "Run offline: start each used integration's fake server in process, route the " +
      "integration to it, and use sandbox credentials for credentials defined nowhere. " +
      "Nothing but the fakes and loopback addresses is reached."
  )
)

const input = Options.text("input").pipe(
  Options.withPseudoName("name=value"),
  Options.repeated,
  Options.withDescription(
    "A value for one of the flow's declared inputs; repeat for several. The text is read " +
      "as the input's type (number, boolean or JSON when the input's default or `type` says so)."
  )
)

const output = Options.text("output").pipe(
  Options.withPseudoName("file"),
  Options.optional,
  Options.withDescription("Write the result JSON to this file instead of stdout.")
)

const logFormat = Options.choice("log-format", logFormats).pipe(
  Options.withDefault("pretty" as LogFormat),
  Options.withDescription(
    "pretty: readable lines and a progress line per step; json: one JSON object per line."
  )
)

const filesDir = Options.text("files-dir").pipe(
  Options.withPseudoName("directory"),
  Options.optional,
  Options.withDescription(
    "Directory for the files steps download or create (created if missing). Default: a " +
      "new rpa-run-* directory in the system's temporary directory, kept after the run."
  )
)

/** The `run` command; everything it writes goes through the terminal's scrubber. */
export const runCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make("run", { flow, sandbox, input, output, logFormat, filesDir }, (options) =>
    Effect.gen(function* () {
      const unwritable = yield* outputProblem(Option.getOrUndefined(options.output))
      const outcome = unwritable ?? (yield* runWithProgress(options, terminal, secrets))
      if (outcome.status === "invalid" && options.logFormat === "pretty") {
        terminal.err(String(outcome.error.message))
      }
      const json = JSON.stringify(outcome, null, 2)
      const file = Option.getOrUndefined(options.output)
      const written =
        file !== undefined &&
        unwritable === undefined &&
        (yield* writeResult(json, file, terminal, secrets))
      if (!written) terminal.out(json)
      const code = exitCode(outcome)
      process.exitCode = file !== undefined && !written ? Math.max(code, 1) : code
    })
  ).pipe(
    Command.withDescription(
      "Run a flow headless. The result (each step's status, output or typed error, " +
        "attempts and duration) is printed as JSON. Exit code 0: every step succeeded (or " +
        "failed with onError: continue); 1: a step failed; 2: the flow, an input or a " +
        "credential reference is invalid and nothing was sent. Credentials come from " +
        "RPA_CREDENTIAL_<ID> variables, then the credential store."
    )
  )

/** Runs the flow with the command's logger, and progress in the pretty format. */
const runWithProgress = (
  options: {
    readonly flow: string
    readonly sandbox: boolean
    readonly input: ReadonlyArray<string>
    readonly logFormat: LogFormat
    readonly filesDir: Option.Option<string>
  },
  terminal: Terminal,
  secrets: SecretRegistry
): Effect.Effect<RunOutcome> =>
  Effect.gen(function* () {
    const inputs = parseInputs(options.input)
    if ("invalid" in inputs) return inputs.invalid
    const level = levelName(yield* FiberRef.get(FiberRef.currentMinimumLogLevel))
    const progress = options.logFormat === "pretty" ? progressReporter(terminal) : undefined
    const logger = runLogger({
      level,
      format: options.logFormat,
      write: terminal.err,
      colors: terminal.interactive && process.env.NO_COLOR === undefined,
      progress: progress !== undefined
    })
    return yield* runFlowEffect(options.flow, {
      inputs: inputs.values,
      sandbox: options.sandbox,
      filesDir: Option.getOrUndefined(options.filesDir),
      secrets,
      observer: progress
    }).pipe(Effect.ensuring(Effect.sync(() => progress?.stop())), Effect.provide(logger))
  })

/**
 * The invalid run an `--output` path makes when the result could not be written there (no
 * such directory, not writable, a directory itself): checked before anything is sent.
 */
const outputProblem = (file: string | undefined): Effect.Effect<RunOutcome | undefined> => {
  if (file === undefined) return Effect.succeed(undefined)
  return Effect.promise(async () => {
    const target = await stat(file).catch(() => undefined)
    if (target?.isDirectory() === true) return "it is a directory; name a file in it"
    const directory = dirname(resolve(file))
    const parent = await stat(directory).catch(() => undefined)
    if (parent === undefined || !parent.isDirectory()) {
      return `the directory ${directory} does not exist; create it first`
    }
    return access(directory, constants.W_OK).then(
      () => undefined,
      () => `the directory ${directory} is not writable`
    )
  }).pipe(
    Effect.map((problem) => {
      if (problem === undefined) return undefined
      const error = flowError("The result cannot be written; nothing was sent:", [
        { path: `--output ${file}`, message: problem }
      ])
      return { status: "invalid", error: flowErrorToJson(error), steps: {} } as const
    })
  )
}

/**
 * Writes the result to the `--output` file atomically (a reader never sees half of it);
 * false (and a message) when that fails.
 */
const writeResult = (
  json: string,
  file: string,
  terminal: Terminal,
  secrets: SecretRegistry
): Effect.Effect<boolean> =>
  writeFileAtomic(file, Buffer.from(`${secrets.scrub(json)}\n`)).pipe(
    Effect.as(true),
    Effect.catchAll((error) =>
      Effect.sync(() => {
        terminal.err(`Cannot write the result to ${file} (${error.message}); printing it instead.`)
        return false
      })
    )
  )

/** `--input name=value` pairs, or the invalid run they make. */
const parseInputs = (
  pairs: ReadonlyArray<string>
): { readonly values: Record<string, string> } | { readonly invalid: RunOutcome } => {
  const values: Record<string, string> = {}
  const issues = []
  for (const pair of pairs) {
    const at = pair.indexOf("=")
    const name = at === -1 ? pair : pair.slice(0, at)
    if (at <= 0) {
      issues.push({
        path: `--input ${pair}`,
        message: "write name=value, for example --input repo=acme/web"
      })
    } else if (Object.hasOwn(values, name)) {
      issues.push({ path: `--input ${name}`, message: "is given twice; give each input once" })
    } else values[name] = pair.slice(at + 1)
  }
  if (issues.length === 0) return { values }
  const error = flowError("The --input options are invalid:", issues)
  return { invalid: { status: "invalid", error: flowErrorToJson(error), steps: {} } }
}

const levelName = (level: LogLevel.LogLevel): LogLevelName => {
  if (LogLevel.lessThanEqual(level, LogLevel.Debug)) return "debug"
  if (LogLevel.lessThanEqual(level, LogLevel.Info)) return "info"
  if (LogLevel.lessThanEqual(level, LogLevel.Warning)) return "warn"
  return "error"
}
