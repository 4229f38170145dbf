/**
 * The GitHub fake: a REST API server on 127.0.0.1 for tests and `--sandbox` runs.
 *
 * It follows GitHub's contract: tokens in `Authorization` (classic, fine-grained, OAuth
 * and app installation tokens, each with its own rules of access), app JWTs verified with
 * the app's public key, 404 for private repositories a token cannot see, `Link` header
 * pages, primary rate limits per token with `x-ratelimit-*` headers and a 403 when they are
 * spent, secondary limits on content creation (403 with `Retry-After`), and 422 bodies with
 * field details. It keeps every exchange so tests can check them against GitHub's
 * published OpenAPI description, and can lose a connection before or after acting on a
 * request, as a failing network does.
 *
 * @module
 */

import type { KeyObject } from "node:crypto"
import { createHash, createPublicKey, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Scope } from "effect"
import { Effect } from "effect"
import { decodeProtectedHeader, jwtVerify } from "jose"
import {
  blobSha,
  type FakeCommit,
  type FakeFile,
  type FakeIssue,
  type FakeRelease,
  type FakeRepo,
  type FakeToken,
  memberships,
  seededRepos,
  seededTokens
} from "./fakeData.js"
import {
  commentJson,
  commitJson,
  contentFileJson,
  directoryEntryJson,
  errorJson,
  fileCommitJson,
  issueJson,
  privateUserJson,
  pullJson,
  releaseJson,
  repoJson,
  searchItemJson
} from "./fakeJson.js"
import { sandboxApp, sandboxAppKeys } from "./sandboxApp.js"

/** Origins the fake answers for: the REST API, and the web host's OAuth endpoints. */
export const githubOrigins = ["https://api.github.com", "https://github.com"] as const

/** Options for a fake; tests use them to tighten limits. */
export interface GitHubFakeOptions {
  /** Core requests per hour per token. Default 5,000 (60 without a token). */
  readonly rateLimit?: number | undefined
  /** Search requests per minute per token. Default 30 (10 without a token). */
  readonly searchRateLimit?: number | undefined
  /** Content-creating requests (POST, PATCH, PUT, DELETE) per minute. Default 80. */
  readonly secondaryLimitPerMinute?: number | undefined
  /** Seconds in `Retry-After` on a secondary limit; `null` sends none. Default 60. */
  readonly secondaryRetryAfter?: number | null | undefined
  /** Seconds a device sign-in should wait between polls. Default 5, as GitHub says. */
  readonly deviceInterval?: number | undefined
}

/** One request the fake received and what it answered, as GitHub's description has them. */
export interface GitHubExchange {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** Parsed JSON request body. */
  readonly body?: unknown
  readonly status: number
  /** Parsed JSON response body; undefined for raw or empty bodies. */
  readonly response?: unknown
  readonly headers: Readonly<Record<string, string>>
  /** The `Accept` header of the request. */
  readonly accept: string
  /** The fake's clock when the request arrived, in milliseconds. */
  readonly at: number
  /**
   * True when the connection was closed instead of answering (see `dropConnection`):
   * `status` and `response` are then what GitHub did but never sent, or 0 and nothing
   * when it closed before acting.
   */
  readonly lost?: boolean | undefined
}

/** An answer the next matching request gets instead of its normal one. */
export interface GitHubFakeFault {
  readonly method?: string | undefined
  /** The request path must start with this. */
  readonly path?: string | undefined
  readonly status: number
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body: unknown
}

/** An installation of a GitHub App. */
export interface FakeInstallation {
  readonly account: string
  readonly permissions: Readonly<Record<string, "read" | "write">>
}

/**
 * A connection the fake closes without answering, as when the network fails mid-request.
 * `afterActing`: the request takes effect (a file is written) and only its answer is lost,
 * so the client cannot tell whether it did; `beforeActing`: nothing happens.
 */
export interface GitHubFakeDrop {
  readonly method?: string | undefined
  /** The request path must start with this. */
  readonly path?: string | undefined
  readonly when: "beforeActing" | "afterActing"
}

/** A GitHub App the fake knows: its public key and installations. */
export interface FakeApp {
  readonly publicKey: () => KeyObject
  readonly installations: ReadonlyMap<string, FakeInstallation>
}

/** What a fake saw, and the seeded data it serves; tests read and change it. */
export interface GitHubFakeState {
  readonly exchanges: Array<GitHubExchange>
  readonly tokens: Map<string, FakeToken>
  readonly repos: Array<FakeRepo>
  readonly apps: Map<string, FakeApp>
  /** Installation tokens handed out, in order. */
  readonly installationTokens: Array<{ readonly token: string; readonly expiresAt: number }>
  /** Device sign-ins started, by user code; approve one to let its polling succeed. */
  readonly deviceCodes: Map<string, FakeDeviceCode>
  /** Approves a device sign-in as the user would at github.com/login/device. */
  readonly approveDevice: (userCode: string) => void
  /** Refresh tokens of GitHub App user tokens, each good for one renewal. */
  readonly refreshTokens: Map<
    string,
    { readonly clientId: string; readonly scopes: ReadonlyArray<string> }
  >
  /** Makes the next request that matches answer `fault`. */
  readonly inject: (fault: GitHubFakeFault) => void
  /** Makes the next request that matches lose its connection instead of its answer. */
  readonly dropConnection: (drop: GitHubFakeDrop) => void
}

/** A device sign-in the fake started. */
export interface FakeDeviceCode {
  readonly deviceCode: string
  readonly clientId: string
  readonly scopes: ReadonlyArray<string>
  readonly expiresAt: number
  approved: boolean
  used: boolean
}

/** A running fake. */
export interface GitHubFake {
  readonly url: string
  readonly state: GitHubFakeState
}

/**
 * Starts the fake on 127.0.0.1 with a free port, for the scope of a test or sandbox run.
 * Its clock is Effect's `Clock`, so under `TestClock` rate-limit windows and token expiry
 * follow test time.
 */
export const startGitHubFake = (
  options: GitHubFakeOptions = {}
): Effect.Effect<GitHubFake, never, Scope.Scope> =>
  Effect.flatMap(Effect.clock, (clock) =>
    Effect.acquireRelease(
      Effect.promise(() => listen(options, () => clock.unsafeCurrentTimeMillis())),
      (running) => Effect.promise(running.close)
    ).pipe(Effect.map(({ url, state }) => ({ url, state })))
  )

interface Running extends GitHubFake {
  readonly close: () => Promise<void>
}

interface Fake {
  readonly state: GitHubFakeState
  readonly options: GitHubFakeOptions
  readonly now: () => number
  readonly faults: Array<GitHubFakeFault>
  readonly drops: Array<GitHubFakeDrop>
  /** Rate-limit windows per identity and resource. */
  readonly windows: Map<string, { reset: number; used: number }>
  /** Recent content-creating requests per identity, for the secondary limit. */
  readonly writes: Map<string, Array<number>>
  counter: number
}

