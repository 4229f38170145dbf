/**
 * `rpa-integrations credentials add|list|remove|login|test`: the credentials of this
 * machine, kept in the encrypted credential store.
 *
 * - `add <id> --type <type>` asks for each field in a terminal (secrets without echo);
 *   scripts pass `--field name=value`, `--field name=env:VARIABLE` or `--stdin` (JSON).
 *   It refuses an id that is not letters, digits, `.`, `_` and `-`, fields the type does
 *   not have, and an OAuth2 credential that could never reach its authorization server
 *   (no issuer nor token endpoint, plain `http://` that is not a loopback issuer marked
 *   insecure).
 * - `list` shows ids, types, where each credential comes from (the store, or its
 *   `RPA_CREDENTIAL_<ID>` variable), whether it is ready or what is wrong with it, and
 *   which one runs use when an id is in both (the environment's); never a value.
 * - `remove <id>` revokes an OAuth2 grant at the provider when it can, then forgets it.
 * - `login <id>` connects an OAuth2 credential in a browser (PKCE, loopback redirect), or
 *   with `--device` on a machine without one; `--scope` asks for more scopes, and
 *   `--flow <file>` for the scopes the flow's steps with this credential need, only those
 *   not granted yet (incremental consent: earlier grants stay).
 * - `test <id>` sends the provider's cheapest identity call with the credential.
 *
 * Exit codes, the same for every subcommand: 0 done; 1 the provider or the store failed
 * (a store that cannot be opened or decrypted: a wrong or malformed key, a changed file),
 * or the provider refused a scope the flow needs; 2 the command line, the credential id,
 * type or fields are wrong, the credential does not exist, or the flow is invalid or does
 * not use the credential.
 *
 * @module
 */
import { spawn } from "node:child_process"
import { Args, Command, Options, Prompt } from "@effect/cli"
import * as PlatformTerminal from "@effect/platform/Terminal"
import {
  Clock,
  Context,
  Data,
  Effect,
  Either,
  JSONSchema,
  Layer,
  Option,
  Redacted,
  Schema
} from "effect"
import type { RevocationOutcome } from "../auth/connectCredential.js"
import { connectCredential, revokeCredential } from "../auth/connectCredential.js"
import type { StoredCredential } from "../auth/credentialSource.js"
import { CredentialSource } from "../auth/credentialSource.js"
import { CredentialStore, layerCredentialStore } from "../auth/credentialStore.js"
import { testCredential } from "../auth/credentialTest.js"
import type { DeviceCodePrompt } from "../auth/deviceSignIn.js"
import {
  credentialVariable,
  credentialVariablePrefix,
  makeEnvCredentialSource
} from "../auth/envCredentials.js"
import {
  type AnyCredentialType,
  grantedScopesOf,
  grantOf,
  isOAuth2CredentialType,
  isUserGrant,
  missingScopes,
  type OAuth2CredentialType,
  type OAuth2Fields
} from "../auth/oauth2CredentialType.js"
import { tokenSetFromFields } from "../auth/tokenSet.js"
import { HttpKernel } from "../http/kernel.js"
import type { Credential } from "../node/credentialType.js"
import type { Registry } from "../node/registry.js"
import type { CredentialProblem, ResolvedCredential } from "../runtime/credentials.js"
import {
  decodeCredential,
  fieldProblems,
  findCredentialProblem,
  machineCredentials,
  oauth2SetupProblem
} from "../runtime/credentials.js"
import { credentialIdRule, isCredentialId, loadFlow } from "../runtime/flow.js"
import type { SecretRegistry } from "../runtime/secrets.js"
import { packRegistry } from "./pack.js"
import type { Terminal } from "./terminal.js"

/** What the `credentials` command works with, besides the terminal and the secret scrubber. */
export interface CredentialsCommandOptions {
  /** The credential types it knows. Default: every integration of the pack. */
  readonly registry?: Effect.Effect<Registry, { readonly message: string }> | undefined
}

