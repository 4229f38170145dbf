/**
 * Redirects: where the next hop goes, with which method and body, and which credentials
 * it must not carry.
 *
 * The kernel follows redirects itself, one hop at a time. 301 and 302 turn a POST into a
 * body-less GET, 303 turns anything but HEAD into one, 307 and 308 keep the method and
 * resend the body. A hop to another origin leaves behind every credential: the
 * `authorization`, `cookie` and `proxy-authorization` headers, the credential's own
 * header and query names, headers the integration marked secret, and secret-looking query
 * parameters carried over from the previous URL. The same method and URL twice is a loop.
 *
 * @module
 */
import { RedirectError } from "./errors.js"
import { isSecretName, maskUrl } from "./redact.js"
import type { HttpMethod } from "./request.js"

/** Statuses the kernel follows when they carry a `Location`. */
export const isRedirectStatus = (status: number): boolean =>
  status === 301 || status === 302 || status === 303 || status === 307 || status === 308

/** One hop of a request: what is sent where. Headers have lower-case names. */
export interface Hop<Body> {
  readonly method: HttpMethod
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: Body | undefined
}

/** What the redirect rules need besides the hop and the response. */
export interface RedirectRules {
  readonly integration: string
  /** Most redirects followed in one attempt. */
  readonly maxRedirects: number
  /** Header and query names that carry the credential (the authenticator's). */
  readonly secretNames: ReadonlyArray<string>
  /** Request headers the integration passed as secrets (`Redacted`), lower case. */
  readonly secretHeaders: ReadonlySet<string>
}

/** Where a redirect chain stands: how many hops were followed, which were seen. */
export interface RedirectState {
  redirects: number
  readonly seen: Set<string>
}

/** A fresh chain that starts at `hop`. */
export const startChain = <Body>(hop: Hop<Body>): RedirectState => ({
  redirects: 0,
  seen: new Set([hopKey(hop.method, hop.url)])
})

/**
 * The hop a redirect response leads to, or a `RedirectError`: `InvalidLocation` when the
 * `Location` is not an http(s) URL, `TooMany` past `maxRedirects`, `Loop` when the same
 * method and URL come again. Updates `state`.
 */
export const nextHop = <Body>(
  hop: Hop<Body>,
  status: number,
  location: string,
  state: RedirectState,
  rules: RedirectRules
): Hop<Body> | RedirectError => {
  const fail = (reason: RedirectError["reason"], message: string) =>
    new RedirectError({
      integration: rules.integration,
      method: hop.method,
      url: maskUrl(hop.url, rules.secretNames),
      status,
      reason,
      redirects: state.redirects,
      message
    })

  const url = resolveLocation(location, hop.url)
  if (url === undefined) {
    return fail(
      "InvalidLocation",
      `${rules.integration} redirected ${hop.method} ${maskUrl(hop.url, rules.secretNames)} to an invalid location: the service's answer is broken; report it to the provider`
    )
  }
  if (state.redirects >= rules.maxRedirects) {
    return fail(
      "TooMany",
      `${rules.integration} redirected more than ${rules.maxRedirects} times: check the URL, or raise the client's redirect limit if the service is known to redirect that often`
    )
  }

  const method = redirectMethod(hop.method, status)
  const key = hopKey(method, url)
  if (state.seen.has(key)) {
    return fail(
      "Loop",
      `${rules.integration} redirected in a loop back to ${method} ${maskUrl(url, rules.secretNames)}: check the URL and the credential (a login redirect often loops)`
    )
  }
  state.seen.add(key)
  state.redirects++

  const crossOrigin = url.origin !== hop.url.origin
  if (crossOrigin) dropCarriedSecrets(url, hop.url, rules.secretNames)
  const keepBody = method === hop.method
  return {
    method,
    url,
    headers: hopHeaders(hop.headers, crossOrigin, keepBody, rules),
    body: keepBody ? hop.body : undefined
  }
}

/** The method after a redirect (RFC 9110, section 15.4). */
export const redirectMethod = (method: HttpMethod, status: number): HttpMethod => {
  if (status === 303) return method === "HEAD" ? "HEAD" : "GET"
  if ((status === 301 || status === 302) && method === "POST") return "GET"
  return method
}

/** Headers that always carry a credential. */
const credentialHeaders: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "proxy-authorization"
])

/** Headers that describe a body, left behind when the body is. */
const bodyHeaders: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location"
])

const hopKey = (method: string, url: URL) => `${method} ${url.href}`

const resolveLocation = (location: string, base: URL): URL | undefined => {
  try {
    const url = new URL(location, base)
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined
    url.hash = ""
    return url
  } catch {
    return undefined
  }
}

const hopHeaders = (
  headers: Readonly<Record<string, string>>,
  crossOrigin: boolean,
  keepBody: boolean,
  rules: RedirectRules
): Readonly<Record<string, string>> => {
  if (!crossOrigin && keepBody) return headers
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (!keepBody && bodyHeaders.has(name)) continue
    if (crossOrigin && isCredentialHeader(name, rules)) continue
    out[name] = headers[name]!
  }
  return out
}

const isCredentialHeader = (name: string, rules: RedirectRules): boolean => {
  if (credentialHeaders.has(name) || rules.secretHeaders.has(name)) return true
  for (const secret of rules.secretNames) if (secret.toLowerCase() === name) return true
  return false
}

/**
 * Removes from `url` the credential's query parameters, and the secret-looking ones whose
 * value the previous URL carried (a server that copied our query into its `Location`).
 * A secret-looking parameter the new origin issued itself (a pre-signed URL's signature)
 * stays.
 */
const dropCarriedSecrets = (url: URL, previous: URL, secretNames: ReadonlyArray<string>) => {
  if (url.search === "") return
  const drop: Array<string> = []
  for (const [name, value] of url.searchParams) {
    const lower = name.toLowerCase()
    const credential = secretNames.some((secret) => secret.toLowerCase() === lower)
    const carried = isSecretName(name) && previous.searchParams.getAll(name).includes(value)
    if (credential || carried) drop.push(name)
  }
  for (const name of drop) url.searchParams.delete(name)
}