const listen = (options: GitHubFakeOptions, now: () => number): Promise<Running> => {
  const faults: Array<GitHubFakeFault> = []
  const drops: Array<GitHubFakeDrop> = []
  const state: GitHubFakeState = {
    exchanges: [],
    tokens: seededTokens(),
    repos: seededRepos(),
    apps: new Map([[sandboxApp.appId, sandboxAppRegistration()]]),
    installationTokens: [],
    deviceCodes: new Map(),
    refreshTokens: new Map(),
    approveDevice: (userCode) => {
      const code = state.deviceCodes.get(userCode)
      if (code !== undefined) code.approved = true
    },
    inject: (fault) => faults.push(fault),
    dropConnection: (drop) => drops.push(drop)
  }
  const fake: Fake = {
    state,
    options,
    now,
    faults,
    drops,
    windows: new Map(),
    writes: new Map(),
    counter: 0
  }
  const server = createServer((req, res) => {
    handle(fake, req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      send(fake, res, { status: 500, body: errorJson(500, `Server Error: ${String(error)}`) })
    })
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        state,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
}

const sandboxAppRegistration = (): FakeApp => {
  let key: KeyObject | undefined
  return {
    publicKey: () => {
      key ??= createPublicKey(sandboxAppKeys().publicKeyPem)
      return key
    },
    installations: new Map([
      [
        sandboxApp.installationId,
        {
          account: sandboxApp.account,
          permissions: {
            metadata: "read",
            issues: "write",
            contents: "write",
            pull_requests: "read"
          }
        }
      ]
    ])
  }
}

// ---------------------------------------------------------------------------------------
// Requests and answers

/** A request as a route sees it. */
interface Call {
  readonly fake: Fake
  readonly method: string
  readonly path: string
  readonly params: ReadonlyArray<string>
  readonly query: URLSearchParams
  readonly body: unknown
  readonly accept: string
  /** The token's rules, or undefined for an anonymous request. */
  readonly token: FakeToken | undefined
  readonly bearer: string | undefined
  /** The origin the client addressed, for `Link` and `Location` URLs. */
  readonly origin: string
  readonly at: number
}

interface Answer {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  /** A raw body instead of JSON. */
  readonly raw?: { readonly contentType: string; readonly bytes: Buffer }
}

type Handler = (call: Call) => Answer | Promise<Answer>

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly resource: "core" | "search" | "app"
  readonly handler: Handler
}

const handle = async (fake: Fake, req: IncomingMessage, res: ServerResponse) => {
  const host = req.headers.host ?? "127.0.0.1"
  const origin = /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)
    ? `http://${host}`
    : `https://${host}`
  const url = new URL(req.url ?? "/", origin)
  const method = req.method ?? "GET"
  const text = await readBody(req)
  const isForm = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
  const body =
    text === ""
      ? undefined
      : isForm
        ? Object.fromEntries(new URLSearchParams(text))
        : parseJson(text)
  const at = fake.now()
  const accept = req.headers.accept ?? ""
  const drop = takeMatching(fake.drops, method, url.pathname)
  if (drop?.when === "beforeActing") {
    fake.state.exchanges.push({
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      ...(body === undefined ? {} : { body }),
      status: 0,
      headers: {},
      accept,
      at,
      lost: true
    })
    return void req.socket.destroy()
  }
  const answer = await answerRequest(fake, req, {
    url,
    method,
    body,
    bodyText: text,
    origin,
    at,
    accept
  })
  const headers = drop === undefined ? send(fake, res, answer) : { ...answer.headers }
  if (drop !== undefined) req.socket.destroy()
  fake.state.exchanges.push({
    method,
    path: url.pathname,
    query: queryRecord(url.searchParams),
    ...(body === undefined ? {} : { body }),
    status: answer.status,
    ...(answer.raw === undefined && answer.body !== undefined ? { response: answer.body } : {}),
    headers,
    accept,
    at,
    ...(drop === undefined ? {} : { lost: true })
  })
}

/** Removes and returns the first of `matchers` that matches the request, if any. */
const takeMatching = <
  A extends { readonly method?: string | undefined; readonly path?: string | undefined }
>(
  matchers: Array<A>,
  method: string,
  path: string
): A | undefined => {
  const index = matchers.findIndex(
    (m) =>
      (m.method === undefined || m.method === method) &&
      (m.path === undefined || path.startsWith(m.path))
  )
  return index === -1 ? undefined : matchers.splice(index, 1)[0]
}

interface Incoming {
  readonly url: URL
  readonly method: string
  readonly body: unknown
  readonly bodyText: string
  readonly origin: string
  readonly at: number
  readonly accept: string
}

const answerRequest = async (
  fake: Fake,
  req: IncomingMessage,
  incoming: Incoming
): Promise<Answer> => {
  const { url, method, at } = incoming
  const fault = takeMatching(fake.faults, method, url.pathname)
  if (fault !== undefined) {
    return { status: fault.status, headers: fault.headers, body: fault.body }
  }
  if (req.headers["user-agent"] === undefined) {
    return {
      status: 403,
      body: errorJson(
        403,
        "Request forbidden by administrative rules. Please make sure your request has a User-Agent header."
      )
    }
  }
  if (incoming.bodyText !== "" && incoming.body === undefined) {
    return { status: 400, body: errorJson(400, "Problems parsing JSON") }
  }

  const found = findRoute(method, url.pathname)
  if (found === undefined) return { status: 404, body: errorJson(404, "Not Found") }
  const { route, params } = found

  const header = req.headers.authorization ?? ""
  const bearer = /^(?:Bearer|token)\s+(\S+)$/i.exec(header)?.[1]
  let token: FakeToken | undefined
  if (route.resource !== "app" && bearer !== undefined) {
    token = fake.state.tokens.get(bearer)
    if (token === undefined || (token.expiresAt !== undefined && token.expiresAt <= at)) {
      return { status: 401, body: errorJson(401, "Bad credentials") }
    }
  }

  const call: Call = {
    fake,
    method,
    path: url.pathname,
    params,
    query: url.searchParams,
    body: incoming.body,
    accept: incoming.accept,
    token,
    bearer,
    origin: incoming.origin,
    at
  }
  if (route.resource === "app") return route.handler(call)

  const identity = bearer ?? `anonymous:${req.socket.remoteAddress ?? ""}`
  const limits = primaryLimit(fake, identity, route.resource, token !== undefined, at)
  if (limits.exceeded !== undefined) return limits.exceeded
  const secondary = secondaryLimit(fake, identity, method, at)
  if (secondary !== undefined)
    return { ...secondary, headers: { ...limits.headers, ...secondary.headers } }

  const answer = await route.handler(call)
  return { ...answer, headers: { ...limits.headers, ...scopeHeaders(token), ...answer.headers } }
}