/** The `credentials` command and its subcommands, writing through the given terminal. */
export const credentialsCommand = (
  terminal: Terminal,
  secrets: SecretRegistry,
  options: CredentialsCommandOptions = {}
) => {
  const loadPack = Effect.mapError(options.registry ?? packRegistry, failure(1))
  return Command.make("credentials").pipe(
    Command.withDescription(
      "Manage this machine's credentials, kept encrypted in the credential store " +
        "($RPA_INTEGRATIONS_HOME, key from RPA_INTEGRATIONS_KEY or a key file). Headless " +
        "hosts may instead set RPA_CREDENTIAL_<ID> to the credential's JSON."
    ),
    Command.withSubcommands([
      addCommand(terminal, secrets, loadPack),
      listCommand(terminal, loadPack),
      removeCommand(terminal, secrets, loadPack),
      loginCommand(terminal, secrets, loadPack),
      testCommand(terminal, secrets, loadPack)
    ])
  )
}

type LoadPack = Effect.Effect<Registry, CommandFailure>

// ---------------------------------------------------------------------------------------
// Subcommands

const id = Args.text({ name: "id" }).pipe(
  Args.withDescription('The credential id flow steps name in "credential", for example "gh".')
)

const addCommand = (terminal: Terminal, secrets: SecretRegistry, loadPack: LoadPack) =>
  Command.make(
    "add",
    {
      id,
      type: Options.text("type").pipe(
        Options.withDescription(
          'The credential type, for example "http.bearer" or "google.oauth2".'
        )
      ),
      field: Options.text("field").pipe(
        Options.withPseudoName("name=value"),
        Options.repeated,
        Options.withDescription(
          "A field of the credential; `name=env:VARIABLE` reads the value from an environment " +
            "variable, so it stays out of the shell history. Repeat for several."
        )
      ),
      stdin: Options.boolean("stdin").pipe(
        Options.withDescription("Read the fields as a JSON object from stdin.")
      )
    },
    (options) =>
      Effect.gen(function* () {
        yield* validId(options.id)
        const registry = yield* loadPack
        const type = yield* Either.match(registry.credentialType(options.type), {
          onLeft: (error) => Effect.fail(new CommandFailure({ message: error.message, code: 2 })),
          onRight: Effect.succeed
        })
        const described = describeFields(type)
        const given = {
          ...(options.stdin ? yield* readStdinFields : {}),
          ...(yield* fieldPairs(options.field, described))
        }
        const interactive =
          !options.stdin && (yield* PlatformTerminal.Terminal.pipe(Effect.flatMap((t) => t.isTTY)))
        const fields = interactive
          ? { ...given, ...(yield* askForFields(terminal, type, described, given)) }
          : given
        const stored: StoredCredential = {
          id: options.id,
          type: type.type,
          fields,
          origin: "store"
        }
        const resolved = yield* checkedNewCredential(stored, type, described, registry, secrets)
        const store = yield* openStore
        yield* store.put(options.id, type.type, fields).pipe(Effect.mapError(failure(1)))
        terminal.out(`Saved credential "${options.id}" (${type.type}) in ${store.file}.`)
        const variable = credentialVariable(options.id)
        if ((process.env[variable] ?? "").trim() !== "") {
          terminal.err(
            `Note: ${variable} is set, and runs use it instead: the environment comes first.`
          )
        }
        if (needsLogin(resolved)) {
          terminal.out(
            `Connect the account with: rpa-integrations credentials login ${options.id}` +
              (resolved.credentialType.oauth2?.grants.includes("device_code") ? " [--device]" : "")
          )
        }
      }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Add a credential to the store, or replace one. In a terminal, asks for the fields " +
        "not given with --field (secrets are not shown as they are typed)."
    )
  )

const listCommand = (terminal: Terminal, loadPack: LoadPack) =>
  Command.make(
    "list",
    { json: Options.boolean("json").pipe(Options.withDescription("Print JSON for scripts.")) },
    (options) =>
      Effect.gen(function* () {
        const store = yield* openStore
        const stored = yield* store.list.pipe(Effect.mapError(failure(1)))
        const registry = yield* Effect.option(loadPack)
        const now = yield* Clock.currentTimeMillis
        const environment = yield* environmentRows(
          process.env,
          stored.map((entry) => entry.id),
          registry,
          now
        )
        const overriding = new Map(environment.map((row) => [row.id, row.variable]))
        const rows: ReadonlyArray<ListRow> = [
          ...stored.map((entry): ListRow => {
            const variable = overriding.get(entry.id)
            return {
              id: entry.id,
              type: entry.type,
              origin: "store",
              updatedAt: entry.updatedAt,
              ...statusOf({ ...entry, origin: "store" }, registry, now),
              ...(variable === undefined ? {} : { overriddenBy: variable })
            }
          }),
          ...environment
        ]
        if (options.json) return terminal.out(JSON.stringify(rows, null, 2))
        if (rows.length === 0) {
          return terminal.out(
            "No credentials yet; add one with `rpa-integrations credentials add`."
          )
        }
        terminal.out(
          table([
            ["ID", "TYPE", "FROM", "STATUS", "UPDATED"],
            ...rows.map((row) => [
              row.id,
              row.type,
              row.variable === undefined
                ? row.overriddenBy === undefined
                  ? row.origin
                  : "store (unused)"
                : `environment (${row.variable})`,
              row.status,
              row.updatedAt ?? ""
            ])
          ])
        )
        for (const row of rows) {
          if (row.overriddenBy !== undefined) {
            terminal.out(
              `"${row.id}" is both in the environment and in the store: runs use ` +
                `${row.overriddenBy}, the environment comes first.`
            )
          }
        }
      }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "List the credentials of the store and of the environment (RPA_CREDENTIAL_<ID>), " +
        "whether each is ready, and which one runs use when an id is in both; never their values."
    )
  )

