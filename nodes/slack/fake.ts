/**
 * The Slack fake: a Web API server on 127.0.0.1 for tests and `--sandbox` runs.
 *
 * It follows Slack's contract: tokens in the `Authorization` header (or a `token`
 * argument), scopes checked per method (and per kind of conversation; `chat:write.public`
 * lets a post reach a public channel the app has not joined), conversations by id (only
 * `chat.postMessage` and `chat.scheduleMessage` also take a channel's name, elsewhere a
 * name is `channel_not_found`), errors as HTTP 200 with `ok: false`, cursors in
 * `response_metadata.next_cursor`, per-method tier limits and the one-message-a-second
 * channel limit answered with HTTP 429 and `Retry-After`, and the three-step external
 * file upload (the upload URL is on `https://files.slack.com`). It keeps what it was sent,
 * so tests can check requests against Slack's published description.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Scope } from "effect"
import { Effect } from "effect"
import {
  botUser,
  type FakeChannel,
  type FakeMessage,
  type FakeToken,
  sandboxOAuthClient,
  seededChannels,
  seededHistory,
  seededTokens,
  slackTs,
  teamId,
  users
} from "./fakeWorkspace.js"

/** Origins the fake answers for: the Web API and the file upload host. */
export const slackOrigins = ["https://slack.com", "https://files.slack.com"] as const

/** Options for a fake; tests use them to tighten limits. */
export interface SlackFakeOptions {
  /** Slack's pace for one channel: one post per this many milliseconds. Default 1,000. */
  readonly channelPostIntervalMs?: number | undefined
  /**
   * How much earlier than the pace a post may arrive, for network jitter, before it is
   * answered with 429 (Slack, too, lets short bursts through). Default 100 ms.
   */
  readonly channelPostToleranceMs?: number | undefined
  /** Requests per minute allowed per method, overriding Slack's tiers. */
  readonly methodLimits?: Readonly<Record<string, number>> | undefined
  /** Most items on one page, whatever `limit` asks: Slack may return fewer. */
  readonly maxPageSize?: number | undefined
  /** Origin of the upload URLs handed out. Default `https://files.slack.com`. */
  readonly uploadOrigin?: string | undefined
}

/** One Web API call the fake received, and what it answered. */
export interface SlackFakeCall {
  /** The Web API method, for example `chat.postMessage`, or `upload` for file bytes. */
  readonly method: string
  readonly httpMethod: string
  readonly contentType: string
  /** Arguments from the query, form or JSON body (`token` left out). */
  readonly params: Readonly<Record<string, unknown>>
  /** Whether the token came in the `Authorization` header. */
  readonly bearer: boolean
  readonly status: number
  readonly response: unknown
  /** The fake's clock when the call arrived, in milliseconds. */
  readonly at: number
}

/** A post the fake accepted, with the time it arrived. */
export interface SlackFakePost {
  readonly channel: string
  readonly ts: string
  readonly text: string
  readonly at: number
}

/** An answer the next call of a method gets instead of its normal one. */
export interface SlackFakeFault {
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body: unknown
}

/** What a fake saw, and the seeded workspace it serves; tests read and change it. */
export interface SlackFakeState {
  readonly calls: Array<SlackFakeCall>
  readonly posts: Array<SlackFakePost>
  /** Calls answered with HTTP 429. */
  readonly throttled: Array<SlackFakeCall>
  readonly tokens: Map<string, FakeToken>
  readonly channels: Array<FakeChannel>
  readonly history: Map<string, Array<FakeMessage>>
  readonly scheduled: Array<{ id: string; channel: string; postAt: number; text: string }>
  readonly files: Map<string, FakeFile>
  /** Authorization codes waiting for `oauth.v2.access`, as the OAuth consent page hands out. */
  readonly oauthCodes: Map<
    string,
    { readonly clientId: string; readonly scopes: ReadonlyArray<string> }
  >
  /** Refresh tokens of rotating bot tokens; each works once. */
  readonly refreshTokens: Map<
    string,
    { readonly clientId: string; readonly scopes: ReadonlyArray<string> }
  >
  /** Approves the app for `scopes` as a workspace admin would, and returns the code. */
  readonly authorize: (clientId: string, scopes: ReadonlyArray<string>) => string
  /** Makes the next call of `method` answer `fault`. */
  readonly inject: (method: string, fault: SlackFakeFault) => void
}

