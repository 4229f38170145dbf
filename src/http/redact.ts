/**
 * Masking secrets out of URLs and text before they reach a log line, a span or an error.
 *
 * A URL keeps its shape (origin, path, parameter names) so a log still says where a
 * request went; only the values that carry a credential become `***`: query values whose
 * parameter is named like a secret, tokens embedded in paths (Telegram bot tokens, Slack
 * webhook keys), a password in the user info, and any path segment that is exactly a
 * secret the caller knows about.
 *
 * @module
 */

/** What a masked value is replaced with. */
export const mask = "***"

/** Query parameter names that always carry a secret, lower case. */
const secretParameterNames: ReadonlySet<string> = new Set([
  "token",
  "access_token",
  "api_key",
  "apikey",
  "key",
  "password",
  "secret",
  "client_secret",
  "code",
  "signature",
  "sig",
  "x-amz-signature"
])

/** Endings of parameter names that carry a secret: `refresh_token`, `x-goog-signature`. */
const secretNameEnding = /(?:^|[-_.])(?:token|secret|password|passwd|signature|api[-_]?key)$/i

/**
 * Whether a query parameter or header with this name carries a secret: one of the
 * well-known names (`token`, `api_key`, `client_secret`, `code`, `sig`, ...), a name
 * ending like one (`refresh_token`, `x-goog-signature`), or one of `extraNames`. Case is
 * ignored.
 */
export const isSecretName = (name: string, extraNames: ReadonlyArray<string> = []): boolean => {
  const lower = name.toLowerCase()
  if (secretParameterNames.has(lower) || secretNameEnding.test(lower)) return true
  for (const extra of extraNames) if (extra.toLowerCase() === lower) return true
  return false
}

/**
 * A URL with its secrets masked, safe to log: values of query parameters named like
 * secrets (see {@link isSecretName}, plus `secretNames`), a password in the user info,
 * Telegram-style `bot<id>:<token>` path segments, the keys of a Slack webhook
 * (`hooks.slack.com/services/***\/***\/***`), path segments equal to one of
 * `secretValues`, and query values that contain one. The fragment is left out. Text that
 * is not a URL is masked as text with {@link maskText}.
 */
export const maskUrl = (
  url: string | URL,
  secretNames: ReadonlyArray<string> = [],
  secretValues: ReadonlyArray<string> = []
): string => {
  let parsed: URL
  try {
    parsed = typeof url === "string" ? new URL(url) : url
  } catch {
    return maskText(String(url), secretValues)
  }

  const userInfo =
    parsed.username === "" ? "" : `${parsed.username}${parsed.password === "" ? "" : `:${mask}`}@`
  const origin = `${parsed.protocol}//${userInfo}${parsed.host}`
  const path = maskPath(parsed.hostname, parsed.pathname, secretValues)
  const query = maskQuery(parsed.search, secretNames, secretValues)
  return `${origin}${path}${query}`
}

/**
 * Text with every occurrence of a secret replaced by `***`: each of `secrets` (as is and
 * percent-encoded; values shorter than 4 characters are left alone, they cannot be told
 * from ordinary words) and any `Bearer <token>` credential.
 */
export const maskText = (text: string, secrets: ReadonlyArray<string> = []): string => {
  let out = text
  for (const secret of secrets) {
    if (secret.length < minimumSecretLength) continue
    for (const form of encodedForms(secret)) {
      if (out.includes(form)) out = out.split(form).join(mask)
    }
  }
  return out.replace(bearerToken, `$1${mask}`)
}

const minimumSecretLength = 4

/**
 * The forms a secret takes on the wire and in text: as is, JSON-escaped, percent-encoded
 * as a URL component (also with `'` escaped, as a URL's query serialiser does), and
 * form-encoded (space as `+`).
 */
export const encodedForms = (secret: string): ReadonlyArray<string> => {
  const component = encodeURIComponent(secret)
  const forms = [
    secret,
    JSON.stringify(secret).slice(1, -1),
    component,
    component.replace(/'/g, "%27"),
    new URLSearchParams({ v: secret }).toString().slice(2)
  ]
  return forms.filter((form, i) => forms.indexOf(form) === i)
}

const bearerToken = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi

const telegramToken = /^(bot\d+:).+$/

const maskPath = (hostname: string, path: string, secretValues: ReadonlyArray<string>): string => {
  const segments = path.split("/")
  const slackHook = hostname === "hooks.slack.com"
  let changed = false
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!
    if (segment === "") continue
    const masked = maskSegment(segment, secretValues, slackHook && i > 1)
    if (masked !== segment) {
      segments[i] = masked
      changed = true
    }
  }
  return changed ? segments.join("/") : path
}

const maskSegment = (
  segment: string,
  secretValues: ReadonlyArray<string>,
  alwaysSecret: boolean
): string => {
  if (alwaysSecret) return mask
  const telegram = telegramToken.exec(segment)
  if (telegram) return `${telegram[1]}${mask}`
  if (secretValues.length === 0) return segment
  const decoded = safeDecode(segment)
  for (const secret of secretValues) {
    if (secret !== "" && (segment === secret || decoded === secret)) return mask
  }
  return segment
}

const maskQuery = (
  search: string,
  secretNames: ReadonlyArray<string>,
  secretValues: ReadonlyArray<string>
): string => {
  if (search.length < 2) return search
  const pairs = search.slice(1).split("&")
  let changed = false
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!
    const equals = pair.indexOf("=")
    if (equals < 0) continue
    const name = safeDecode(pair.slice(0, equals).replace(/\+/g, " "))
    if (isSecretName(name, secretNames) || holdsSecret(pair.slice(equals + 1), secretValues)) {
      pairs[i] = `${pair.slice(0, equals)}=${mask}`
      changed = true
    }
  }
  return changed ? `?${pairs.join("&")}` : search
}

/** Whether a query value contains one of the secret values. */
const holdsSecret = (value: string, secretValues: ReadonlyArray<string>): boolean => {
  if (secretValues.length === 0 || value === "") return false
  const decoded = safeDecode(value.replace(/\+/g, " "))
  for (const secret of secretValues) {
    if (secret.length >= minimumSecretLength && decoded.includes(secret)) return true
  }
  return false
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
