/**
 * `rpa-integrations credentials add|list|remove|login|test`: the credentials of this
 * machine, kept in the encrypted credential store. Values are never printed; `list`
 * shows ids, types and dates only.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { Context, Data, Effect, Either, Layer, Option } from "effect"
import { connectCredential, revokeCredential } from "../auth/connectCredential.js"
import type { StoredCredential } from "../auth/credentialSource.js"
import { CredentialSource } from "../auth/credentialSource.js"
import { CredentialStore, layerCredentialStore } from "../auth/credentialStore.js"
import { testCredential } from "../auth/credentialTest.js"
import { credentialVariable, credentialVariablePrefix } from "../auth/envCredentials.js"
import type { OAuth2Fields } from "../auth/oauth2CredentialType.js"
import { isOAuth2CredentialType } from "../auth/oauth2CredentialType.js"
import type { Credential } from "../node/credentialType.js"
import type { Registry } from "../node/registry.js"
import type { ResolvedCredential } from "../runtime/credentials.js"
import { decodeCredential, machineCredentials } from "../runtime/credentials.js"
import type { SecretRegistry } from "../runtime/secrets.js"
import { packRegistry } from "./pack.js"
import type { Terminal } from "./terminal.js"

/** A command failure: its message for stderr and the exit code. */
class CommandFailure extends Data.TaggedError("CommandFailure")<{
  readonly message: string
  readonly code: 1 | 2
}> {}

const id = Args.text({ name: "id" }).pipe(
  Args.withDescription('The credential id flow steps name in "credential", for example "gh".')
)

/** The `credentials` command and its subcommands. */
export const credentialsCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make("credentials").pipe(
    Command.withDescription(
      "Manage this machine's credentials, kept encrypted in the credential store " +
        "($RPA_INTEGRATIONS_HOME, key from RPA_INTEGRATIONS_KEY or a key file). Headless " +
        "hosts may instead set RPA_CREDENTIAL_<ID> to the credential's JSON."
    ),
    Command.withSubcommands([
      addCommand(terminal, secrets),
      listCommand(terminal),
      removeCommand(terminal, secrets),
      loginCommand(terminal, secrets),
      testCommand(terminal, secrets)
    ])
  )

const addCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make(
    "add",
    {
      id,
      type: Options.text("type").pipe(
        Options.withDescription(
          'The credential type, for example "http.bearer" (see `describe <node>`).'
        )
      ),
      field: Options.text("field").pipe(
        Options.withPseudoName("name=value"),
        Options.repeated,
        Options.withDescription("A field of the credential; repeat for several.")
      ),
      stdin: Options.boolean("stdin").pipe(
        Options.withDescription(
          "Read the fields as a JSON object from stdin, so secrets stay out of the shell history."
        )
      )
    },
    (options) =>
      Effect.gen(function* () {
        const fields = {
          ...(options.stdin ? yield* readStdinFields : {}),
          ...(yield* fieldPairs(options.field))
        }
        const registry = yield* loadPack
        const stored: StoredCredential = {
          id: options.id,
          type: options.type,
          fields,
          origin: "store"
        }
        const resolved = yield* decoded(stored, registry, secrets)
        const store = yield* openStore
        yield* store.put(options.id, options.type, fields).pipe(Effect.mapError(failure(1)))
        terminal.out(`Saved credential "${options.id}" (${options.type}) in ${store.file}.`)
        if (isOAuth2CredentialType(resolved.credentialType)) {
          terminal.out(`Sign in with: rpa-integrations credentials login ${options.id}`)
        }
      }).pipe(reportFailure(terminal))
  ).pipe(Command.withDescription("Add a credential to the store, or replace one."))

