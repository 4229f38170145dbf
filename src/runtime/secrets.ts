/**
 * The run's secret registry and scrubber: every secret value of every credential a run
 * uses is registered, and everything the runner writes (result, logs, progress, output
 * file) passes through {@link SecretRegistry.scrub}, which replaces them with `***`.
 *
 * Secrets are `Redacted` end to end already; this is the second line of defence, for a
 * provider that echoes a token back in a response body, or a message that quotes one.
 *
 * @module
 */
import { Context, Redacted } from "effect"
import { encodedForms } from "../http/redact.js"

/** What replaces a secret in anything the runner writes. */
export const mask = "***"

/** Shorter values are not registered: masking them would garble ordinary text. */
const minimumLength = 4

/** The secrets of a run, and the scrubber that keeps them out of what the runner writes. */
export interface SecretRegistry {
  /** Registers a secret (plain or `Redacted`); short values are ignored. */
  readonly register: (secret: string | Redacted.Redacted<unknown>) => void
  /** Registers every `Redacted` string found in a decoded value (credential fields). */
  readonly registerRedacted: (value: unknown) => void
  /** Replaces every registered secret in a text with `***`. */
  readonly scrub: (text: string) => string
  /** Replaces registered secrets in every string of a JSON-like value. */
  readonly scrubValue: <A>(value: A) => A
}

/** The run's secret registry, for layers that learn new secrets (a refreshed token). */
export class Secrets extends Context.Tag("rpa/Secrets")<Secrets, SecretRegistry>() {}

/** A new, empty secret registry. */
export const makeSecretRegistry = (): SecretRegistry => {
  const secrets = new Set<string>()
  let ordered: ReadonlyArray<string> = []

  const add = (value: string): void => {
    if (value.length < minimumLength || secrets.has(value)) return
    secrets.add(value)
    ordered = [...secrets].sort((a, b) => b.length - a.length)
  }

  const register = (secret: string | Redacted.Redacted<unknown>): void => {
    const value = Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
    if (typeof value !== "string") return
    for (const form of formsOf(value)) add(form)
  }

  const registerRedacted = (value: unknown): void => {
    if (Redacted.isRedacted(value)) register(value)
    else if (Array.isArray(value)) value.forEach(registerRedacted)
    else if (value !== null && typeof value === "object") {
      Object.values(value).forEach(registerRedacted)
    }
  }

  const scrub = (text: string): string => {
    let out = text
    for (const secret of ordered) {
      if (out.includes(secret)) out = out.split(secret).join(mask)
    }
    return out.includes(ellipsis) ? maskCutSecrets(out, ordered) : out
  }

  const scrubValue = <A>(value: A): A => {
    if (ordered.length === 0) return value
    return scrubDeep(value, scrub) as A
  }

  return { register, registerRedacted, scrub, scrubValue }
}

/**
 * The forms a secret takes in text: its encoded forms (see `encodedForms`), and the token
 * after an authorization scheme (`Bearer abc` also registers `abc`).
 */
const formsOf = (value: string): ReadonlyArray<string> => {
  const forms = [...encodedForms(value)]
  const scheme = /^[A-Za-z][A-Za-z0-9-]*\s+(\S+)$/.exec(value)
  if (scheme?.[1] !== undefined) forms.push(scheme[1])
  return forms
}

/** What an excerpt ends with when it was cut short. */
const ellipsis = "…"

/** The shortest start of a secret that is masked where an excerpt cuts it. */
const minimumCut = 8

/**
 * Masks the start of a secret that an excerpt cut off just before its `…`: a message
 * shortened elsewhere may end in the first characters of a token.
 */
const maskCutSecrets = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (let at = out.indexOf(ellipsis); at >= 0; at = out.indexOf(ellipsis, at + 1)) {
    for (const secret of secrets) {
      const longest = Math.min(secret.length - 1, at)
      let cut = longest
      while (cut >= minimumCut && out.slice(at - cut, at) !== secret.slice(0, cut)) cut--
      if (cut >= minimumCut) {
        out = `${out.slice(0, at - cut)}${mask}${out.slice(at)}`
        at = at - cut + mask.length
        break
      }
    }
  }
  return out
}

const scrubDeep = (value: unknown, scrub: (text: string) => string): unknown => {
  if (typeof value === "string") return scrub(value)
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub))
  if (value !== null && typeof value === "object" && !Redacted.isRedacted(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, scrubDeep(item, scrub)])
    )
  }
  return value
}