/** Writes an answer with GitHub's common headers; returns the headers sent. */
const send = (fake: Fake, res: ServerResponse, answer: Answer): Record<string, string> => {
  fake.counter++
  const headers: Record<string, string> = {
    "x-github-request-id": `FAKE:${fake.counter.toString(16).toUpperCase().padStart(6, "0")}`,
    "x-github-api-version-selected": "2022-11-28",
    date: new Date(fake.now()).toUTCString(),
    ...answer.headers
  }
  if (answer.raw !== undefined) {
    res.writeHead(answer.status, { ...headers, "content-type": answer.raw.contentType })
    res.end(answer.raw.bytes)
  } else if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end()
  } else {
    res.writeHead(answer.status, { ...headers, "content-type": "application/json; charset=utf-8" })
    res.end(JSON.stringify(answer.body))
  }
  return headers
}

const scopeHeaders = (token: FakeToken | undefined): Record<string, string> =>
  token === undefined || (token.kind !== "classic" && token.kind !== "oauth")
    ? {}
    : { "x-oauth-scopes": token.scopes.join(", "), "x-accepted-oauth-scopes": "repo" }

// ---------------------------------------------------------------------------------------
// Rate limits

/** GitHub's primary limits: a budget per token per hour (search: per minute). */
const primaryLimit = (
  fake: Fake,
  identity: string,
  resource: "core" | "search",
  authenticated: boolean,
  at: number
): { readonly headers: Record<string, string>; readonly exceeded?: Answer } => {
  const limit =
    resource === "search"
      ? (fake.options.searchRateLimit ?? (authenticated ? 30 : 10))
      : authenticated
        ? (fake.options.rateLimit ?? 5_000)
        : 60
  const key = `${identity}\n${resource}`
  let window = fake.windows.get(key)
  if (window === undefined || at >= window.reset * 1000) {
    window = { reset: Math.floor(at / 1000) + (resource === "search" ? 60 : 3_600), used: 0 }
    fake.windows.set(key, window)
  }
  const headers = (used: number) => ({
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.max(0, limit - used)),
    "x-ratelimit-reset": String(window.reset),
    "x-ratelimit-used": String(used),
    "x-ratelimit-resource": resource
  })
  if (window.used >= limit) {
    return {
      headers: headers(window.used),
      exceeded: {
        status: 403,
        headers: headers(window.used),
        body: errorJson(
          403,
          authenticated
            ? "API rate limit exceeded for user ID 9000. If you reach out to GitHub Support for help, please include the request ID."
            : "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit.)",
          {
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
          }
        )
      }
    }
  }
  window.used++
  return { headers: headers(window.used) }
}

const contentMethods = new Set(["POST", "PATCH", "PUT", "DELETE"])

/** GitHub's secondary limit on content creation: too many writes in a minute. */
const secondaryLimit = (
  fake: Fake,
  identity: string,
  method: string,
  at: number
): Answer | undefined => {
  if (!contentMethods.has(method)) return undefined
  const limit = fake.options.secondaryLimitPerMinute ?? 80
  const recent = (fake.writes.get(identity) ?? []).filter((t) => at - t < 60_000)
  fake.writes.set(identity, recent)
  if (recent.length >= limit) {
    const retryAfter =
      fake.options.secondaryRetryAfter === undefined ? 60 : fake.options.secondaryRetryAfter
    return {
      status: 403,
      headers: retryAfter === null ? {} : { "retry-after": String(retryAfter) },
      body: errorJson(
        403,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
        {
          documentation_url:
            "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        }
      )
    }
  }
  recent.push(at)
  return undefined
}

// ---------------------------------------------------------------------------------------
// Access

type Access = { readonly repo: FakeRepo } | { readonly denied: Answer }

const notFound = (): Answer => ({ status: 404, body: errorJson(404, "Not Found") })

/** Whether a token can see a repository at all; GitHub answers 404 when it cannot. */
const canSee = (token: FakeToken | undefined, repo: FakeRepo): boolean => {
  const fullName = `${repo.owner}/${repo.name}`
  if (token?.repositories !== undefined && !token.repositories.includes(fullName)) return false
  if (!repo.private) return true
  if (token === undefined) return false
  if (token.kind === "installation") return true
  const isMember =
    repo.owner === token.login || (memberships.get(repo.owner) ?? []).includes(token.login)
  if (!isMember) return false
  return token.kind === "fine-grained" || token.scopes.includes("repo")
}

/** The repository, if the token may use it as asked; else GitHub's 404, 403 or 401. */
const access = (call: Call, permission: string, write: boolean): Access => {
  const [owner, name] = call.params
  const repo = call.fake.state.repos.find((r) => r.owner === owner && r.name === name)
  const token = call.token
  if (repo === undefined || !canSee(token, repo)) return { denied: notFound() }
  if (!write) return { repo }
  if (token === undefined)
    return { denied: { status: 401, body: errorJson(401, "Requires authentication") } }
  if (token.kind === "classic" || token.kind === "oauth") {
    const scoped =
      token.scopes.includes("repo") || (!repo.private && token.scopes.includes("public_repo"))
    return scoped
      ? { repo }
      : {
          denied: {
            status: 404,
            headers: { "x-accepted-oauth-scopes": "repo" },
            body: errorJson(404, "Not Found")
          }
        }
  }
  if (token.permissions?.[permission] === "write") return { repo }
  const who = token.kind === "installation" ? "integration" : "personal access token"
  return {
    denied: {
      status: 403,
      headers: { "x-accepted-github-permissions": `${permission}=write` },
      body: errorJson(403, `Resource not accessible by ${who}`)
    }
  }
}

/** Runs a route's body once the repository may be used. */
const withRepo =
  (
    permission: string,
    write: boolean,
    run: (call: Call, repo: FakeRepo) => Answer | Promise<Answer>
  ): Handler =>
  (call) => {
    const granted = access(call, permission, write)
    return "denied" in granted ? granted.denied : run(call, granted.repo)
  }

const validation = (resource: string, field: string, code: string, message?: string): Answer => ({
  status: 422,
  body: errorJson(422, "Validation Failed", {
    errors: [{ resource, field, code, ...(message === undefined ? {} : { message }) }]
  })
})

// ---------------------------------------------------------------------------------------
// Pagination

/** One page of `items` by `page` and `per_page`, with GitHub's `Link` header. */
const paginate = <A>(
  call: Call,
  items: ReadonlyArray<A>
): { readonly items: ReadonlyArray<A>; readonly link: Record<string, string> } => {
  const perPage = Math.min(Math.max(Number(call.query.get("per_page") ?? 30) || 30, 1), 100)
  const page = Math.max(Number(call.query.get("page") ?? 1) || 1, 1)
  const last = Math.max(Math.ceil(items.length / perPage), 1)
  const href = (n: number) => {
    const url = new URL(call.path, call.origin)
    for (const [key, value] of call.query) if (key !== "page") url.searchParams.append(key, value)
    url.searchParams.set("page", String(n))
    return `<${url.href}>`
  }
  const links = [
    ...(page > 1 ? [`${href(page - 1)}; rel="prev"`] : []),
    ...(page < last ? [`${href(page + 1)}; rel="next"`, `${href(last)}; rel="last"`] : []),
    ...(page > 1 ? [`${href(1)}; rel="first"`] : [])
  ]
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    link: links.length === 0 ? {} : { link: links.join(", ") }
  }
}

