/**
 * Slack's error answers, mapped to the kernel's typed errors.
 *
 * Slack reports most failures with HTTP 200 and `{"ok": false, "error": "<code>"}`. The
 * kernel runs {@link classifySlackResponse} on every response, before its status rules,
 * so an `ok: false` answer never counts as success: it becomes an authentication,
 * permission, not-found, rate-limit, conflict, server or validation error by its code.
 *
 * @module
 */
import {
  AuthenticationError,
  ConflictError,
  type ErrorContext,
  type FieldIssue,
  type KernelError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError
} from "../../src/http/errors.js"
import type { HttpResponse } from "../../src/http/request.js"

/** An `ok: false` answer, as far as the mapping reads it. */
export interface SlackErrorAnswer {
  readonly ok: false
  readonly error?: string | undefined
  /** The scope a `missing_scope` answer asks for. */
  readonly needed?: string | undefined
  /** The scopes the token has, on a `missing_scope` answer. */
  readonly provided?: string | undefined
  readonly response_metadata?: { readonly messages?: ReadonlyArray<string> } | undefined
}

/**
 * Builds the response classifier of one Slack client: `ok: false` bodies and HTTP 429
 * become typed errors that name the Slack method and the credential; anything else falls
 * through to the kernel's status rules.
 */
export const classifySlackResponse =
  (credentialId: string | undefined) =>
  (response: HttpResponse): KernelError | undefined => {
    if (response.status === 429) {
      return rateLimited(contextOf(response), methodOf(response.url), response)
    }
    const answer = readErrorAnswer(response.body)
    if (answer === undefined) return undefined
    return slackError(answer, { response, credentialId })
  }

/** Where a Slack error came from, for its message and context fields. */
export interface Origin {
  readonly response: HttpResponse
  readonly credentialId: string | undefined
}

/** Maps one `ok: false` answer to the typed error its code means. */
export const slackError = (answer: SlackErrorAnswer, origin: Origin): KernelError => {
  const code = answer.error ?? "unknown_error"
  const method = methodOf(origin.response.url)
  const context = contextOf(origin.response)
  const explained = `Slack ${method} failed with "${code}"`
  const why = explanations.get(code)
  const detail = why === undefined ? explained : `${explained}: ${why}`
  switch (kindOf(code)) {
    case "auth":
      return new AuthenticationError({
        ...context,
        credential: origin.credentialId,
        reconnect: true,
        message: `${detail}. Reconnect the Slack credential${named(origin)} or paste a new token.`
      })
    case "scope":
      return new PermissionError({
        ...context,
        missingScope: answer.needed,
        message:
          `${explained}: the Slack app needs the "${answer.needed ?? "unknown"}" scope` +
          `${answer.provided === undefined ? "" : ` (it has ${answer.provided})`}. ` +
          "Add the scope under OAuth & Permissions, reinstall the app, and reconnect."
      })
    case "permission":
      return new PermissionError({ ...context, message: `${detail}.` })
    case "notFound":
      return new NotFoundError({ ...context, message: `${detail}.` })
    case "rateLimit":
      return rateLimited(context, method, origin.response)
    case "conflict":
      return new ConflictError({ ...context, message: `${detail}.` })
    case "server":
      return new ServerError({ ...context, message: `${detail}; try again later.` })
    case "validation":
      return new ValidationError({
        ...context,
        message: `${detail}. Fix the step's input and run it again.`,
        issues: issuesOf(answer, code)
      })
  }
}

type ErrorKind =
  | "auth"
  | "scope"
  | "permission"
  | "notFound"
  | "rateLimit"
  | "conflict"
  | "server"
  | "validation"

const kinds: ReadonlyMap<string, ErrorKind> = new Map(
  Object.entries({
    not_authed: "auth",
    invalid_auth: "auth",
    token_revoked: "auth",
    token_expired: "auth",
    account_inactive: "auth",
    missing_scope: "scope",
    not_in_channel: "permission",
    is_archived: "permission",
    channel_is_archived: "permission",
    restricted_action: "permission",
    restricted_action_read_only_channel: "permission",
    cant_update_message: "permission",
    cant_delete_message: "permission",
    edit_window_closed: "permission",
    not_allowed_token_type: "permission",
    no_permission: "permission",
    access_denied: "permission",
    ekm_access_denied: "permission",
    team_access_not_granted: "permission",
    posting_to_general_channel_denied: "permission",
    file_uploads_disabled: "permission",
    file_uploads_except_images_disabled: "permission",
    enterprise_is_restricted: "permission",
    channel_not_found: "notFound",
    user_not_found: "notFound",
    users_not_found: "notFound",
    message_not_found: "notFound",
    thread_not_found: "notFound",
    file_not_found: "notFound",
    ratelimited: "rateLimit",
    rate_limited: "rateLimit",
    already_reacted: "conflict",
    fatal_error: "server",
    internal_error: "server",
    service_unavailable: "server",
    request_timeout: "server"
  } satisfies Record<string, ErrorKind>)
)

