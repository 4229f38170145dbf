/**
 * Preflight: everything about a run that can be checked before anything is sent.
 *
 * Every node reference resolves, every credential a step names exists, has a type the
 * node accepts and valid fields, and can work (an OAuth2 credential knows its
 * authorization server and, for a user's grant, was connected; see
 * `credentialProblem`), a node that needs a credential has one, the given flow
 * inputs are declared and the required ones present, and each step input matches its
 * node's schema as far as it is known before the run (fields filled from earlier steps
 * are checked when the step runs), and an OAuth2 credential whose granted scopes are
 * known covers the scopes the step's node needs. All problems are reported together, as
 * one {@link FlowError}.
 *
 * @module
 */
import { Clock, Effect, Either, Option, Schema } from "effect"
import type { CredentialSource } from "../auth/credentialSource.js"
import { credentialVariable } from "../auth/envCredentials.js"
import {
  grantedScopesOf,
  isOAuth2CredentialType,
  missingScopes
} from "../auth/oauth2CredentialType.js"
import type { FieldIssue } from "../http/errors.js"
import type { IntegrationDefinition } from "../node/defineIntegration.js"
import type { NodeDefinition } from "../node/defineNode.js"
import type { Registry } from "../node/registry.js"
import type { ResolvedCredential } from "./credentials.js"
import {
  credentialIssue,
  credentialProblem,
  findStepCredential,
  stepCredential
} from "./credentials.js"
import type { Flow, FlowDraft, FlowInput, FlowStep } from "./flow.js"
import { invalidFlow } from "./flow.js"
import type { FlowError } from "./flowError.js"
import { flowError } from "./flowError.js"
import { fieldIssues, isInside, joinPath } from "./issues.js"
import { Secrets } from "./secrets.js"
import { resolveInputsOnly } from "./template.js"

/** A step ready to run: its node, integration and credential are known. */
export interface PlannedStep {
  readonly index: number
  readonly step: FlowStep
  readonly node: NodeDefinition
  readonly integration: IntegrationDefinition
  readonly credential?: ResolvedCredential | undefined
}

/** A flow that passed preflight, with its input values. */
export interface RunPlan {
  readonly flow: Flow
  readonly inputs: Readonly<Record<string, unknown>>
  readonly steps: ReadonlyArray<PlannedStep>
  /** The integrations the steps use, each once, in order of first use. */
  readonly integrations: ReadonlyArray<IntegrationDefinition>
}

/** What a run was given besides the flow. */
export interface PreflightOptions {
  /** Values of the flow's declared inputs. */
  readonly inputs?: Readonly<Record<string, unknown>> | undefined
  /** Fill credentials defined nowhere with sandbox fields; scopes are not checked. */
  readonly sandbox?: boolean | undefined
  /** The flow's file, named in the command that grants a missing scope. */
  readonly flowFile?: string | undefined
}

/**
 * Checks a flow against the loaded nodes, the credentials and the given inputs, and
 * returns the plan to run. Nothing is sent; a failure means the run must not start.
 */
export const preflight = (
  flow: Flow,
  registry: Registry,
  options: PreflightOptions = {}
): Effect.Effect<RunPlan, FlowError, CredentialSource | Secrets> =>
  Effect.gen(function* () {
    const { values: inputs, issues } = flowInputs(flow, options.inputs ?? {})
    const sandbox = options.sandbox === true
    const found = new Map<string, Either.Either<ResolvedCredential, string>>()
    const steps: Array<PlannedStep> = []

    for (const [index, step] of flow.steps.entries()) {
      const node = registry.resolve(step.node)
      if (Either.isLeft(node)) {
        issues.push({ path: `steps[${index}].node`, message: node.left.message })
        continue
      }
      const integration = registry.integrationOf(node.right.type)
      if (Either.isLeft(integration)) {
        issues.push({ path: `steps[${index}].node`, message: integration.left.message })
        continue
      }
      const credential = yield* planCredential(step, index, node.right, registry, sandbox, found)
      if (Either.isLeft(credential)) issues.push(credential.left)
      else if (!sandbox) {
        issues.push(...scopeIssues(step, index, node.right, credential.right, options.flowFile))
      }
      issues.push(...inputIssues(step, index, node.right, inputs))
      steps.push({
        index,
        step,
        node: node.right,
        integration: integration.right,
        credential: Either.isRight(credential) ? credential.right : undefined
      })
    }

    if (issues.length > 0) {
      return yield* Effect.fail(
        flowError(`The flow "${flow.name}" cannot run; fix these and run again:`, issues)
      )
    }
    return { flow, inputs, steps, integrations: [...new Set(steps.map((s) => s.integration))] }
  })