/** A file the fake handed an upload URL for. */
export interface FakeFile {
  readonly id: string
  readonly name: string
  readonly length: number
  readonly altText?: string | undefined
  /** Bytes received at the upload URL; undefined until then. */
  received?: number | undefined
  title?: string | undefined
  shared: Array<string>
}

/** A running fake. */
export interface SlackFake {
  readonly url: string
  readonly state: SlackFakeState
}

/**
 * Starts the fake on 127.0.0.1 with a free port, for the scope of a test or sandbox run.
 * Its clock is Effect's `Clock`, so under `TestClock` the posting limit follows test time.
 */
export const startSlackFake = (
  options: SlackFakeOptions = {}
): Effect.Effect<SlackFake, never, Scope.Scope> =>
  Effect.flatMap(Effect.clock, (clock) =>
    Effect.acquireRelease(
      Effect.promise(() => listen(options, () => clock.unsafeCurrentTimeMillis())),
      (running) => Effect.promise(running.close)
    ).pipe(Effect.map(({ url, state }) => ({ url, state })))
  )

type Faults = Map<string, Array<SlackFakeFault>>

const makeState = (faults: Faults): SlackFakeState => ({
  calls: [],
  posts: [],
  throttled: [],
  tokens: seededTokens(),
  channels: seededChannels(),
  history: seededHistory(),
  scheduled: [],
  files: new Map(),
  oauthCodes: new Map(),
  refreshTokens: new Map(),
  authorize(clientId, scopes) {
    const code = `${randomId(8)}.${randomId(16)}`.toLowerCase()
    this.oauthCodes.set(code, { clientId, scopes })
    return code
  },
  inject: (method, fault) => faults.set(method, [...(faults.get(method) ?? []), fault])
})

interface Running extends SlackFake {
  readonly close: () => Promise<void>
}