/** A line of `credentials list`: never a value. */
interface ListRow {
  readonly id: string
  readonly type: string
  readonly origin: "store" | "environment"
  /** The environment variable of an environment credential. */
  readonly variable?: string | undefined
  readonly updatedAt?: string | undefined
  /** Whether a run can use it as it is. */
  readonly ready: boolean
  /** In words: `ready`, `connected`, `not connected: ...`, `invalid: ...`. */
  readonly status: string
  /** A store credential that runs do not use: the environment variable that comes first. */
  readonly overriddenBy?: string | undefined
}

const removeCommand = (terminal: Terminal, secrets: SecretRegistry, loadPack: LoadPack) =>
  Command.make("remove", { id }, (options) =>
    Effect.gen(function* () {
      const store = yield* openStore
      const stored = yield* storedCredential(store, options.id)
      const registry = yield* Effect.either(loadPack)
      const resolved = Either.flatMap(
        Either.mapLeft(registry, (error) => error.message),
        (loaded) => decodeCredential(stored, loaded, secrets)
      )
      if (Either.isRight(resolved) && isOAuth2CredentialType(resolved.right.credentialType)) {
        const revoked = yield* Effect.either(
          revokeCredential(resolved.right.credentialType, oauth2Credential(resolved.right))
        )
        if (Either.isLeft(revoked)) {
          terminal.err(
            `Could not revoke the grant at the provider (${revoked.left.message}); removing ` +
              "the credential here anyway. Revoke the app's access in the provider's account settings."
          )
        } else if (revoked.right !== "NothingToRevoke") {
          terminal.err(revocationMessage[revoked.right])
        }
      }
      yield* store.remove(options.id).pipe(Effect.mapError(failure(1)))
      terminal.out(`Removed credential "${options.id}".`)
    }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Remove a credential from the store; an OAuth2 grant is revoked at the provider first " +
        "when it has a revocation endpoint."
    )
  )