const kindOf = (code: string): ErrorKind => kinds.get(code) ?? "validation"

/** What a code means and what to do, for the codes a workflow author meets most. */
const explanations: ReadonlyMap<string, string> = new Map(
  Object.entries({
    not_authed: "no token was sent",
    invalid_auth: "the token is not valid",
    token_revoked: "the token was revoked",
    token_expired: "the token expired",
    account_inactive: "the token's user or app was deactivated",
    not_in_channel: "the app is not a member of the channel; invite it with /invite",
    is_archived: "the channel is archived; unarchive it or pick another",
    channel_is_archived: "the channel is archived; unarchive it or pick another",
    cant_update_message: "only messages the app posted can be edited",
    cant_delete_message: "only messages the app posted can be deleted",
    edit_window_closed: "the message is too old to edit",
    not_allowed_token_type: "this method needs another kind of token (bot or user)",
    channel_not_found:
      "check the channel id, and that the app can see the channel; only sending and scheduling a message take a name such as #general, other steps need the id (List conversations gives it)",
    user_not_found: "no member has that id or email",
    users_not_found: "no member has that email address",
    message_not_found: "no message has that timestamp in the channel",
    thread_not_found: "no thread starts at that timestamp",
    file_not_found: "no file has that id",
    already_reacted: "the app already added that reaction",
    msg_too_long: "the text is longer than Slack allows",
    no_text: "give a text, blocks, or both",
    invalid_blocks: "the blocks are not valid Block Kit",
    invalid_blocks_format: "blocks must be a JSON array of Block Kit blocks",
    time_in_past: "the time to post at is in the past",
    time_too_far: "the time to post at is more than 120 days ahead",
    invalid_time: "the time to post at is not a valid Unix time",
    invalid_name: "no emoji has that name",
    too_many_reactions: "the message has the most reactions Slack allows",
    invalid_arguments: "an argument is missing or not valid",
    invalid_cursor: "the page cursor is not valid; start the listing again"
  })
)

/** The field issues in `response_metadata.messages` (Block Kit errors), or the code. */
const issuesOf = (answer: SlackErrorAnswer, code: string): ReadonlyArray<FieldIssue> => {
  const messages = answer.response_metadata?.messages ?? []
  const issues = messages.map((line) => {
    const pointer = /\[json-pointer:([^\]]*)\]/.exec(line)?.[1]
    const message = line
      .replace(/\[json-pointer:[^\]]*\]/, "")
      .replace(/^\[ERROR\]\s*/, "")
      .trim()
    return { path: pointer === undefined ? "" : pointerToPath(pointer), message }
  })
  return issues.length > 0 ? issues : [{ path: "", message: explanations.get(code) ?? code }]
}

/** `/blocks/0/text` → `blocks[0].text`. */
const pointerToPath = (pointer: string): string =>
  pointer
    .split("/")
    .filter((part) => part.length > 0)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("")

const rateLimited = (
  context: ErrorContext,
  method: string,
  response: HttpResponse
): RateLimitError => {
  const retryAfterMs = retryAfterOf(response.headers["retry-after"])
  const wait = retryAfterMs === undefined ? "" : ` for ${Math.ceil(retryAfterMs / 1000)} s`
  return new RateLimitError({
    ...context,
    retryAfterMs,
    message: `Slack is rate limiting ${method}; wait${wait} and try again, or send less often.`
  })
}

/** Slack's `Retry-After` is a number of seconds. */
const retryAfterOf = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined
  const seconds = Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}

const decoder = new TextDecoder()

/** The `ok: false` answer in a body, or undefined for success, non-JSON or other bodies. */
const readErrorAnswer = (body: Uint8Array): SlackErrorAnswer | undefined => {
  if (body.length === 0 || body[0] !== 0x7b) return undefined
  const text = decoder.decode(body)
  if (!text.includes("false")) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return isErrorAnswer(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

const isErrorAnswer = (u: unknown): u is SlackErrorAnswer =>
  typeof u === "object" && u !== null && (u as { ok?: unknown }).ok === false

/** The Slack method a URL calls (`chat.postMessage`), or "the file upload" for upload URLs. */
const methodOf = (url: string): string => {
  const match = /\/api\/([A-Za-z0-9_.]+)/.exec(url)
  return match?.[1] ?? "the file upload"
}

const contextOf = (response: HttpResponse): ErrorContext => ({
  integration: "slack",
  status: response.status,
  requestId: response.headers["x-slack-req-id"]
})

const named = (origin: Origin): string =>
  origin.credentialId === undefined ? "" : ` '${origin.credentialId}'`