/**
 * Reports a flow draft's problems together with those the checks after it find: the
 * checks run on the draft's flow, and when the draft has problems their result is never
 * used, but their problems (unknown nodes, step inputs, credentials) join the draft's in
 * one {@link FlowError}, except those at a place the draft already reports (a field whose
 * template is wrong). A flow without problems passes through unchanged.
 */
export const withDraftIssues =
  (draft: FlowDraft) =>
  <A, R>(checks: Effect.Effect<A, FlowError, R>): Effect.Effect<A, FlowError, R> =>
    draft.issues.length === 0
      ? checks
      : Effect.flatMap(Effect.either(checks), (checked) =>
          Effect.fail(
            invalidFlow(draft.source, [
              ...draft.issues,
              ...(Either.isLeft(checked) ? checked.left.issues : []).filter(
                (issue) =>
                  !draft.issues.some((seen) => seen.path !== "" && isInside(issue.path, seen.path))
              )
            ])
          )
        )

/**
 * The values of the flow's inputs: the given ones (text read as the input's type), else
 * their defaults. Reports inputs the flow does not declare, required inputs with no
 * value, and text that is not of the input's type.
 */
export const flowInputs = (
  flow: Flow,
  given: Readonly<Record<string, unknown>>
): { readonly values: Record<string, unknown>; readonly issues: Array<FieldIssue> } => {
  const declared = Object.keys(flow.inputs)
  const issues: Array<FieldIssue> = []
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(flow.inputs, name)) {
      issues.push({
        path: `inputs.${name}`,
        message:
          `the flow declares no input "${name}" (declared: ${declared.join(", ") || "none"}); ` +
          `check the name, or add it to the flow's "inputs"`
      })
    }
  }
  const values: Record<string, unknown> = {}
  for (const [name, declaration] of Object.entries(flow.inputs)) {
    const value = Object.hasOwn(given, name)
      ? readInput(declaration, given[name])
      : Either.right(declaration.default)
    if (Either.isLeft(value)) issues.push({ path: `inputs.${name}`, message: value.left })
    else if (value.right !== undefined) values[name] = value.right
    else if (declaration.required === true) {
      issues.push({
        path: `inputs.${name}`,
        message: `is required and has no default; give it a value (--input ${name}=...)`
      })
    }
  }
  return { values, issues }
}

/**
 * A given input value, read as the input's type when it is given as text (from the
 * command line): the declared `type`, else the type of the default, else text.
 */
const readInput = (declaration: FlowInput, value: unknown): Either.Either<unknown, string> => {
  if (typeof value !== "string") return Either.right(value)
  const type = declaration.type ?? typeOfDefault(declaration.default)
  switch (type) {
    case "string":
      return Either.right(value)
    case "number": {
      const number = value.trim() === "" ? Number.NaN : Number(value)
      return Number.isFinite(number)
        ? Either.right(number)
        : Either.left(`expected a number, got "${value}"`)
    }
    case "boolean":
      return value === "true" || value === "false"
        ? Either.right(value === "true")
        : Either.left(`expected true or false, got "${value}"`)
    case "json":
      return Either.try({
        try: () => JSON.parse(value) as unknown,
        catch: () => `expected a JSON value, for example {"a":1} (quote it for the shell)`
      })
  }
}

const typeOfDefault = (value: unknown): NonNullable<FlowInput["type"]> => {
  if (typeof value === "number") return "number"
  if (typeof value === "boolean") return "boolean"
  return value === undefined || typeof value === "string" ? "string" : "json"
}

const planCredential = (
  step: FlowStep,
  index: number,
  node: NodeDefinition,
  registry: Registry,
  sandbox: boolean,
  found: Map<string, Either.Either<ResolvedCredential, string>>
): Effect.Effect<
  Either.Either<ResolvedCredential | undefined, FieldIssue>,
  never,
  CredentialSource | Secrets