const loginCommand = (terminal: Terminal, secrets: SecretRegistry, loadPack: LoadPack) =>
  Command.make(
    "login",
    {
      id,
      device: Options.boolean("device").pipe(
        Options.withDescription("Sign in with a device code, for machines without a browser.")
      ),
      scope: Options.text("scope").pipe(
        Options.repeated,
        Options.withDescription(
          "A scope to ask for on top of the credential's; repeat for several."
        )
      ),
      flow: Options.text("flow").pipe(
        Options.withPseudoName("file"),
        Options.optional,
        Options.withDescription(
          "A flow file: ask for the scopes its steps with this credential need, and only " +
            "those not granted yet (earlier grants stay)."
        )
      )
    },
    (options) =>
      Effect.gen(function* () {
        const registry = yield* loadPack
        const store = yield* openStore
        const stored = yield* storedCredential(store, options.id)
        const resolved = yield* decoded(stored, registry, secrets)
        const type = resolved.credentialType
        if (!isOAuth2CredentialType(type)) {
          return yield* Effect.fail(
            new CommandFailure({
              message: `Credential "${options.id}" (${stored.type}) is not an OAuth2 credential; it needs no sign-in.`,
              code: 2
            })
          )
        }
        const credential = oauth2Credential(resolved)
        const flow = Option.isSome(options.flow)
          ? yield* flowScopes(options.flow.value, options.id, registry)
          : undefined
        const granted = grantedScopesOf(credential.fields) ?? []
        const adding = missingScopes(type.scopeCovers, granted, [
          ...(flow?.scopes ?? []),
          ...options.scope
        ])
        const signedIn = Option.isSome(tokenSetFromFields(credential.fields))
        if (flow !== undefined && adding.length === 0 && signedIn) {
          return terminal.out(
            `Credential "${options.id}" already has every scope ${flow.described} needs; nothing to ask for.`
          )
        }
        if (flow !== undefined && adding.length > 0) {
          terminal.err(
            `${capitalized(flow.described)} needs for credential "${options.id}":\n` +
              adding.map((scope) => `  ${scope}`).join("\n")
          )
        }

        const connected = yield* connectCredential(type, credential, {
          method: options.device ? "device" : "browser",
          addScopes: adding,
          openUrl: (url) => showAuthorizationUrl(terminal, url),
          showCode: (prompt) => showDeviceCode(terminal, prompt)
        }).pipe(Effect.mapError(failure(1)))
        yield* store.update(options.id, connected.fields).pipe(Effect.mapError(failure(1)))
        const scopes = connected.tokens.grantedScopes
        terminal.out(
          `Connected credential "${options.id}"${scopes === undefined ? "" : ` (scopes: ${scopes})`}.`
        )
        if (flow !== undefined) yield* checkGranted(type, scopes, flow)
      }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Connect an OAuth2 credential: sign in in a browser (opened when there is one), or " +
        "with --device on another device; the tokens are saved in the store. With --flow, " +
        "asks for the scopes the flow's steps need, only those not granted yet."
    )
  )

/** The scopes a flow's steps with the credential need, and how to name the flow. */
interface FlowScopes {
  readonly scopes: ReadonlyArray<string>
  /** `the flow "<name>" (<file>)`. */
  readonly described: string
}

/**
 * Reads a flow file and gathers the scopes the nodes of its steps with credential `id`
 * declare. Fails (exit 2) when the file is not a valid flow, one of those steps names a
 * node the pack does not have, or no step uses the credential.
 */
const flowScopes = (
  file: string,
  id: string,
  registry: Registry
): Effect.Effect<FlowScopes, CommandFailure> =>
  Effect.gen(function* () {
    const flow = yield* loadFlow(file).pipe(Effect.mapError(failure(2)))
    const described = `the flow "${flow.name}" (${file})`
    const steps = flow.steps.filter((step) => step.credential === id)
    if (steps.length === 0) {
      const used = [...new Set(flow.steps.flatMap((step) => step.credential ?? []))]
      return yield* Effect.fail(
        new CommandFailure({
          message:
            `${capitalized(described)} has no step with "credential": "${id}", so it needs no ` +
            `scope from it. Its steps use ${used.length === 0 ? "no credential" : used.map((u) => `"${u}"`).join(", ")}.`,
          code: 2
        })
      )
    }
    const scopes: Array<string> = []
    for (const step of steps) {
      const node = registry.resolve(step.node)
      if (Either.isLeft(node)) {
        return yield* Effect.fail(
          new CommandFailure({
            message: `${capitalized(described)}, step "${step.id}": ${node.left.message}`,
            code: 2
          })
        )
      }
      scopes.push(...(node.right.scopes ?? []))
    }
    return { scopes: [...new Set(scopes)], described }
  })

/**
 * Fails (exit 1) when the provider reported a grant that leaves out scopes the flow needs
 * (the user unticked them on the consent screen); the tokens are saved all the same.
 */
