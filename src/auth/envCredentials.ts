/**
 * Credentials from environment variables, for headless hosts: the credential `gh-bot` is
 * read from `RPA_CREDENTIAL_GH_BOT` as JSON, either flat or with its fields nested:
 *
 * ```sh
 * RPA_CREDENTIAL_GH_BOT='{"type":"http.bearer","token":"..."}'
 * RPA_CREDENTIAL_GH_BOT='{"type":"http.bearer","fields":{"token":"..."}}'
 * ```
 *
 * A variable's value is never printed, not even in the message about its bad JSON.
 *
 * @module
 */
import { Effect, Layer, Option } from "effect"
import type { StoredCredential } from "./credentialSource.js"
import { CredentialError, CredentialSource } from "./credentialSource.js"

/** Prefix of the environment variables that hold credentials. */
export const credentialVariablePrefix = "RPA_CREDENTIAL_"

/**
 * The environment variable that holds a credential: `RPA_CREDENTIAL_` and the id
 * upper-cased, every character other than a letter or digit replaced by `_`.
 */
export const credentialVariable = (id: string): string =>
  `${credentialVariablePrefix}${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`

/**
 * A credential source over a set of environment variables. Fields saved with `update`
 * (a rotated refresh token) are kept in memory for the run; the variables are not changed.
 */
export const makeEnvCredentialSource = (
  env: Readonly<Record<string, string | undefined>>
): CredentialSource["Type"] => {
  const updated = new Map<string, Readonly<Record<string, unknown>>>()

  const get = (id: string) =>
    Effect.map(readVariable(env, id), (found) =>
      Option.map(found, (credential) => ({
        ...credential,
        fields: { ...credential.fields, ...updated.get(id) }
      }))
    )

  const update = (id: string, fields: Readonly<Record<string, unknown>>) =>
    Effect.sync(() => {
      updated.set(id, { ...updated.get(id), ...fields })
    })

  return { get, update }
}

/** Credentials from `RPA_CREDENTIAL_<ID>` variables of this process. */
export const EnvCredentialSource: Layer.Layer<CredentialSource> = Layer.sync(CredentialSource, () =>
  makeEnvCredentialSource(process.env)
)

const readVariable = (
  env: Readonly<Record<string, string | undefined>>,
  id: string
): Effect.Effect<Option.Option<StoredCredential>, CredentialError> => {
  const variable = credentialVariable(id)
  const text = env[variable]
  if (text === undefined || text.trim() === "") return Effect.succeedNone
  const fail = (problem: string) =>
    Effect.fail(
      new CredentialError({
        credential: id,
        message:
          `The credential "${id}" in ${variable} ${problem}. Set ${variable} to a JSON ` +
          `object such as {"type":"http.bearer","token":"..."}.`
      })
    )
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return fail(`is not valid JSON${jsonErrorPosition(cause)}`)
  }
  if (!isRecord(json)) return fail("is not a JSON object")
  const { type, ...rest } = json
  if (typeof type !== "string" || type === "") {
    return fail('has no "type" (the credential type, for example "http.bearer")')
  }
  const nested = isRecord(rest.fields) && Object.keys(rest).every((key) => key === "fields")
  const fields = nested ? (rest.fields as Record<string, unknown>) : rest
  return Effect.succeedSome({ id, type, fields, origin: "environment" })
}

/** Where JSON parsing stopped, without the text around it (it may hold a secret). */
const jsonErrorPosition = (cause: unknown): string => {
  const position = cause instanceof Error ? /position (\d+)/.exec(cause.message)?.[1] : undefined
  return position === undefined ? "" : ` (error at character ${position})`
}

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)