const listen = (options: SlackFakeOptions, now: () => number): Promise<Running> => {
  const faults: Faults = new Map()
  const state = makeState(faults)
  const fake: Fake = { state, options, now, faults, windows: new Map() }
  const server = createServer((req, res) => {
    handle(fake, req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      sendJson(res, 500, { ok: false, error: "fatal_error", detail: String(error) })
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

interface Fake {
  readonly state: SlackFakeState
  readonly options: SlackFakeOptions
  readonly now: () => number
  readonly faults: Faults
  /** Recent call times per token and method, for the tier limits. */
  readonly windows: Map<string, Array<number>>
}

/** One call as a method handler sees it. */
interface Call {
  readonly fake: Fake
  readonly method: string
  readonly params: Readonly<Record<string, unknown>>
  readonly token: FakeToken
  readonly at: number
}

interface Answer {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body: Record<string, unknown>
}

const handle = async (fake: Fake, req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1")
  if (url.pathname.startsWith("/upload/v1/")) return upload(fake, url, req, res)

  const method = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1]
  const at = fake.now()
  const contentType = req.headers["content-type"] ?? ""
  const raw = await readBody(req)
  const params = parseParams(url, contentType, raw)
  const headerToken = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1]
  const token = headerToken ?? (typeof params.token === "string" ? params.token : undefined)
  const { token: _, ...args } = params

  const answer =
    method === undefined ? unknownMethod() : answerCall(fake, method, args, token, at, contentType)
  const status = answer.status ?? 200
  const record: SlackFakeCall = {
    method: method ?? url.pathname,
    httpMethod: req.method ?? "GET",
    contentType,
    params: args,
    bearer: headerToken !== undefined,
    status,
    response: answer.body,
    at
  }
  fake.state.calls.push(record)
  if (status === 429) fake.state.throttled.push(record)
  sendJson(res, status, answer.body, answer.headers)
}

const answerCall = (
  fake: Fake,
  method: string,
  params: Readonly<Record<string, unknown>>,
  token: string | undefined,
  at: number,
  contentType: string
): Answer => {
  const fault = fake.faults.get(method)?.shift()
  if (fault !== undefined) {
    return {
      status: fault.status,
      headers: fault.headers,
      body: fault.body as Record<string, unknown>
    }
  }
  if (method === "oauth.v2.access") return oauthAccess(fake, params, at)
  const handler = own(methods, method)
  if (handler === undefined) return unknownMethod()
  if (token === undefined) return error("not_authed")
  const known = fake.state.tokens.get(token)
  if (known === undefined) return error("invalid_auth")
  if (known.revoked === true) return error("token_revoked")
  if (known.expiresAt !== undefined && at >= known.expiresAt) return error("token_expired")
  const needed = handler.scopes(params, fake.state).find((scope) => !known.scopes.includes(scope))
  if (needed !== undefined) {
    return error("missing_scope", { needed, provided: known.scopes.join(",") })
  }
  const limited = tierLimit(fake, method, token, at)
  if (limited !== undefined) return limited
  const answer = handler.run({ fake, method, params, token: known, at })
  return withCharsetWarning(answer, contentType)
}

/** Slack warns when a form post does not say its charset. */
const withCharsetWarning = (answer: Answer, contentType: string): Answer => {
  const isForm = contentType.startsWith("application/x-www-form-urlencoded")
  if (!isForm || /charset=/i.test(contentType) || answer.body.ok !== true) return answer
  return {
    ...answer,
    body: {
      ...answer.body,
      warning: "missing_charset",
      response_metadata: {
        ...(answer.body.response_metadata as object | undefined),
        warnings: ["missing_charset"]
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Rate limits

const tiers: Readonly<Record<string, number>> = {
  "chat.update": 50,
  "chat.delete": 50,
  "chat.scheduleMessage": 50,
  "conversations.list": 20,
  "conversations.history": 50,
  "reactions.add": 50,
  "users.lookupByEmail": 50,
  "files.getUploadURLExternal": 100,
  "files.completeUploadExternal": 100
}

/** Slack's per-method tiers: at most N calls of a method per token in any minute. */
const tierLimit = (fake: Fake, method: string, token: string, at: number): Answer | undefined => {
  const limit = own(fake.options.methodLimits ?? {}, method) ?? own(tiers, method)
  if (limit === undefined) return undefined
  const byKey = fake.windows
  const key = `${token}:${method}`
  const recent = (byKey.get(key) ?? []).filter((t) => at - t < 60_000)
  byKey.set(key, recent)
  if (recent.length >= limit) {
    const wait = Math.max(1, Math.ceil((recent[0]! + 60_000 - at) / 1000))
    return {
      status: 429,
      headers: { "retry-after": String(wait) },
      body: { ok: false, error: "ratelimited" }
    }
  }
  recent.push(at)
  return undefined
}

// ---------------------------------------------------------------------------------------
// Methods

interface Method {
  /** The scopes a call needs, as Slack checks them: some depend on the conversation. */
  readonly scopes: (
    params: Readonly<Record<string, unknown>>,
    state: SlackFakeState
  ) => ReadonlyArray<string>
  readonly run: (call: Call) => Answer
}

const scopes =
  (...names: ReadonlyArray<string>) =>
  () =>
    names

const methods: Readonly<Record<string, Method>> = {
  "chat.postMessage": { scopes: scopes("chat:write"), run: (call) => postMessage(call) },
  "chat.update": { scopes: scopes("chat:write"), run: (call) => updateMessage(call) },
  "chat.delete": { scopes: scopes("chat:write"), run: (call) => deleteMessage(call) },
  "chat.scheduleMessage": { scopes: scopes("chat:write"), run: (call) => scheduleMessage(call) },
  "conversations.list": {
    scopes: (params) => typesOf(params).map((type) => own(typeScopes, type) ?? "channels:read"),
    run: (call) => listConversations(call)
  },
  "conversations.history": {
    scopes: (params, state) => [
      findChannel(state, text(params.channel))?.isPrivate === true
        ? "groups:history"
        : "channels:history"
    ],
    run: (call) => history(call)
  },
  "auth.test": { scopes: scopes(), run: () => authTest() },
  "reactions.add": { scopes: scopes("reactions:write"), run: (call) => addReaction(call) },
  "users.lookupByEmail": {
    scopes: scopes("users:read.email"),
    run: (call) => lookupByEmail(call)
  },
  "files.getUploadURLExternal": {
    scopes: scopes("files:write"),
    run: (call) => getUploadUrl(call)
  },
  "files.completeUploadExternal": {
    scopes: scopes("files:write"),
    run: (call) => completeUpload(call)
  }
}

const typeScopes: Readonly<Record<string, string>> = {
  public_channel: "channels:read",
  private_channel: "groups:read",
  im: "im:read",
  mpim: "mpim:read"
}

const typesOf = (params: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  text(params.types)
    ?.split(",")
    .map((t) => t.trim()) ?? ["public_channel"]

/** Slack's channel limit: one post a second per channel, a 429 for one that comes early. */
const postMessage = (call: Call): Answer => {
  const { fake, params, at } = call
  const target = postable(fake.state, text(params.channel), "idOrName", {
    publicWithoutJoining: call.token.scopes.includes("chat:write.public")
  })
  if ("error" in target) return target.error
  const content = messageContent(params)
  if ("error" in content) return content.error

  const interval = fake.options.channelPostIntervalMs ?? 1_000
  const tolerance = fake.options.channelPostToleranceMs ?? 100
  const last = fake.state.posts.filter((p) => p.channel === target.channel.id).at(-1)
  if (last !== undefined && at - last.at < interval - tolerance) {
    const wait = Math.max(1, Math.ceil((last.at + interval - at) / 1000))
    return {
      status: 429,
      headers: { "retry-after": String(wait) },
      body: { ok: false, error: "ratelimited" }
    }
  }

  const message = addMessage(fake.state, target.channel.id, at, {
    text: content.text,
    blocks: content.blocks,
    threadTs: text(params.thread_ts)
  })
  fake.state.posts.push({ channel: target.channel.id, ts: message.ts, text: message.text, at })
  return ok({ channel: target.channel.id, ts: message.ts, message: messageJson(message) })
}

const updateMessage = (call: Call): Answer => {
  const { fake, params } = call
  const found = ownMessage(fake.state, text(params.channel), text(params.ts), "cant_update_message")
  if ("error" in found) return found.error
  const content = messageContent(params)
  if ("error" in content) return content.error
  found.message.text = content.text
  found.message.blocks = content.blocks ?? found.message.blocks
  return ok({
    channel: found.channel.id,
    ts: found.message.ts,
    text: found.message.text,
    message: messageJson(found.message)
  })
}

const deleteMessage = (call: Call): Answer => {
  const { fake, params } = call
  const found = ownMessage(fake.state, text(params.channel), text(params.ts), "cant_delete_message")
  if ("error" in found) return found.error
  const messages = fake.state.history.get(found.channel.id) ?? []
  messages.splice(messages.indexOf(found.message), 1)
  return ok({ channel: found.channel.id, ts: found.message.ts })
}

const scheduleMessage = (call: Call): Answer => {
  const { fake, params, at } = call
  const target = postable(fake.state, text(params.channel), "idOrName")
  if ("error" in target) return target.error
  const postAt = Number(params.post_at)
  if (!Number.isInteger(postAt)) return error("invalid_time")
  const nowSeconds = Math.floor(at / 1000)
  if (postAt <= nowSeconds) return error("time_in_past")
  if (postAt > nowSeconds + 120 * 86_400) return error("time_too_far")
  const content = messageContent(params)
  if ("error" in content) return content.error
  const id = `Q${randomId(10)}`
  fake.state.scheduled.push({ id, channel: target.channel.id, postAt, text: content.text })
  return ok({
    channel: target.channel.id,
    scheduled_message_id: id,
    post_at: postAt,
    message: {
      type: "message",
      text: content.text,
      user: botUser.id,
      bot_id: botUser.botId,
      team: teamId,
      ...(content.blocks === undefined ? {} : { blocks: content.blocks })
    }
  })
}

const listConversations = (call: Call): Answer => {
  const { fake, params } = call
  const types = new Set(typesOf(params))
  const excludeArchived = params.exclude_archived === true || params.exclude_archived === "true"
  const matching = fake.state.channels.filter(
    (c) =>
      types.has(c.isPrivate ? "private_channel" : "public_channel") &&
      (!c.isPrivate || c.botIsMember) &&
      !(excludeArchived && c.isArchived)
  )
  const page = cursorPage(
    params,
    matching.length,
    100,
    Math.min(1000, fake.options.maxPageSize ?? 1000)
  )
  if ("error" in page) return page.error
  return ok({
    channels: matching.slice(page.start, page.end).map(channelJson),
    response_metadata: { next_cursor: page.next }
  })
}

const history = (call: Call): Answer => {
  const { fake, params } = call
  const channel = findChannel(fake.state, text(params.channel))
  if (channel === undefined) return error("channel_not_found")
  if (!channel.botIsMember) return error("not_in_channel")
  const oldest = text(params.oldest)
  const latest = text(params.latest)
  const inclusive =
    params.inclusive === true || params.inclusive === "true" || params.inclusive === "1"
  if (oldest !== undefined && !isTs(oldest)) return error("invalid_ts_oldest")
  if (latest !== undefined && !isTs(latest)) return error("invalid_ts_latest")
  const after = (ts: string) =>
    oldest === undefined || (inclusive ? Number(ts) >= Number(oldest) : Number(ts) > Number(oldest))
  const before = (ts: string) =>
    latest === undefined || (inclusive ? Number(ts) <= Number(latest) : Number(ts) < Number(latest))
  const messages = (fake.state.history.get(channel.id) ?? [])
    .filter((m) => m.threadTs === undefined || m.threadTs === m.ts)
    .filter((m) => after(m.ts) && before(m.ts))
    .reverse()
  const page = cursorPage(
    params,
    messages.length,
    100,
    Math.min(999, fake.options.maxPageSize ?? 999)
  )
  if ("error" in page) return page.error
  return ok({
    messages: messages.slice(page.start, page.end).map(messageJson),
    has_more: page.next !== "",
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: page.next }
  })
}

const addReaction = (call: Call): Answer => {
  const { fake, params } = call
  const channel = findChannel(fake.state, text(params.channel))
  if (channel === undefined) return error("channel_not_found")
  const name = text(params.name)
  if (name === undefined || name === "") return error("no_item_specified")
  if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) return error("invalid_name")
  const message = (fake.state.history.get(channel.id) ?? []).find(
    (m) => m.ts === text(params.timestamp)
  )
  if (message === undefined) return error("message_not_found")
  const users = message.reactions.get(name) ?? new Set<string>()
  if (users.has(botUser.id)) return error("already_reacted")
  users.add(botUser.id)
  message.reactions.set(name, users)
  return ok({})
}

/** `auth.test`: who the token belongs to. */
const authTest = (): Answer =>
  ok({
    url: "https://acme.slack.com/",
    team: "Acme",
    user: botUser.name,
    team_id: teamId,
    user_id: botUser.id,
    bot_id: botUser.botId,
    is_enterprise_install: false
  })

const lookupByEmail = (call: Call): Answer => {
  const email = text(call.params.email)?.toLowerCase()
  const user = users.find((u) => u.email !== "" && u.email === email)
  if (user === undefined) return error("users_not_found")
  return ok({
    user: {
      id: user.id,
      team_id: teamId,
      name: user.name,
      real_name: user.realName,
      deleted: false,
      is_bot: user.isBot === true,
      is_admin: false,
      tz: "Europe/Amsterdam",
      profile: {
        email: user.email,
        display_name: user.name,
        real_name: user.realName,
        title: user.title,
        image_72: `https://avatars.slack-edge.com/${user.id}_72.png`
      }
    }
  })
}

const getUploadUrl = (call: Call): Answer => {
  const { fake, params } = call
  const filename = text(params.filename)
  const length = Number(params.length)
  if (filename === undefined || filename === "") return error("invalid_arguments")
  if (!Number.isInteger(length) || length <= 0) return error("missing_argument")
  const id = `F${randomId(10)}`
  const key = randomId(24)
  fake.state.files.set(key, {
    id,
    name: filename,
    length,
    altText: text(params.alt_txt),
    shared: []
  })
  const origin = fake.options.uploadOrigin ?? "https://files.slack.com"
  return ok({ upload_url: `${origin}/upload/v1/${key}`, file_id: id })
}

const completeUpload = (call: Call): Answer => {
  const { fake, params, at } = call
  const listed = parseJson(text(params.files))
  if (!Array.isArray(listed) || listed.length === 0) return error("invalid_arguments")
  const channelId = text(params.channel_id)
  const target = channelId === undefined ? undefined : postable(fake.state, channelId, "id")
  if (target !== undefined && "error" in target) return target.error
  const done: Array<Record<string, unknown>> = []
  for (const entry of listed) {
    const id = (entry as { id?: unknown }).id
    const file = [...fake.state.files.values()].find((f) => f.id === id)
    if (file === undefined) return error("file_not_found")
    if (file.received === undefined) return error("file_upload_not_finished")
    if (file.received !== file.length) return error("file_size_mismatch")
    file.title = text((entry as { title?: unknown }).title) ?? file.name
    if (target !== undefined) file.shared.push(target.channel.id)
    done.push(fileJson(file))
  }
  if (target !== undefined) {
    addMessage(fake.state, target.channel.id, at, {
      text: text(params.initial_comment) ?? "",
      threadTs: text(params.thread_ts),
      files: done.map((f) => String(f.id))
    })
  }
  return ok({ files: done })
}

/** The upload host: takes the raw bytes (or a multipart form) for a handed-out URL. */
const upload = async (fake: Fake, url: URL, req: IncomingMessage, res: ServerResponse) => {
  const key = url.pathname.slice("/upload/v1/".length)
  const file = fake.state.files.get(key)
  let size = 0
  for await (const chunk of req) size += (chunk as Buffer).length
  const record = (status: number, response: string): SlackFakeCall => ({
    method: "upload",
    httpMethod: req.method ?? "POST",
    contentType: req.headers["content-type"] ?? "",
    params: { size },
    bearer: req.headers.authorization !== undefined,
    status,
    response,
    at: fake.now()
  })
  if (file === undefined || req.method !== "POST") {
    fake.state.calls.push(record(404, "Not Found"))
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found")
    return
  }
  file.received = size
  fake.state.calls.push(record(200, `OK - ${size}`))
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(`OK - ${size}`)
}

// ---------------------------------------------------------------------------------------
// OAuth v2: installing the app, and rotating its token

/** Lifetime of a rotating token: 12 hours. */
const rotatingTokenSeconds = 43_200

/**
 * `oauth.v2.access`: trades a code or a refresh token for a rotating bot token (`xoxe.xoxb-`,
 * 12 hours) and a new refresh token; failures are HTTP 200 with `ok: false`.
 */
const oauthAccess = (fake: Fake, params: Readonly<Record<string, unknown>>, at: number): Answer => {
  if (text(params.client_id) !== sandboxOAuthClient.id) return error("invalid_client_id")
  if (text(params.client_secret) !== sandboxOAuthClient.secret) return error("bad_client_secret")
  const grant = text(params.grant_type) ?? "authorization_code"
  const source =
    grant === "refresh_token"
      ? fake.state.refreshTokens
      : grant === "authorization_code"
        ? fake.state.oauthCodes
        : undefined
  if (source === undefined) return error("invalid_grant_type")
  const key = text(grant === "refresh_token" ? params.refresh_token : params.code) ?? ""
  const granted = source.get(key)
  if (granted === undefined)
    return error(grant === "refresh_token" ? "invalid_refresh_token" : "invalid_code")
  source.delete(key)
  const accessToken = `xoxe.xoxb-1-${randomId(24)}`
  const refreshToken = `xoxe-1-${randomId(32)}`
  fake.state.tokens.set(accessToken, {
    scopes: granted.scopes,
    expiresAt: at + rotatingTokenSeconds * 1000
  })
  fake.state.refreshTokens.set(refreshToken, granted)
  return ok({
    access_token: accessToken,
    token_type: "bot",
    scope: granted.scopes.join(","),
    bot_user_id: botUser.id,
    app_id: "A0SANDBOX",
    team: { id: teamId, name: "Acme" },
    enterprise: null,
    is_enterprise_install: false,
    authed_user: { id: "U0ALICE01" },
    expires_in: rotatingTokenSeconds,
    refresh_token: refreshToken
  })
}

// ---------------------------------------------------------------------------------------
// Helpers

type Found<A> = A | { readonly error: Answer }

/**
 * A channel the app may post to: it must be a member, unless the channel is public and the
 * token has `chat:write.public` (only `chat.postMessage` honours it).
 */
const postable = (
  state: SlackFakeState,
  id: string | undefined,
  by: "id" | "idOrName",
  options: { readonly publicWithoutJoining?: boolean } = {}
): Found<{ readonly channel: FakeChannel }> => {
  const channel = by === "id" ? findChannel(state, id) : findChannelOrName(state, id)
  if (channel === undefined) return { error: error("channel_not_found") }
  if (channel.isArchived) return { error: error("is_archived") }
  const joinedOrPublic =
    channel.botIsMember || (options.publicWithoutJoining === true && !channel.isPrivate)
  if (!joinedOrPublic) return { error: error("not_in_channel") }
  return { channel }
}

const ownMessage = (
  state: SlackFakeState,
  channelId: string | undefined,
  ts: string | undefined,
  notOwn: string
): Found<{ readonly channel: FakeChannel; readonly message: FakeMessage }> => {
  const channel = findChannel(state, channelId)
  if (channel === undefined) return { error: error("channel_not_found") }
  const message = (state.history.get(channel.id) ?? []).find((m) => m.ts === ts)
  if (message === undefined) return { error: error("message_not_found") }
  if (message.botId !== botUser.botId) return { error: error(notOwn) }
  return { channel, message }
}

/**
 * A conversation by id, as every method but `chat.postMessage` and `chat.scheduleMessage`
 * finds it: a name (`#general`) is `channel_not_found` there.
 */
const findChannel = (state: SlackFakeState, id: string | undefined) =>
  id === undefined ? undefined : state.channels.find((c) => c.id === id)

/** A conversation by id or name (`#general` or `general`), as posting finds it. */
const findChannelOrName = (state: SlackFakeState, idOrName: string | undefined) => {
  if (idOrName === undefined) return undefined
  const name = idOrName.replace(/^#/, "")
  return state.channels.find((c) => c.id === idOrName || c.name === name)
}

const messageContent = (
  params: Readonly<Record<string, unknown>>
): Found<{ readonly text: string; readonly blocks?: ReadonlyArray<unknown> | undefined }> => {
  const body = text(params.text)
  const rawBlocks = params.blocks
  let blocks: ReadonlyArray<unknown> | undefined
  if (rawBlocks !== undefined) {
    const parsed = typeof rawBlocks === "string" ? parseJson(rawBlocks) : rawBlocks
    if (!Array.isArray(parsed)) return { error: error("invalid_blocks_format") }
    const problems = parsed.flatMap(blockProblems)
    if (problems.length > 0) {
      return { error: error("invalid_blocks", { response_metadata: { messages: problems } }) }
    }
    blocks = parsed
  }
  if ((body === undefined || body === "") && blocks === undefined)
    return { error: error("no_text") }
  if (body !== undefined && body.length > 40_000) return { error: error("msg_too_long") }
  return { text: body ?? "", blocks }
}

const blockTypes = new Set([
  "section",
  "divider",
  "header",
  "context",
  "actions",
  "image",
  "rich_text",
  "markdown",
  "input"
])

/** Block Kit checks, reported the way Slack reports them. */
const blockProblems = (block: unknown, index: number): ReadonlyArray<string> => {
  const at = (field: string) => `[json-pointer:/blocks/${index}${field}]`
  if (typeof block !== "object" || block === null) {
    return [`[ERROR] must be an object ${at("")}`]
  }
  const b = block as Record<string, unknown>
  if (typeof b.type !== "string") return [`[ERROR] missing required field: type ${at("")}`]
  if (!blockTypes.has(b.type)) return [`[ERROR] unsupported type: ${b.type} ${at("/type")}`]
  if (b.type === "section" && b.text === undefined && b.fields === undefined) {
    return [`[ERROR] must provide either text or fields ${at("")}`]
  }
  if ((b.type === "section" || b.type === "header") && b.text !== undefined) {
    const t = b.text as Record<string, unknown>
    if (typeof t.text !== "string")
      return [`[ERROR] missing required field: text ${at("/text/text")}`]
    if (t.text.length > 3000)
      return [`[ERROR] must be less than 3001 characters ${at("/text/text")}`]
  }
  return []
}

const addMessage = (
  state: SlackFakeState,
  channelId: string,
  at: number,
  content: {
    readonly text: string
    readonly blocks?: ReadonlyArray<unknown> | undefined
    readonly threadTs?: string | undefined
    readonly files?: ReadonlyArray<string> | undefined
  }
): FakeMessage => {
  const messages = state.history.get(channelId) ?? []
  state.history.set(channelId, messages)
  const seconds = Math.floor(at / 1000)
  const sameSecond = messages.filter((m) => m.ts.startsWith(`${seconds}.`)).length
  const message: FakeMessage = {
    ts: slackTs(seconds, sameSecond + 1),
    text: content.text,
    user: botUser.id,
    botId: botUser.botId,
    blocks: content.blocks,
    threadTs: content.threadTs,
    files: content.files,
    reactions: new Map()
  }
  messages.push(message)
  return message
}

/** Offset cursors, opaque to clients like Slack's: base64 of `next:<offset>`. */
const cursorPage = (
  params: Readonly<Record<string, unknown>>,
  total: number,
  defaultLimit: number,
  maxLimit: number
): Found<{ readonly start: number; readonly end: number; readonly next: string }> => {
  const limit = Math.min(
    Math.max(Number(params.limit ?? defaultLimit) || defaultLimit, 1),
    maxLimit
  )
  const cursor = text(params.cursor)
  let start = 0
  if (cursor !== undefined && cursor !== "") {
    const decoded = /^next:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"))
    if (decoded === null) return { error: error("invalid_cursor") }
    start = Number(decoded[1])
  }
  const end = Math.min(start + limit, total)
  const next = end < total ? Buffer.from(`next:${end}`).toString("base64") : ""
  return { start, end, next }
}

const channelJson = (c: FakeChannel) => ({
  id: c.id,
  name: c.name,
  is_channel: !c.isPrivate,
  is_group: c.isPrivate,
  is_im: false,
  is_mpim: false,
  is_private: c.isPrivate,
  is_archived: c.isArchived,
  is_general: c.name === "general",
  is_shared: false,
  is_org_shared: false,
  is_ext_shared: false,
  is_pending_ext_shared: false,
  is_member: c.botIsMember,
  name_normalized: c.name,
  created: c.created,
  creator: "U0ALICE01",
  unlinked: 0,
  num_members: c.members.length,
  pending_shared: [],
  previous_names: [],
  topic: { value: c.topic, creator: "", last_set: 0 },
  purpose: { value: c.purpose, creator: "", last_set: 0 }
})

const messageJson = (m: FakeMessage) => ({
  type: "message",
  ts: m.ts,
  text: m.text,
  ...(m.user === undefined ? {} : { user: m.user }),
  ...(m.botId === undefined ? {} : { bot_id: m.botId, subtype: "bot_message" }),
  ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
  ...(m.threadTs === undefined ? {} : { thread_ts: m.threadTs }),
  ...(m.reactions.size === 0
    ? {}
    : {
        reactions: [...m.reactions].map(([name, by]) => ({ name, count: by.size, users: [...by] }))
      }),
  team: teamId
})

const fileJson = (f: FakeFile) => ({
  id: f.id,
  name: f.name,
  title: f.title ?? f.name,
  mimetype: "application/octet-stream",
  size: f.length,
  user: botUser.id,
  permalink: `https://acme.slack.com/files/${botUser.id}/${f.id}/${encodeURIComponent(f.name)}`,
  channels: f.shared
})

const ok = (body: Record<string, unknown>): Answer => ({ body: { ok: true, ...body } })

const error = (code: string, extra: Record<string, unknown> = {}): Answer => ({
  body: { ok: false, error: code, ...extra }
})

const unknownMethod = (): Answer => ({ status: 404, body: { ok: false, error: "unknown_method" } })

/** A record's own value for a key that came from a request (never `__proto__` and kin). */
const own = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

const text = (u: unknown): string | undefined =>
  typeof u === "string"
    ? u
    : typeof u === "number" || typeof u === "boolean"
      ? String(u)
      : undefined

const isTs = (s: string) => /^\d+(\.\d+)?$/.test(s)

const parseJson = (s: string | undefined): unknown => {
  if (s === undefined) return undefined
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}

const randomId = (length: number) =>
  randomBytes(length)
    .toString("base64")
    .replace(/[^A-Z0-9]/gi, "")
    .toUpperCase()
    .padEnd(length, "0")
    .slice(0, length)

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** Arguments from the query, and from a form or JSON body. */
const parseParams = (url: URL, contentType: string, body: string): Record<string, unknown> => {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams)
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body)))
  } else if (contentType.startsWith("application/json")) {
    const parsed = parseJson(body)
    if (typeof parsed === "object" && parsed !== null) Object.assign(params, parsed)
  }
  return params
}

let requestCounter = 0

const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
) => {
  requestCounter++
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-slack-req-id": `fake-${requestCounter.toString(16).padStart(8, "0")}`,
    ...headers
  })
  res.end(JSON.stringify(body))
}