const checkGranted = (
  type: OAuth2CredentialType,
  grantedScopes: string | undefined,
  flow: FlowScopes
): Effect.Effect<void, CommandFailure> => {
  const granted = grantedScopesOf({ grantedScopes })
  const refused = granted === undefined ? [] : missingScopes(type.scopeCovers, granted, flow.scopes)
  return refused.length === 0
    ? Effect.void
    : Effect.fail(
        new CommandFailure({
          message:
            `The provider did not grant ${refused.join(", ")}, which ${flow.described} needs: ` +
            `run the login again and allow ${refused.length === 1 ? "it" : "them"}.`,
          code: 1
        })
      )
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

const testCommand = (terminal: Terminal, secrets: SecretRegistry, loadPack: LoadPack) =>
  Command.make("test", { id }, (options) =>
    Effect.gen(function* () {
      const source = yield* machineCredentials(process.env)
      const fromEnvironment = yield* makeEnvCredentialSource(process.env)
        .get(options.id)
        .pipe(Effect.mapError(failure(2)))
      const stored = Option.isSome(fromEnvironment)
        ? fromEnvironment.value
        : yield* storedCredential(source, options.id)
      const resolved = yield* decoded(stored, yield* loadPack, secrets)
      const result = yield* testCredential(resolved.credentialType, resolved.credential).pipe(
        Effect.provideService(CredentialSource, source),
        Effect.provide(HttpKernel.layer()),
        Effect.mapError(failure(1))
      )
      const who = result.identity === undefined ? "" : ` as ${result.identity}`
      const detail = result.message === undefined ? "" : ` ${result.message}`
      terminal.out(`${result.status}${who}: checked ${result.checked}.${detail}`)
      if (result.status === "Failed") process.exitCode = 1
    }).pipe(reportFailure(terminal))
  ).pipe(
    Command.withDescription(
      "Check that a credential works with the provider's cheapest identity call (for " +
        "OAuth2, userinfo unless the type names another)."
    )
  )

// ---------------------------------------------------------------------------------------
// Fields: what a credential type asks for, from its JSON Schema

/** One field of a credential type, as the command asks for it. */
interface FieldInfo {
  readonly name: string
  readonly title: string
  readonly description?: string | undefined
  readonly required: boolean
  /** Typed without echo, never printed. */
  readonly secret: boolean
  /** Set by connecting (tokens): never asked for. */
  readonly managed: boolean
  readonly kind: "string" | "boolean" | "number"
  readonly choices?: ReadonlyArray<string> | undefined
  readonly defaultValue?: unknown
}

interface JsonSchemaProperty {
  readonly type?: string
  readonly title?: string
  readonly description?: string
  readonly format?: string
  readonly writeOnly?: boolean
  readonly readOnly?: boolean
  readonly enum?: ReadonlyArray<unknown>
  readonly default?: unknown
  readonly anyOf?: ReadonlyArray<JsonSchemaProperty>
}

const describeFields = (type: AnyCredentialType): ReadonlyArray<FieldInfo> => {
  let schema: {
    readonly properties?: Record<string, JsonSchemaProperty>
    readonly required?: ReadonlyArray<string>
  }
  try {
    schema = JSONSchema.make(type.fields) as typeof schema
  } catch {
    return []
  }
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const choices = (property.enum ?? property.anyOf?.flatMap((option) => option.enum ?? []))?.map(
      String
    )
    return {
      name,
      title: property.title ?? name,
      description: property.description,
      required: required.has(name),
      secret: property.format === "password" || property.writeOnly === true,
      managed: property.readOnly === true,
      kind:
        property.type === "boolean"
          ? "boolean"
          : property.type === "number" || property.type === "integer"
            ? "number"
            : "string",
      choices: choices !== undefined && choices.length > 0 ? choices : undefined,
      defaultValue: property.default
    }
  })
}

/** Asks in the terminal for every field not given yet; secrets are typed without echo. */
const askForFields = (
  terminal: Terminal,
  type: AnyCredentialType,
  fields: ReadonlyArray<FieldInfo>,
  given: Readonly<Record<string, unknown>>
) =>
  Effect.gen(function* () {
    const answers: Record<string, unknown> = {}
    const missing = fields.filter((field) => !field.managed && !(field.name in given))
    if (missing.length === 0) return answers
    terminal.err(`${type.title}: ${type.description}`)
    for (const field of missing) {
      const hints = [
        field.required ? undefined : "optional, Enter to skip",
        field.choices === undefined ? undefined : field.choices.join(" | "),
        field.defaultValue === undefined ? undefined : `default ${String(field.defaultValue)}`
      ].filter((hint) => hint !== undefined)
      const message = `${field.title}${hints.length > 0 ? ` (${hints.join("; ")})` : ""}`
      const answer = field.secret
        ? Redacted.value(yield* Prompt.run(Prompt.hidden({ message })))
        : yield* Prompt.run(Prompt.text({ message }))
      if (answer.trim() === "" && !field.required) continue
      answers[field.name] = yield* typedValue(field, answer.trim() === "" ? answer : answer.trim())
    }
    return answers
  }).pipe(
    Effect.catchTag("QuitException", () =>
      Effect.fail(new CommandFailure({ message: "Cancelled; nothing was saved.", code: 2 }))
    )
  )