const listCommand = (terminal: Terminal) =>
  Command.make(
    "list",
    { json: Options.boolean("json").pipe(Options.withDescription("Print JSON for scripts.")) },
    (options) =>
      Effect.gen(function* () {
        const store = yield* openStore
        const stored = yield* store.list.pipe(Effect.mapError(failure(1)))
        const rows = [
          ...stored.map((entry) => ({
            id: entry.id,
            type: entry.type,
            origin: "store",
            updatedAt: entry.updatedAt
          })),
          ...environmentCredentials()
        ]
        if (options.json) return terminal.out(JSON.stringify(rows, null, 2))
        if (rows.length === 0)
          return terminal.out("No credentials yet; add one with `credentials add`.")
        terminal.out(
          table([
            ["ID", "TYPE", "FROM", "UPDATED"],
            ...rows.map((row) => [row.id, row.type, row.origin, row.updatedAt ?? ""])
          ])
        )
      }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "List the credentials of the store and the environment; never their values."
    )
  )

const removeCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make("remove", { id }, (options) =>
    Effect.gen(function* () {
      const store = yield* openStore
      const stored = yield* storedCredential(store, options.id)
      const registry = yield* loadPack
      const resolved = decodeCredential(stored, registry, secrets)
      if (Either.isRight(resolved) && isOAuth2CredentialType(resolved.right.credentialType)) {
        const revoked = yield* Effect.either(
          revokeCredential(resolved.right.credentialType, oauth2Credential(resolved.right))
        )
        terminal.err(
          Either.isRight(revoked)
            ? `Revocation at the provider: ${revoked.right}.`
            : `Could not revoke the grant at the provider (${revoked.left.message}); removing it here anyway.`
        )
      }
      yield* store.remove(options.id).pipe(Effect.mapError(failure(1)))
      terminal.out(`Removed credential "${options.id}".`)
    }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription("Remove a credential from the store, revoking an OAuth2 grant first.")
  )

const loginCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make(
    "login",
    {
      id,
      device: Options.boolean("device").pipe(
        Options.withDescription("Sign in with a device code, for machines with no browser.")
      ),
      scope: Options.text("scope").pipe(
        Options.repeated,
        Options.withDescription(
          "A scope to ask for on top of the credential's; repeat for several."
        )
      )
    },
    (options) =>
      Effect.gen(function* () {
        const store = yield* openStore
        const stored = yield* storedCredential(store, options.id)
        const resolved = yield* decoded(stored, yield* loadPack, secrets)
        const type = resolved.credentialType
        if (!isOAuth2CredentialType(type)) {
          return yield* Effect.fail(
            new CommandFailure({
              message: `Credential "${options.id}" (${stored.type}) is not OAuth2; it needs no sign-in.`,
              code: 2
            })
          )
        }
        const connected = yield* connectCredential(type, oauth2Credential(resolved), {
          method: options.device ? "device" : "browser",
          addScopes: options.scope,
          openUrl: (url) =>
            Effect.sync(() => terminal.err(`Open this address in a browser to sign in:\n  ${url}`)),
          showCode: (prompt) =>
            Effect.sync(() =>
              terminal.err(
                `Go to ${prompt.verificationUriComplete ?? prompt.verificationUri} and enter the ` +
                  `code ${prompt.userCode} (valid for ${Math.round(prompt.expiresInSeconds / 60)} min).`
              )
            )
        }).pipe(Effect.mapError(failure(1)))
        yield* store.update(options.id, connected.fields).pipe(Effect.mapError(failure(1)))
        terminal.out(`Connected credential "${options.id}".`)
      }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Sign in for an OAuth2 credential (browser with PKCE, or --device) and save its tokens."
    )
  )

const testCommand = (terminal: Terminal, secrets: SecretRegistry) =>
  Command.make("test", { id }, (options) =>
    Effect.gen(function* () {
      const source = yield* machineCredentials(process.env)
      const stored = yield* storedCredential(source, options.id)
      const resolved = yield* decoded(stored, yield* loadPack, secrets)
      const result = yield* testCredential(resolved.credentialType, resolved.credential).pipe(
        Effect.provideService(CredentialSource, source),
        Effect.mapError(failure(1))
      )
      const who = result.identity === undefined ? "" : ` as ${result.identity}`
      terminal.out(
        `${result.status}${who}: checked ${result.checked}.${result.message === undefined ? "" : ` ${result.message}`}`
      )
      if (result.status === "Failed") process.exitCode = 1
    }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Check that a credential works with the provider's cheapest identity call."
    )
  )

// ---------------------------------------------------------------------------------------

const failure =
  (code: 1 | 2) =>
  (error: { readonly message: string }): CommandFailure =>
    new CommandFailure({ message: error.message, code })

const reportFailure =
  (terminal: Terminal) =>
  <R>(effect: Effect.Effect<void, CommandFailure, R>): Effect.Effect<void, never, R> =>
    Effect.catchAll(effect, (error) =>
      Effect.sync(() => {
        terminal.err(error.message)
        process.exitCode = error.code
      })
    )

const loadPack: Effect.Effect<Registry, CommandFailure> = Effect.mapError(packRegistry, failure(1))

const openStore: Effect.Effect<CredentialStore["Type"], CommandFailure> = Layer.build(
  layerCredentialStore
).pipe(
  Effect.map((context) => Context.get(context, CredentialStore)),
  Effect.mapError(failure(2)),
  Effect.scoped
)

const notDefined = (id: string) =>
  new CommandFailure({
    message:
      `No credential "${id}": add it with \`credentials add ${id} --type <type>\`, ` +
      `or set ${credentialVariable(id)}.`,
    code: 2
  })

const storedCredential = (store: CredentialSource["Type"], id: string) =>
  store
    .get(id)
    .pipe(
      Effect.mapError(failure(2)),
      Effect.flatMap(
        Option.match({ onNone: () => Effect.fail(notDefined(id)), onSome: Effect.succeed })
      )
    )

const decoded = (stored: StoredCredential, registry: Registry, secrets: SecretRegistry) =>
  Either.match(decodeCredential(stored, registry, secrets), {
    onLeft: (message) => Effect.fail(new CommandFailure({ message: `The ${message}.`, code: 2 })),
    onRight: (resolved) => Effect.succeed(resolved)
  })

const oauth2Credential = (resolved: ResolvedCredential): Credential<OAuth2Fields> =>
  resolved.credential as Credential<OAuth2Fields>

/** `--field name=value` pairs as fields. */
const fieldPairs = (
  pairs: ReadonlyArray<string>
): Effect.Effect<Record<string, string>, CommandFailure> => {
  const fields: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf("=")
    if (at <= 0)
      return Effect.fail(
        new CommandFailure({ message: `--field ${pair.split("=")[0]}: write name=value.`, code: 2 })
      )
    fields[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return Effect.succeed(fields)
}

const readStdinFields: Effect.Effect<Record<string, unknown>, CommandFailure> = Effect.tryPromise({
  try: async () => {
    let text = ""
    for await (const chunk of process.stdin) text += String(chunk)
    return text
  },
  catch: () => new CommandFailure({ message: "Could not read the fields from stdin.", code: 2 })
}).pipe(
  Effect.flatMap((text) =>
    Either.match(
      Either.try(() => JSON.parse(text) as unknown),
      {
        onLeft: () =>
          Effect.fail(
            new CommandFailure({ message: "stdin is not a JSON object of fields.", code: 2 })
          ),
        onRight: (json) =>
          typeof json === "object" && json !== null && !Array.isArray(json)
            ? Effect.succeed(json as Record<string, unknown>)
            : Effect.fail(
                new CommandFailure({ message: "stdin is not a JSON object of fields.", code: 2 })
              )
      }
    )
  )
)

/** Credentials set in `RPA_CREDENTIAL_<ID>` variables: variable and type, never values. */
const environmentCredentials = () =>
  Object.entries(process.env)
    .filter(([name, value]) => name.startsWith(credentialVariablePrefix) && value !== undefined)
    .map(([name, value]) => {
      const type = Either.getOrUndefined(
        Either.try(() => (JSON.parse(value ?? "") as { type?: unknown }).type)
      )
      return {
        id: name,
        type: typeof type === "string" ? type : "(not valid JSON)",
        origin: "environment",
        updatedAt: undefined
      }
    })

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}
