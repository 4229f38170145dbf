/**
 * Slack's documented rate limits, as the kernel's client-side limits.
 *
 * Each Web API method belongs to a tier (requests per minute, per app and workspace);
 * `chat.postMessage` is limited to about one message per second per channel instead.
 * The limits are keyed by credential, so every step of a run that posts with the same
 * credential shares them.
 *
 * A post names its channel by id (`C0123ABCD`) or by name (`#general`, `general`). The
 * channel limit is keyed by the id, or by the name without `#` and in lower case, so
 * `#General`, `#general` and `general` share one pace. A name and the channel's id cannot
 * be told to be the same channel without asking Slack, so posts that mix the two are
 * paced separately and may be answered with a 429 (the kernel then waits as Slack asks);
 * give the channel's id to every step to avoid that.
 *
 * @module
 */
import type { RateLimit } from "../../src/http/rateLimit.js"
import type { HttpRequest } from "../../src/http/request.js"

/** Requests per minute of Slack's rate-limit tiers. */
export const slackTiers = { 1: 1, 2: 20, 3: 50, 4: 100 } as const

/** Tier of each method the Slack nodes call. */
export const methodTiers: Readonly<Record<string, keyof typeof slackTiers>> = {
  "chat.update": 3,
  "chat.delete": 3,
  "chat.scheduleMessage": 3,
  "conversations.list": 2,
  "conversations.history": 3,
  "reactions.add": 3,
  "users.lookupByEmail": 3,
  "files.getUploadURLExternal": 4,
  "files.completeUploadExternal": 4
}

/** Slack's posting limit: one message per second in each channel. */
export const channelPostingLimit = { limit: 1, intervalMs: 1_000 } as const

const apiPrefix = "https://slack.com/api/"
const minute = 60_000

/**
 * Builds the limits function of one Slack client: the method's tier, and for
 * `chat.postMessage` the limit of the channel it posts to. Per-method keys are built once.
 */
export const slackRateLimits = (
  credentialKey: string
): ((request: HttpRequest) => ReadonlyArray<RateLimit>) => {
  const byMethod = new Map<string, ReadonlyArray<RateLimit>>(
    Object.entries(methodTiers).map(([method, tier]) => [
      method,
      [{ key: `slack:${credentialKey}:${method}`, limit: slackTiers[tier], intervalMs: minute }]
    ])
  )
  const none: ReadonlyArray<RateLimit> = []
  return (request) => {
    if (!request.url.startsWith(apiPrefix)) return none
    const method = request.url.slice(apiPrefix.length)
    if (method === "chat.postMessage") {
      const channel = channelOf(request)
      return channel === undefined
        ? none
        : [
            {
              key: `slack:${credentialKey}:channel:${channelKey(channel)}`,
              ...channelPostingLimit
            }
          ]
    }
    return byMethod.get(method) ?? none
  }
}

/** Slack's conversation ids: a kind letter and upper-case letters and digits. */
const conversationId = /^[CGD][A-Z0-9]+$/

/**
 * The key of a channel's posting limit: its id as given, or its name without `#` and in
 * lower case (Slack's channel names are lower case).
 */
export const channelKey = (channel: string): string => {
  const trimmed = channel.trim()
  return conversationId.test(trimmed) ? trimmed : trimmed.replace(/^#/, "").toLowerCase()
}

const channelOf = (request: HttpRequest): string | undefined => {
  const body = request.body
  if (body?._tag !== "Form") return undefined
  const channel = body.fields.channel
  return typeof channel === "string" ? channel : undefined
}