/** `--field name=value` and `--field name=env:VARIABLE` pairs, typed by the field schema. */
const fieldPairs = (
  pairs: ReadonlyArray<string>,
  fields: ReadonlyArray<FieldInfo>
): Effect.Effect<Record<string, unknown>, CommandFailure> =>
  Effect.gen(function* () {
    const values: Record<string, unknown> = {}
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) {
        return yield* Effect.fail(
          new CommandFailure({
            message: `--field ${pair.split("=")[0]}: write name=value.`,
            code: 2
          })
        )
      }
      const name = pair.slice(0, at)
      let value = pair.slice(at + 1)
      if (value.startsWith("env:")) {
        const variable = value.slice(4)
        const fromEnvironment = process.env[variable]
        if (fromEnvironment === undefined) {
          return yield* Effect.fail(
            new CommandFailure({
              message: `--field ${name}=env:${variable}: the environment variable ${variable} is not set.`,
              code: 2
            })
          )
        }
        value = fromEnvironment
      }
      const field = fields.find((candidate) => candidate.name === name)
      values[name] = field === undefined ? value : yield* typedValue(field, value)
    }
    return values
  })

const typedValue = (field: FieldInfo, text: string): Effect.Effect<unknown, CommandFailure> => {
  if (field.kind === "boolean") {
    if (/^(true|yes|1)$/i.test(text)) return Effect.succeed(true)
    if (/^(false|no|0)$/i.test(text)) return Effect.succeed(false)
    return Effect.fail(
      new CommandFailure({ message: `Field "${field.name}" must be true or false.`, code: 2 })
    )
  }
  if (field.kind === "number") {
    const number = Number(text)
    return Number.isFinite(number) && text.trim() !== ""
      ? Effect.succeed(number)
      : Effect.fail(
          new CommandFailure({ message: `Field "${field.name}" must be a number.`, code: 2 })
        )
  }
  return Effect.succeed(text)
}

// ---------------------------------------------------------------------------------------
// Status, browser and device prompts

/**
 * Whether a credential can be used as it is, and its state in words, from its fields
 * (never showing them): what is wrong with an invalid one, and for OAuth2 whether it is
 * connected. Empty when the pack's credential types could not be loaded.
 */
const statusOf = (
  stored: StoredCredential,
  registry: Option.Option<Registry>,
  now: number
): { readonly ready: boolean; readonly status: string } => {
  if (Option.isNone(registry)) return { ready: false, status: "" }
  const type = registry.value.credentialType(stored.type)
  if (Either.isLeft(type)) return { ready: false, status: `invalid: ${type.left.message}` }
  const fields = Schema.decodeUnknownEither(type.right.fields, { errors: "all" })(stored.fields)
  if (Either.isLeft(fields))
    return { ready: false, status: `invalid: ${fieldProblems(fields.left)}` }
  const resolved: ResolvedCredential = {
    id: stored.id,
    origin: stored.origin,
    credentialType: type.right,
    credential: { id: stored.id, type: stored.type, fields: fields.right }
  }
  const problem = findCredentialProblem(resolved, now)
  if (Option.isSome(problem)) {
    return { ready: false, status: problemStatus(stored, problem.value) }
  }
  if (!isOAuth2CredentialType(type.right)) return { ready: true, status: "ready" }
  const oauth2 = fields.right as OAuth2Fields
  if (!isUserGrant(grantOf(type.right.preset, oauth2))) {
    return { ready: true, status: "gets its own tokens" }
  }
  const tokens = Option.getOrUndefined(tokenSetFromFields(oauth2))
  const expiresAt = tokens?.refreshToken === undefined ? tokens?.expiresAt : undefined
  return {
    ready: true,
    status:
      expiresAt === undefined ? "connected" : `connected until ${new Date(expiresAt).toISOString()}`
  }
}

const problemStatus = (stored: StoredCredential, problem: CredentialProblem): string => {
  const fix =
    stored.origin === "environment"
      ? `update ${credentialVariable(stored.id)}`
      : `run \`credentials login ${stored.id}\``
  switch (problem._tag) {
    case "Setup":
      return `invalid: ${problem.detail}`
    case "NotConnected":
      return `not connected: ${fix}`
    case "Expired":
      return `expired: ${fix}`
  }
}

