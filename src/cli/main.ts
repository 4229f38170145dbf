/**
 * The `rpa-integrations` command: run flows headless, list and describe the pack's
 * nodes, and generate the manifest.
 *
 * Everything the command writes passes through the scrubber of the run's secrets. Exit
 * codes: 0 success; 1 a step failed (or the manifest is stale); 2 invalid flow, input,
 * credential reference or command line, with nothing sent.
 *
 * @module
 */
import "./v8Settings.js"
import { CliConfig, Command, ValidationError } from "@effect/cli"
import type { Teardown } from "@effect/platform/Runtime"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer, Logger, Option } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { lineLogger } from "../runtime/logging.js"
import { makeSecretRegistry } from "../runtime/secrets.js"
import { describeCommand, manifestCommand, nodesCommand } from "./catalogCommands.js"
import { credentialsCommand } from "./credentials.js"
import { runCommand } from "./runCommand.js"
import { makeTerminal } from "./terminal.js"

const secrets = makeSecretRegistry()
const terminal = makeTerminal(secrets)

const root = Command.make("rpa-integrations").pipe(
  Command.withDescription(
    "External-API integrations for RPA flows. Run a flow headless with `run <flow.json>` " +
      "(add --sandbox to try it offline against fake servers), list nodes with `nodes`, " +
      "see a node's fields with `describe http.request`. Global: --log-level " +
      "debug|info|warning|error (default info) sets what run logs on stderr."
  ),
  Command.withSubcommands([
    runCommand(terminal, secrets),
    nodesCommand(terminal),
    describeCommand(terminal),
    credentialsCommand(terminal, secrets),
    manifestCommand(terminal)
  ])
)

const cli = Command.run(root, { name: "rpa-integrations", version: packageJson.version })

/** `warn` is accepted for `--log-level warning`, the name the command line library uses. */
const argv = process.argv.map((arg, i, all) =>
  arg === "warn" && all[i - 1] === "--log-level"
    ? "warning"
    : arg.replace(/^--log-level=warn$/, "--log-level=warning")
)

/** Exit codes: the command's own, 2 for a bad command line, 1 for anything unexpected. */
const teardown: Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit)) return onExit(Number(process.exitCode ?? 0))
  if (Cause.isInterruptedOnly(exit.cause)) return onExit(130)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return onExit(2)
  terminal.err(
    `rpa-integrations failed unexpectedly; please report this:\n${Cause.pretty(exit.cause)}`
  )
  onExit(1)
}

/** Logs of every command go to stderr; `run` sets up its own from its options. */
const commandLogs = Logger.replace(
  Logger.defaultLogger,
  lineLogger({ format: "pretty", write: terminal.err, colors: false })
)

cli(argv).pipe(
  Effect.provide(
    Layer.mergeAll(NodeContext.layer, CliConfig.layer({ showTypes: false }), commandLogs)
  ),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true, teardown })
)