> =>
  Effect.gen(function* () {
    const accepted = node.credentials.types
    if (step.credential !== undefined && accepted.length === 0) {
      return Either.left(
        credentialIssue(index, `node "${node.type}" uses no credential; remove "credential"`)
      )
    }
    const id =
      step.credential ?? (sandbox && node.credentials.required ? `sandbox-${node.type}` : undefined)
    if (id === undefined) {
      return node.credentials.required
        ? Either.left(
            credentialIssue(
              index,
              `node "${node.type}" needs a credential of type ${accepted.join(" or ")}; ` +
                `add "credential": "<id>" to step "${step.id}"`
            )
          )
        : Either.right(undefined)
    }
    const key = `${id}\u0000${node.type}`
    const cached = found.get(key)
    const resolved = cached ?? (yield* resolveCredential(id, node, registry, sandbox))
    found.set(key, resolved)
    return Either.mapLeft(resolved, (message) => credentialIssue(index, message))
  })

const resolveCredential = (
  id: string,
  node: NodeDefinition,
  registry: Registry,
  sandbox: boolean
): Effect.Effect<Either.Either<ResolvedCredential, string>, never, CredentialSource | Secrets> =>
  Effect.gen(function* () {
    const secrets = yield* Secrets
    const now = yield* Clock.currentTimeMillis
    const stored = yield* Effect.either(findStepCredential(id, node, registry, sandbox))
    return Either.flatMap(stored, (credential) =>
      Either.flatMap(stepCredential(credential, node, registry, secrets), (resolved) =>
        Option.match(credentialProblem(resolved, now), {
          onNone: () => Either.right(resolved),
          onSome: Either.left
        })
      )
    )
  })

/**
 * The scopes a step's node needs that its OAuth2 credential was not granted, as one issue
 * at the step's `credential` that says how to grant them. None when the credential's
 * grant is unknown (the provider did not report it, or an environment credential left it
 * out): the provider then decides.
 */
const scopeIssues = (
  step: FlowStep,
  index: number,
  node: NodeDefinition,
  resolved: ResolvedCredential | undefined,
  flowFile: string | undefined
): ReadonlyArray<FieldIssue> => {
  if (resolved === undefined || node.scopes === undefined) return []
  const type = resolved.credentialType
  const granted = grantedScopesOf(resolved.credential.fields as Readonly<Record<string, unknown>>)
  if (!isOAuth2CredentialType(type) || granted === undefined) return []
  const missing = missingScopes(type.scopeCovers, granted, node.scopes)
  if (missing.length === 0) return []
  const them = missing.length > 1 ? "them" : "it"
  const login = `rpa-integrations credentials login ${shellWord(resolved.id)}`
  const file = flowFile === undefined ? "<flow file>" : shellWord(flowFile)
  const scopeOptions = missing.map((scope) => `--scope ${shellWord(scope)}`).join(" ")
  const fix = `\`${login} --flow ${file}\` (or \`${login} ${scopeOptions}\`)`
  const how =
    resolved.origin === "environment"
      ? `set ${credentialVariable(resolved.id)} to a credential that was granted ${them}, ` +
        `for example one connected in the credential store with ${fix}`
      : `grant ${them} with ${fix}`
  return [
    credentialIssue(
      index,
      `step "${step.id}" (${node.type}) needs the scope${missing.length > 1 ? "s" : ""} ` +
        `${missing.join(", ")}, which credential "${resolved.id}" was not granted; ${how}`
    )
  ]
}

/** A word as a POSIX shell reads it: quoted when it holds anything but safe characters. */
const shellWord = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`

/**
 * Issues of a step's input against its node's schema, with `inputs.*` templates filled in
 * and fields that read earlier steps left out of the check.
 */
const inputIssues = (
  step: FlowStep,
  index: number,
  node: NodeDefinition,
  inputs: Readonly<Record<string, unknown>>
): ReadonlyArray<FieldIssue> => {
  const { value, placeholders } = resolveInputsOnly(step.input, inputs)
  const decoded = Schema.decodeUnknownEither(node.input, {
    errors: "all",
    onExcessProperty: "error"
  })(value)
  if (Either.isRight(decoded)) return []
  return fieldIssues(decoded.left.issue, { showValues: true })
    .filter((issue) => !placeholders.some((placeholder) => isInside(issue.path, placeholder)))
    .map((issue) => ({
      path: joinPath(`steps[${index}].input`, issue.path),
      message: `step "${step.id}" (${node.type}): ${issue.message}`
    }))
}