const listAnswer = <A>(call: Call, items: ReadonlyArray<A>, json: (item: A) => unknown): Answer => {
  const page = paginate(call, items)
  return { status: 200, headers: page.link, body: page.items.map(json) }
}

// ---------------------------------------------------------------------------------------
// Routes

const routes: ReadonlyArray<Route> = [
  { method: "GET", pattern: /^\/user$/, resource: "core", handler: (call) => getUser(call) },
  {
    method: "GET",
    pattern: /^\/installation\/repositories$/,
    resource: "core",
    handler: (call) => installationRepos(call)
  },
  {
    method: "GET",
    pattern: /^\/user\/repos$/,
    resource: "core",
    handler: (call) => listOwnRepos(call)
  },
  {
    method: "GET",
    pattern: /^\/orgs\/([^/]+)\/repos$/,
    resource: "core",
    handler: (call) => listOwnerRepos(call, true)
  },
  {
    method: "GET",
    pattern: /^\/users\/([^/]+)\/repos$/,
    resource: "core",
    handler: (call) => listOwnerRepos(call, false)
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)$/,
    resource: "core",
    handler: withRepo("metadata", false, (_, repo) => ({
      status: 200,
      body: repoJson(repo, "full")
    }))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
    resource: "core",
    handler: withRepo("issues", false, (call, repo) => listIssues(call, repo))
  },
  {
    method: "POST",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
    resource: "core",
    handler: withRepo("issues", true, (call, repo) => createIssue(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
    resource: "core",
    handler: withRepo("issues", false, (call, repo) => getIssue(call, repo))
  },
  {
    method: "PATCH",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
    resource: "core",
    handler: withRepo("issues", true, (call, repo) => updateIssue(call, repo))
  },
  {
    method: "POST",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
    resource: "core",
    handler: withRepo("issues", true, (call, repo) => createComment(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
    resource: "core",
    handler: withRepo("pull_requests", false, (call, repo) => listPulls(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
    resource: "core",
    handler: withRepo("contents", false, (call, repo) => getContent(call, repo))
  },
  {
    method: "PUT",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
    resource: "core",
    handler: withRepo("contents", true, (call, repo) => putContent(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/commits$/,
    resource: "core",
    handler: withRepo("contents", false, (call, repo) => listCommits(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/releases\/latest$/,
    resource: "core",
    handler: withRepo("contents", false, (_, repo) => latestRelease(repo))
  },
  {
    method: "POST",
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/releases$/,
    resource: "core",
    handler: withRepo("contents", true, (call, repo) => createRelease(call, repo))
  },
  {
    method: "GET",
    pattern: /^\/search\/issues$/,
    resource: "search",
    handler: (call) => searchIssues(call)
  },
  {
    method: "POST",
    pattern: /^\/app\/installations\/([^/]+)\/access_tokens$/,
    resource: "app",
    handler: (call) => installationToken(call)
  },
  {
    method: "POST",
    pattern: /^\/login\/device\/code$/,
    resource: "app",
    handler: (call) => startDeviceSignIn(call)
  },
  {
    method: "POST",
    pattern: /^\/login\/oauth\/access_token$/,
    resource: "app",
    handler: (call) => oauthToken(call)
  }
]

const findRoute = (method: string, path: string) => {
  for (const route of routes) {
    const match = route.pattern.exec(path)
    if (match === null) continue
    if (route.method !== method) continue
    return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) }
  }
  return undefined
}

const getUser = (call: Call): Answer =>
  call.token === undefined
    ? { status: 401, body: errorJson(401, "Requires authentication") }
    : { status: 200, body: privateUserJson(call.token.login) }

/** The repositories an installation token may use; other tokens are refused. */
const installationRepos = (call: Call): Answer => {
  const token = call.token
  if (token?.kind !== "installation") {
    return {
      status: 403,
      body: errorJson(
        403,
        "You must authenticate with an installation access token in order to list repositories for an installation."
      )
    }
  }
  const repos = call.fake.state.repos.filter((r) => canSee(token, r))
  const page = paginate(call, repos)
  return {
    status: 200,
    headers: page.link,
    body: {
      total_count: repos.length,
      repository_selection: "all",
      repositories: page.items.map((r) => repoJson(r, "repository"))
    }
  }
}

const listOwnRepos = (call: Call): Answer => {
  const token = call.token
  if (token === undefined) return { status: 401, body: errorJson(401, "Requires authentication") }
  const visibility = call.query.get("visibility") ?? "all"
  if (!["all", "public", "private"].includes(visibility))
    return validation("Repository", "visibility", "invalid")
  const repos = call.fake.state.repos.filter(
    (r) =>
      canSee(token, r) &&
      (r.owner === token.login ||
        (memberships.get(r.owner) ?? []).includes(token.login) ||
        token.kind === "installation") &&
      (visibility === "all" || (visibility === "private") === r.private)
  )
  return listAnswer(call, sortRepos(call, repos), (r) => repoJson(r, "repository"))
}

const listOwnerRepos = (call: Call, organization: boolean): Answer => {
  const [owner] = call.params
  const exists = call.fake.state.repos.some((r) => r.owner === owner)
  const isOrg = owner === "acme"
  if (!exists || isOrg !== organization) return notFound()
  const type = call.query.get("type") ?? "all"
  const repos = call.fake.state.repos.filter(
    (r) =>
      r.owner === owner &&
      canSee(call.token, r) &&
      (organization || !r.private) &&
      (type === "all" || type === "owner" || (type === "private") === r.private)
  )
  return listAnswer(call, sortRepos(call, repos), (r) => repoJson(r, "minimal"))
}

const sortRepos = (call: Call, repos: ReadonlyArray<FakeRepo>) => {
  const sort = call.query.get("sort") ?? "full_name"
  const direction = call.query.get("direction") ?? (sort === "full_name" ? "asc" : "desc")
  const key = (r: FakeRepo) => (sort === "full_name" ? `${r.owner}/${r.name}` : r.createdAt)
  const sorted = [...repos].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  return direction === "asc" ? sorted : sorted.reverse()
}

const listIssues = (call: Call, repo: FakeRepo): Answer => {
  const q = call.query
  const state = q.get("state") ?? "open"
  if (!["open", "closed", "all"].includes(state)) return validation("Issue", "state", "invalid")
  const labels =
    q
      .get("labels")
      ?.split(",")
      .map((l) => l.trim())
      .filter((l) => l !== "") ?? []
  const assignee = q.get("assignee")
  const creator = q.get("creator")
  const milestone = q.get("milestone")
  const since = q.get("since")
  const issues = repo.issues.filter(
    (i) =>
      (state === "all" || i.state === state) &&
      labels.every((l) => i.labels.includes(l)) &&
      (assignee === null ||
        (assignee === "none"
          ? i.assignees.length === 0
          : assignee === "*"
            ? i.assignees.length > 0
            : i.assignees.includes(assignee))) &&
      (creator === null || i.user === creator) &&
      (milestone === null ||
        (milestone === "none"
          ? i.milestone === null
          : milestone === "*"
            ? i.milestone !== null
            : String(i.milestone) === milestone)) &&
      (since === null || i.updatedAt >= since)
  )
  return listAnswer(
    call,
    sortIssues(q.get("sort") ?? "created", q.get("direction") ?? "desc", issues),
    (i) => issueJson(repo, i)
  )
}

const sortIssues = (sort: string, direction: string, issues: ReadonlyArray<FakeIssue>) => {
  const key = (i: FakeIssue) =>
    sort === "updated"
      ? i.updatedAt
      : sort === "comments"
        ? String(i.comments.length).padStart(6, "0")
        : i.createdAt
  const sorted = [...issues].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number
  )
  return direction === "asc" ? sorted : sorted.reverse()
}

const findIssue = (call: Call, repo: FakeRepo) =>
  repo.issues.find((i) => String(i.number) === call.params[2])

const getIssue = (call: Call, repo: FakeRepo): Answer => {
  const issue = findIssue(call, repo)
  return issue === undefined ? notFound() : { status: 200, body: issueJson(repo, issue) }
}

type Body = Record<string, unknown>

const bodyOf = (call: Call): Body =>
  typeof call.body === "object" && call.body !== null ? (call.body as Body) : {}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

/** Checks labels, assignees and milestone as GitHub does; undefined when they are fine. */
const issueFieldsProblem = (repo: FakeRepo, body: Body): Answer | undefined => {
  if (
    body.labels !== undefined &&
    !(Array.isArray(body.labels) && body.labels.every((l) => typeof l === "string"))
  ) {
    return validation("Issue", "labels", "invalid")
  }
  if (body.assignees !== undefined) {
    const members = memberships.get(repo.owner) ?? [repo.owner]
    if (
      !Array.isArray(body.assignees) ||
      body.assignees.some((a) => !members.includes(String(a)))
    ) {
      return validation("Issue", "assignees", "invalid")
    }
  }
  if (
    body.milestone !== undefined &&
    body.milestone !== null &&
    !repo.milestones.some((m) => m.number === body.milestone)
  ) {
    return validation("Issue", "milestone", "invalid")
  }
  return undefined
}

const createIssue = (call: Call, repo: FakeRepo): Answer => {
  const body = bodyOf(call)
  if (typeof body.title !== "string" || body.title.trim() === "")
    return validation("Issue", "title", "missing_field")
  const problem = issueFieldsProblem(repo, body)
  if (problem !== undefined) return problem
  const now = iso(call.at)
  const number = Math.max(0, ...repo.issues.map((i) => i.number)) + 1
  const issue: FakeIssue = {
    id: 900_000 + call.fake.state.exchanges.length + number,
    number,
    title: body.title,
    body: typeof body.body === "string" ? body.body : null,
    state: "open",
    stateReason: null,
    user: call.token!.login,
    labels: (body.labels as Array<string> | undefined) ?? [],
    assignees: (body.assignees as Array<string> | undefined) ?? [],
    milestone: (body.milestone as number | undefined) ?? null,
    comments: [],
    locked: false,
    createdAt: now,
    updatedAt: now,
    closedAt: null
  }
  repo.issues.push(issue)
  const json = issueJson(repo, issue)
  return { status: 201, headers: { location: String(json.url) }, body: json }
}

const updateIssue = (call: Call, repo: FakeRepo): Answer => {
  const issue = findIssue(call, repo)
  if (issue === undefined) return notFound()
  const body = bodyOf(call)
  if (body.title !== undefined && (typeof body.title !== "string" || body.title.trim() === "")) {
    return validation("Issue", "title", "invalid")
  }
  if (body.state !== undefined && body.state !== "open" && body.state !== "closed") {
    return validation("Issue", "state", "invalid")
  }
  const reasons = ["completed", "not_planned", "reopened", "duplicate", null]
  if (body.state_reason !== undefined && !reasons.includes(body.state_reason as string)) {
    return validation("Issue", "state_reason", "invalid")
  }
  const problem = issueFieldsProblem(repo, body)
  if (problem !== undefined) return problem
  const now = iso(call.at)
  if (typeof body.title === "string") issue.title = body.title
  if (body.body !== undefined) issue.body = (body.body as string | null) ?? null
  if (Array.isArray(body.labels)) issue.labels = body.labels as Array<string>
  if (Array.isArray(body.assignees)) issue.assignees = body.assignees as Array<string>
  if (body.milestone !== undefined) issue.milestone = body.milestone as number | null
  if (body.state === "closed" && issue.state === "open") {
    issue.state = "closed"
    issue.closedAt = now
    issue.stateReason = (body.state_reason as FakeIssue["stateReason"] | undefined) ?? "completed"
  } else if (body.state === "open" && issue.state === "closed") {
    issue.state = "open"
    issue.closedAt = null
    issue.stateReason = "reopened"
  }
  issue.updatedAt = now
  return { status: 200, body: issueJson(repo, issue) }
}

const createComment = (call: Call, repo: FakeRepo): Answer => {
  const issue = findIssue(call, repo)
  if (issue === undefined) return notFound()
  const body = bodyOf(call)
  if (typeof body.body !== "string" || body.body.trim() === "")
    return validation("IssueComment", "body", "missing_field")
  const comment = {
    id: 7_000_000 + call.fake.state.exchanges.length,
    body: body.body,
    user: call.token!.login,
    createdAt: iso(call.at)
  }
  issue.comments.push(comment)
  issue.updatedAt = comment.createdAt
  const json = commentJson(repo, issue, comment)
  return { status: 201, headers: { location: String(json.url) }, body: json }
}

const listPulls = (call: Call, repo: FakeRepo): Answer => {
  const q = call.query
  const state = q.get("state") ?? "open"
  if (!["open", "closed", "all"].includes(state))
    return validation("PullRequest", "state", "invalid")
  const head = q.get("head")
  const base = q.get("base")
  const pulls = repo.issues.filter(
    (i) =>
      i.pull !== undefined &&
      (state === "all" || i.state === state) &&
      (head === null || `${repo.owner}:${i.pull.head}` === head) &&
      (base === null || i.pull.base === base)
  )
  const sort = q.get("sort") ?? "created"
  const direction = q.get("direction") ?? (sort === "created" ? "desc" : "asc")
  return listAnswer(call, sortIssues(sort, direction, pulls), (i) => pullJson(repo, i))
}

const isRaw = (accept: string) => /application\/vnd\.github(\.v3)?\.raw/.test(accept)

const getContent = (call: Call, repo: FakeRepo): Answer => {
  const path = call.params[2]!.replace(/\/+$/, "")
  const ref = call.query.get("ref") ?? repo.defaultBranch
  if (!repo.branches.has(ref))
    return { status: 404, body: errorJson(404, `No commit found for the ref ${ref}`) }
  const file = fileAt(repo, ref, path)
  if (file !== undefined) {
    if (isRaw(call.accept))
      return {
        status: 200,
        raw: { contentType: "application/vnd.github.raw", bytes: file.content }
      }
    return { status: 200, body: contentFileJson(repo, path, file, ref) }
  }
  const entries = [...filesOn(repo, ref).keys()]
    .filter((p) => p.startsWith(`${path}/`))
    .map((p) => `${path}/${p.slice(path.length + 1).split("/")[0]}`)
  if (entries.length === 0) return notFound()
  return {
    status: 200,
    body: [...new Set(entries)].map((p) => {
      const entry = fileAt(repo, ref, p)
      return entry === undefined
        ? directoryEntryJson(repo, p, ref)
        : { ...contentFileJson(repo, p, entry, ref), content: undefined, encoding: undefined }
    })
  }
}

/** Files of a branch: the default branch's, overlaid by what was written to the branch. */
const filesOn = (repo: FakeRepo, ref: string): Map<string, FakeFile> => {
  const out = new Map<string, FakeFile>()
  for (const [key, file] of repo.files) {
    const at = key.indexOf("\u0000")
    if (at === -1) out.set(key, file)
  }
  if (ref !== repo.defaultBranch) {
    for (const [key, file] of repo.files) {
      if (key.startsWith(`${ref}\u0000`)) out.set(key.slice(ref.length + 1), file)
    }
  }
  return out
}

const fileAt = (repo: FakeRepo, ref: string, path: string): FakeFile | undefined =>
  filesOn(repo, ref).get(path)

const base64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/

const putContent = (call: Call, repo: FakeRepo): Answer => {
  const path = call.params[2]!.replace(/\/+$/, "")
  const body = bodyOf(call)
  if (typeof body.message !== "string" || body.message === "")
    return validation("Commit", "message", "missing_field")
  if (typeof body.content !== "string") return validation("Commit", "content", "missing_field")
  if (!base64.test(body.content))
    return { status: 422, body: errorJson(422, "content is not valid Base64") }
  const branch = typeof body.branch === "string" ? body.branch : repo.defaultBranch
  if (!repo.branches.has(branch))
    return { status: 404, body: errorJson(404, `Branch ${branch} not found`) }
  const existing = fileAt(repo, branch, path)
  if (existing !== undefined && body.sha === undefined) {
    return { status: 422, body: errorJson(422, 'Invalid request.\n\n"sha" wasn\'t supplied.') }
  }
  if (existing !== undefined && body.sha !== existing.sha) {
    return { status: 409, body: errorJson(409, `${path} does not match ${String(body.sha)}`) }
  }
  const content = Buffer.from(body.content, "base64")
  const sha = blobSha(content)
  const commit: FakeCommit = {
    sha: createHash("sha1").update(`${path}\n${sha}\n${call.at}`).digest("hex"),
    message: body.message,
    date: iso(call.at),
    author: (body.committer as { name?: string } | undefined)?.name ?? call.token!.login
  }
  const file: FakeFile = { content, sha, commit }
  repo.files.set(branch === repo.defaultBranch ? path : `${branch}\u0000${path}`, file)
  return {
    status: existing === undefined ? 201 : 200,
    body: fileCommitJson(repo, path, file, branch, commit)
  }
}

/**
 * Commits of a branch (`sha`), newest first, optionally only those that touched `path`.
 * The fake keeps no history: each file contributes the commit that last wrote it.
 */
const listCommits = (call: Call, repo: FakeRepo): Answer => {
  const ref = call.query.get("sha") ?? repo.defaultBranch
  if (!repo.branches.has(ref))
    return { status: 404, body: errorJson(404, `No commit found for SHA: ${ref}`) }
  const path = call.query.get("path")?.replace(/\/+$/, "")
  const commits = new Map<string, FakeCommit>()
  for (const [filePath, file] of filesOn(repo, ref)) {
    if (path !== undefined && path !== "" && filePath !== path && !filePath.startsWith(`${path}/`))
      continue
    const commit = file.commit ?? seededCommit(repo, filePath, file)
    commits.set(commit.sha, commit)
  }
  const newestFirst = [...commits.values()].sort((a, b) => (a.date < b.date ? 1 : -1))
  return listAnswer(call, newestFirst, (commit) => commitJson(repo, commit))
}

/** The commit a seeded file is said to come from: made when the repository was. */
const seededCommit = (repo: FakeRepo, path: string, file: FakeFile): FakeCommit => ({
  sha: createHash("sha1").update(`seed\n${path}\n${file.sha}`).digest("hex"),
  message: `Add ${path}`,
  date: repo.createdAt,
  author: repo.owner
})

const isFullRelease = (r: FakeRelease) => !r.draft && !r.prerelease && r.publishedAt !== null

const latestRelease = (repo: FakeRepo): Answer => {
  const latest = repo.releases
    .filter(isFullRelease)
    .sort((a, b) => (a.publishedAt! < b.publishedAt! ? 1 : -1))[0]
  return latest === undefined ? notFound() : { status: 200, body: releaseJson(repo, latest) }
}

const createRelease = (call: Call, repo: FakeRepo): Answer => {
  const body = bodyOf(call)
  const tag = body.tag_name
  if (typeof tag !== "string" || tag.trim() === "")
    return validation("Release", "tag_name", "missing_field")
  if (repo.releases.some((r) => r.tagName === tag))
    return validation("Release", "tag_name", "already_exists")
  const target =
    typeof body.target_commitish === "string" ? body.target_commitish : repo.defaultBranch
  if (!repo.branches.has(target) && !/^[0-9a-f]{40}$/.test(target)) {
    return validation("Release", "target_commitish", "invalid")
  }
  const draft = body.draft === true
  const now = iso(call.at)
  const previous = repo.releases
    .filter(isFullRelease)
    .sort((a, b) => (a.publishedAt! < b.publishedAt! ? 1 : -1))[0]
  const generated =
    body.generate_release_notes === true
      ? releaseNotes(repo, previous?.publishedAt ?? null, previous?.tagName, tag)
      : undefined
  const release: FakeRelease = {
    id: 61_000 + repo.releases.length,
    tagName: tag,
    targetCommitish: target,
    name: typeof body.name === "string" ? body.name : tag,
    body:
      typeof body.body === "string"
        ? generated === undefined
          ? body.body
          : `${body.body}\n\n${generated}`
        : (generated ?? null),
    draft,
    prerelease: body.prerelease === true,
    createdAt: now,
    publishedAt: draft ? null : now,
    author: call.token!.login
  }
  repo.releases.push(release)
  const json = releaseJson(repo, release)
  return { status: 201, headers: { location: String(json.url) }, body: json }
}

/** GitHub's generated notes: the pull requests merged since the previous release. */
const releaseNotes = (
  repo: FakeRepo,
  since: string | null,
  previousTag: string | undefined,
  tag: string
) => {
  const merged = repo.issues.filter(
    (i) => i.pull?.mergedAt != null && (since === null || i.pull.mergedAt > since)
  )
  const lines = merged.map(
    (i) =>
      `* ${i.title} by @${i.user} in https://github.com/${repo.owner}/${repo.name}/pull/${i.number}`
  )
  const changelog =
    previousTag === undefined
      ? ""
      : `\n\n**Full Changelog**: https://github.com/${repo.owner}/${repo.name}/compare/${previousTag}...${tag}`
  return `## What's Changed\n${lines.join("\n")}${changelog}`
}

// ---------------------------------------------------------------------------------------
// Search

interface SearchFilter {
  readonly test: (repo: FakeRepo, issue: FakeIssue) => boolean
}

const searchIssues = (call: Call): Answer => {
  const q = call.query.get("q")
  if (q === null || q.trim() === "") return validation("Search", "q", "missing")
  const perPage = Math.min(Math.max(Number(call.query.get("per_page") ?? 30) || 30, 1), 100)
  const page = Math.max(Number(call.query.get("page") ?? 1) || 1, 1)
  if ((page - 1) * perPage >= 1_000) {
    return { status: 422, body: errorJson(422, "Only the first 1000 search results are available") }
  }
  const parsed = parseQuery(q)
  if ("problem" in parsed) return validation("Search", "q", "invalid", parsed.problem)
  const repos = call.fake.state.repos.filter((r) => canSee(call.token, r))
  const matches = repos.flatMap((repo) =>
    repo.issues
      .filter((issue) => parsed.filters.every((f) => f.test(repo, issue)))
      .map((issue) => ({ repo, issue }))
  )
  const sort = call.query.get("sort") ?? "created"
  const order = call.query.get("order") ?? "desc"
  const key = (m: { issue: FakeIssue }) =>
    sort === "updated" ? m.issue.updatedAt : m.issue.createdAt
  matches.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.issue.id - b.issue.id))
  if (order === "desc") matches.reverse()
  const available = matches.slice(0, 1_000)
  const pageOf = paginate(call, available)
  return {
    status: 200,
    headers: pageOf.link,
    body: {
      total_count: matches.length,
      incomplete_results: false,
      search_type: "lexical",
      items: pageOf.items.map((m) => searchItemJson(m.repo, m.issue))
    }
  }
}

/** Reads a search query's qualifiers (`repo:`, `is:`, `label:`, `merged:>`...) and words. */
const parseQuery = (
  q: string
): { readonly filters: ReadonlyArray<SearchFilter> } | { readonly problem: string } => {
  const tokens = q.match(/(?:[^\s"]+:"[^"]*"|"[^"]*"|\S+)/g) ?? []
  const filters: Array<SearchFilter> = []
  for (const raw of tokens) {
    const token = raw.replace(/"/g, "")
    const colon = token.indexOf(":")
    const [name, value] =
      colon === -1
        ? [undefined, token]
        : [token.slice(0, colon).toLowerCase(), token.slice(colon + 1)]
    switch (name) {
      case undefined: {
        const word = value.toLowerCase()
        filters.push({ test: (_, i) => `${i.title} ${i.body ?? ""}`.toLowerCase().includes(word) })
        break
      }
      case "repo":
        filters.push({ test: (r) => `${r.owner}/${r.name}`.toLowerCase() === value.toLowerCase() })
        break
      case "org":
      case "user":
        filters.push({ test: (r) => r.owner === value })
        break
      case "is":
      case "type":
      case "state": {
        const test = stateTests[value]
        if (test === undefined)
          return { problem: `"${token}" is not a qualifier the search understands` }
        filters.push({ test: (_, i) => test(i) })
        break
      }
      case "label":
        filters.push({ test: (_, i) => i.labels.includes(value) })
        break
      case "author":
        filters.push({ test: (_, i) => i.user === value })
        break
      case "assignee":
        filters.push({ test: (_, i) => i.assignees.includes(value) })
        break
      case "no":
        filters.push({
          test: (_, i) =>
            value === "label"
              ? i.labels.length === 0
              : value === "assignee"
                ? i.assignees.length === 0
                : true
        })
        break
      case "created":
      case "updated":
      case "closed":
      case "merged": {
        const compare = dateRange(value)
        if (compare === undefined)
          return { problem: `"${token}" has a date the search cannot read` }
        const field = name
        filters.push({
          test: (_, i) => {
            const at =
              field === "created"
                ? i.createdAt
                : field === "updated"
                  ? i.updatedAt
                  : field === "closed"
                    ? i.closedAt
                    : (i.pull?.mergedAt ?? null)
            return at !== null && compare(at)
          }
        })
        break
      }
      default:
        return { problem: `"${name}:" is not a qualifier the search understands` }
    }
  }
  return { filters }
}

const stateTests: Readonly<Record<string, (i: FakeIssue) => boolean>> = Object.assign(
  Object.create(null),
  {
    issue: (i: FakeIssue) => i.pull === undefined,
    pr: (i: FakeIssue) => i.pull !== undefined,
    "pull-request": (i: FakeIssue) => i.pull !== undefined,
    open: (i: FakeIssue) => i.state === "open",
    closed: (i: FakeIssue) => i.state === "closed",
    merged: (i: FakeIssue) => i.pull?.mergedAt != null,
    unmerged: (i: FakeIssue) => i.pull !== undefined && i.pull.mergedAt === null
  }
)

/** `>2024-01-01`, `>=2024-01-01T10:00:00Z`, `<2024-02-01`, `2024-01-01..2024-02-01`. */
const dateRange = (value: string): ((at: string) => boolean) | undefined => {
  const normalize = (d: string) =>
    Number.isNaN(Date.parse(d)) ? undefined : new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z")
  const range = /^(.+)\.\.(.+)$/.exec(value)
  if (range !== null) {
    const [from, to] = [normalize(range[1]!), normalize(range[2]!)]
    return from === undefined || to === undefined ? undefined : (at) => at >= from && at <= to
  }
  const op = /^(>=|<=|>|<)?(.+)$/.exec(value)!
  const date = normalize(op[2]!)
  if (date === undefined) return undefined
  switch (op[1]) {
    case ">":
      return (at) => at > date
    case ">=":
      return (at) => at >= date
    case "<":
      return (at) => at < date
    case "<=":
      return (at) => at <= date
    default:
      return (at) => at.slice(0, 10) === date.slice(0, 10)
  }
}

// ---------------------------------------------------------------------------------------
// GitHub Apps

/** Trades an app JWT for an installation token that expires in an hour. */
const installationToken = async (call: Call): Promise<Answer> => {
  const jwt = call.bearer
  const refuse = (message: string): Answer => ({ status: 401, body: errorJson(401, message) })
  if (jwt === undefined) return refuse("A JSON web token could not be decoded")
  let appId: string
  try {
    const header = decodeProtectedHeader(jwt)
    if (header.alg !== "RS256") return refuse("A JSON web token could not be decoded")
    const payload = JSON.parse(
      Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")
    ) as { iss?: unknown }
    appId = String(payload.iss)
  } catch {
    return refuse("A JSON web token could not be decoded")
  }
  const app = call.fake.state.apps.get(appId)
  if (app === undefined) return refuse(`Integration not found for iss ${appId}`)
  try {
    const { payload } = await jwtVerify(jwt, app.publicKey(), {
      algorithms: ["RS256"],
      currentDate: new Date(call.at),
      clockTolerance: 60
    })
    if (typeof payload.exp !== "number" || typeof payload.iat !== "number") {
      return refuse("'Issued at' and 'Expiration time' claims are required")
    }
    if (payload.exp - payload.iat > 660) {
      return refuse("'Expiration time' claim ('exp') is too far in the future")
    }
  } catch {
    return refuse("A JSON web token could not be decoded")
  }
  const installation = app.installations.get(call.params[0]!)
  if (installation === undefined) return notFound()
  const token = `ghs_${randomBytes(18).toString("hex")}`
  const expiresAt = call.at + 3_600_000
  call.fake.state.tokens.set(token, {
    kind: "installation",
    login: `app-${appId}[bot]`,
    scopes: [],
    repositories: call.fake.state.repos
      .filter((r) => r.owner === installation.account)
      .map((r) => `${r.owner}/${r.name}`),
    permissions: installation.permissions,
    expiresAt
  })
  call.fake.state.installationTokens.push({ token, expiresAt })
  return {
    status: 201,
    body: {
      token,
      expires_at: iso(expiresAt),
      permissions: installation.permissions,
      repository_selection: "all"
    }
  }
}

// ---------------------------------------------------------------------------------------
// OAuth: the device flow and the token endpoint, with GitHub's quirks

/** GitHub answers its OAuth endpoints form-encoded unless the client asks for JSON. */
const oauthAnswer = (call: Call, body: Record<string, string | number>): Answer =>
  /json/.test(call.accept)
    ? { status: 200, body }
    : {
        status: 200,
        raw: {
          contentType: "application/x-www-form-urlencoded; charset=utf-8",
          bytes: Buffer.from(
            new URLSearchParams(
              Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])
            ).toString()
          )
        }
      }

/** GitHub reports OAuth errors with HTTP 200 and an `error` field. */
const oauthError = (call: Call, error: string, description: string): Answer =>
  oauthAnswer(call, {
    error,
    error_description: description,
    error_uri: "https://docs.github.com/developers/apps/authorizing-oauth-apps"
  })

const startDeviceSignIn = (call: Call): Answer => {
  const body = bodyOf(call)
  const clientId = typeof body.client_id === "string" ? body.client_id : ""
  if (clientId === "") return oauthError(call, "unauthorized_client", "A client_id is required.")
  const userCode = `${hex(2)}-${hex(2)}`.toUpperCase()
  const deviceCode = hex(20)
  const scopes =
    typeof body.scope === "string" ? body.scope.split(/[\s,]+/).filter((s) => s !== "") : []
  call.fake.state.deviceCodes.set(userCode, {
    deviceCode,
    clientId,
    scopes,
    expiresAt: call.at + 900_000,
    approved: false,
    used: false
  })
  return oauthAnswer(call, {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: "https://github.com/login/device",
    expires_in: 900,
    interval: call.fake.options.deviceInterval ?? 5
  })
}

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

const oauthToken = (call: Call): Answer => {
  const body = bodyOf(call)
  switch (body.grant_type) {
    case deviceGrant: {
      const code = [...call.fake.state.deviceCodes.values()].find(
        (c) => c.deviceCode === body.device_code
      )
      if (code === undefined || code.used || code.clientId !== body.client_id) {
        return oauthError(call, "incorrect_device_code", "The device_code provided is not valid.")
      }
      if (call.at >= code.expiresAt) {
        return oauthError(call, "expired_token", "The device_code has expired.")
      }
      if (!code.approved) {
        return oauthError(
          call,
          "authorization_pending",
          "The authorization request is still pending."
        )
      }
      code.used = true
      return issueUserToken(call, code.clientId, code.scopes)
    }
    case "refresh_token": {
      const refresh = typeof body.refresh_token === "string" ? body.refresh_token : ""
      const owner = call.fake.state.refreshTokens.get(refresh)
      if (owner === undefined) {
        return oauthError(
          call,
          "bad_refresh_token",
          "The refresh token passed is incorrect or expired."
        )
      }
      call.fake.state.refreshTokens.delete(refresh)
      return issueUserToken(call, owner.clientId, owner.scopes)
    }
    default:
      return oauthError(call, "unsupported_grant_type", "This grant type is not supported here.")
  }
}

/**
 * A user token: an OAuth app's (`gho_`, never expires), or a GitHub App's (`ghu_`, eight
 * hours, with a `ghr_` refresh token that works once).
 */
const issueUserToken = (call: Call, clientId: string, scopes: ReadonlyArray<string>): Answer => {
  const isApp = clientId.startsWith("Iv")
  const token = `${isApp ? "ghu" : "gho"}_${hex(18)}`
  call.fake.state.tokens.set(token, {
    kind: "oauth",
    login: "rpa-robot",
    scopes: isApp ? ["repo"] : scopes,
    expiresAt: isApp ? call.at + 8 * 3_600_000 : undefined
  })
  if (!isApp) {
    return oauthAnswer(call, { access_token: token, token_type: "bearer", scope: scopes.join(",") })
  }
  const refresh = `ghr_${hex(30)}`
  call.fake.state.refreshTokens.set(refresh, { clientId, scopes })
  return oauthAnswer(call, {
    access_token: token,
    token_type: "bearer",
    scope: "",
    expires_in: 28_800,
    refresh_token: refresh,
    refresh_token_expires_in: 15_897_600
  })
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex")

// ---------------------------------------------------------------------------------------
// Helpers

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const queryRecord = (params: URLSearchParams): Record<string, string | ReadonlyArray<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const [key, value] of params) {
    const seen = out[key]
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return out
}