/**
 * The credentials of `RPA_CREDENTIAL_<ID>` variables, each under the id a flow names it
 * by (a store credential's id when one maps to the variable, else the variable's suffix in
 * lower case), with what is wrong with an invalid one; never a value.
 */
const environmentRows = (
  env: Readonly<Record<string, string | undefined>>,
  storeIds: ReadonlyArray<string>,
  registry: Option.Option<Registry>,
  now: number
): Effect.Effect<ReadonlyArray<ListRow & { readonly variable: string }>> => {
  const source = makeEnvCredentialSource(env)
  const variables = Object.entries(env).flatMap(([name, value]) =>
    name.startsWith(credentialVariablePrefix) &&
    name.length > credentialVariablePrefix.length &&
    value !== undefined &&
    value.trim() !== ""
      ? [name]
      : []
  )
  return Effect.forEach(variables.sort(), (variable) => {
    const id =
      storeIds.find((storeId) => credentialVariable(storeId) === variable) ??
      variable.slice(credentialVariablePrefix.length).toLowerCase()
    const row = { id, origin: "environment" as const, variable }
    if (credentialVariable(id) !== variable) {
      return Effect.succeed({
        ...row,
        type: "",
        ready: false,
        status:
          `not used: runs read "${id}" from ${credentialVariable(id)} (the id upper-cased, ` +
          "other characters _)"
      })
    }
    return Effect.match(source.get(id), {
      onFailure: (error) => ({
        ...row,
        type: "",
        ready: false,
        status: `invalid: ${environmentProblem(error.message, variable)}`
      }),
      onSuccess: (found) =>
        Option.match(found, {
          onNone: () => ({ ...row, type: "", ready: false, status: "" }),
          onSome: (stored) => ({ ...row, type: stored.type, ...statusOf(stored, registry, now) })
        })
    })
  })
}

/** An environment credential's problem without the sentence that repeats its variable. */
const environmentProblem = (message: string, variable: string): string => {
  const problem = /^The credential "[^"]*" in \S+ (.*?)\. Set /.exec(message)?.[1]
  return problem ?? message.replace(` Set ${variable} to`, " Set it to")
}

const needsLogin = (resolved: ResolvedCredential): boolean =>
  isOAuth2CredentialType(resolved.credentialType) &&
  isUserGrant(
    grantOf(resolved.credentialType.preset, resolved.credential.fields as OAuth2Fields)
  ) &&
  Option.isNone(tokenSetFromFields(resolved.credential.fields as OAuth2Fields))

const showAuthorizationUrl = (terminal: Terminal, url: string): Effect.Effect<void> =>
  Effect.sync(() => {
    const opened = openBrowser(url)
    terminal.err(
      `${opened ? "Opening your browser to sign in. If it does not open, visit" : "Open this address in a browser to sign in:"}\n  ${url}`
    )
    terminal.err("Waiting for the sign-in to finish (Ctrl+C to cancel)…")
  })

const showDeviceCode = (terminal: Terminal, prompt: DeviceCodePrompt): Effect.Effect<void> =>
  Effect.sync(() => {
    terminal.err(
      `On any device, open ${prompt.verificationUri} and enter the code:\n\n  ${prompt.userCode}\n`
    )
    if (prompt.verificationUriComplete !== undefined) {
      terminal.err(`(or open ${prompt.verificationUriComplete})`)
    }
    terminal.err(
      `The code is valid for ${Math.max(1, Math.round(prompt.expiresInSeconds / 60))} minutes. Waiting…`
    )
  })

/** Opens a URL in the desktop's browser, where there is one; false when there is none. */
const openBrowser = (url: string): boolean => {
  const command =
    process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["rundll32", "url.dll,FileProtocolHandler", url]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ["xdg-open", url]
          : undefined
  if (command === undefined) return false
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: "ignore", detached: true })
    child.on("error", () => undefined)
    child.unref()
    return true
  } catch {
    return false
  }
}

const revocationMessage: Record<Exclude<RevocationOutcome, "NothingToRevoke">, string> = {
  Revoked: "Revoked the grant at the provider.",
  NoRevocationEndpoint:
    "The provider has no revocation endpoint: revoke the app's access in the provider's account settings if needed."
}

// ---------------------------------------------------------------------------------------
// Helpers

/** A command failure: its message for stderr and the exit code. */
class CommandFailure extends Data.TaggedError("CommandFailure")<{
  readonly message: string
  readonly code: 1 | 2
}> {}

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

/** The machine's credential store; one that cannot be opened is exit 1, like every store failure. */
const openStore: Effect.Effect<CredentialStore["Type"], CommandFailure> = Layer.build(
  layerCredentialStore
).pipe(
  Effect.map((context) => Context.get(context, CredentialStore)),
  Effect.mapError(failure(1)),
  Effect.scoped
)

/** A credential of the store: a store that cannot be read is exit 1, a missing id exit 2. */
const storedCredential = (source: CredentialSource["Type"], id: string) =>
  source.get(id).pipe(
    Effect.mapError(failure(1)),
    Effect.flatMap(
      Option.match({
        onNone: () =>
          Effect.fail(
            new CommandFailure({
              message:
                `No credential "${id}" in the store: add it with ` +
                `\`rpa-integrations credentials add ${id} --type <type>\`` +
                (process.env[credentialVariable(id)] === undefined
                  ? `, or set ${credentialVariable(id)}.`
                  : ` (it comes from ${credentialVariable(id)}, which this command cannot change).`),
              code: 2
            })
          ),
        onSome: Effect.succeed
      })
    )
  )

const decoded = (stored: StoredCredential, registry: Registry, secrets: SecretRegistry) =>
  Either.match(decodeCredential(stored, registry, secrets), {
    onLeft: (message) => Effect.fail(new CommandFailure({ message: `The ${message}.`, code: 2 })),
    onRight: (resolved) => Effect.succeed(resolved)
  })

/** Fails (exit 2) when the text is not a credential id, saying what an id may hold. */
const validId = (id: string): Effect.Effect<void, CommandFailure> =>
  isCredentialId(id)
    ? Effect.void
    : Effect.fail(
        new CommandFailure({
          message: `Invalid credential id ${JSON.stringify(id)}: ${credentialIdRule}.`,
          code: 2
        })
      )

/**
 * A credential about to be saved, checked: every field is one its type has, the fields
 * decode, and an OAuth2 credential can reach its authorization server. Fails (exit 2)
 * with every problem at once, naming fields, never showing values.
 */
const checkedNewCredential = (
  stored: StoredCredential,
  type: AnyCredentialType,
  described: ReadonlyArray<FieldInfo>,
  registry: Registry,
  secrets: SecretRegistry
): Effect.Effect<ResolvedCredential, CommandFailure> => {
  const known = described.map((field) => field.name)
  const unknown =
    known.length === 0 ? [] : Object.keys(stored.fields).filter((name) => !known.includes(name))
  const problems: Array<string> = []
  if (unknown.length > 0) {
    problems.push(
      `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")} ` +
        `("${type.type}" has the fields ${known.join(", ")})`
    )
  }
  const fields = Schema.decodeUnknownEither(type.fields, { errors: "all" })(stored.fields)
  if (Either.isLeft(fields)) problems.push(fieldProblems(fields.left))
  const resolved = problems.length === 0 ? decodeCredential(stored, registry, secrets) : undefined
  if (resolved !== undefined && Either.isLeft(resolved)) problems.push(resolved.left)
  if (resolved !== undefined && Either.isRight(resolved) && isOAuth2CredentialType(type)) {
    const setup = oauth2SetupProblem(type, resolved.right.credential)
    if (setup !== undefined) problems.push(setup)
  }
  return resolved !== undefined && Either.isRight(resolved) && problems.length === 0
    ? Effect.succeed(resolved.right)
    : Effect.fail(
        new CommandFailure({
          message:
            `Credential "${stored.id}" (${type.type}) was not saved: ` + `${problems.join("; ")}.`,
          code: 2
        })
      )
}

const oauth2Credential = (resolved: ResolvedCredential): Credential<OAuth2Fields> =>
  resolved.credential as Credential<OAuth2Fields>

const readStdinFields: Effect.Effect<Record<string, unknown>, CommandFailure> = Effect.tryPromise({
  try: async () => {
    let text = ""
    for await (const chunk of process.stdin) text += String(chunk)
    return JSON.parse(text) as unknown
  },
  catch: () => new CommandFailure({ message: "stdin is not a JSON object of fields.", code: 2 })
}).pipe(
  Effect.filterOrFail(
    (json): json is Record<string, unknown> =>
      typeof json === "object" && json !== null && !Array.isArray(json),
    () => new CommandFailure({ message: "stdin is not a JSON object of fields.", code: 2 })
  )
)

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
