/**
 * The seeded Slack workspace the fake serves: members, channels, a long channel history,
 * and the tokens the fake accepts with their scopes.
 *
 * @module
 */

/** A token the fake accepts, and what it may do. */
export interface FakeToken {
  readonly scopes: ReadonlyArray<string>
  /** The token was revoked: every call answers `token_revoked`. */
  readonly revoked?: boolean
  /** When a rotating token expires (epoch milliseconds); calls then answer `token_expired`. */
  readonly expiresAt?: number
}

/** The sandbox Slack app's OAuth client, for `oauth.v2.access`. */
export const sandboxOAuthClient = { id: "sandbox-client", secret: "sandbox-secret" } as const

/** The sandbox bot token: every scope the Slack nodes need. */
export const sandboxBotToken = "xoxb-1000-2000-sandbox"

/** A bot token that may only read channels and members, for permission tests. */
export const readOnlyBotToken = "xoxb-1000-2001-readonly"

/** A revoked bot token. */
export const revokedBotToken = "xoxb-1000-2002-revoked"

/** Every scope the Slack nodes need (`chat:write.public`, which is optional, left out). */
export const allScopes = [
  "chat:write",
  "channels:read",
  "groups:read",
  "im:read",
  "mpim:read",
  "channels:history",
  "groups:history",
  "im:history",
  "mpim:history",
  "reactions:write",
  "users:read",
  "users:read.email",
  "files:write"
] as const

/** Tokens the fake knows when it starts. */
export const seededTokens = (): Map<string, FakeToken> =>
  new Map<string, FakeToken>([
    [sandboxBotToken, { scopes: allScopes }],
    [readOnlyBotToken, { scopes: ["channels:read", "users:read"] }],
    [revokedBotToken, { scopes: allScopes, revoked: true }]
  ])

/** The workspace's id. */
export const teamId = "T0ACME001"

/** The app's bot user and bot ids: messages it posts carry them. */
export const botUser = { id: "U0BOT0001", botId: "B0BOT0001", name: "rpa-bot" } as const

/** A member of the fake workspace. */
export interface FakeUser {
  readonly id: string
  readonly name: string
  readonly realName: string
  readonly email: string
  readonly title: string
  readonly isBot?: boolean
}

/** The members. */
export const users: ReadonlyArray<FakeUser> = [
  {
    id: "U0ALICE01",
    name: "alice",
    realName: "Alice Archer",
    email: "alice@acme.test",
    title: "Engineering manager"
  },
  {
    id: "U0BOB0001",
    name: "bob",
    realName: "Bob Baker",
    email: "bob@acme.test",
    title: "Developer"
  },
  {
    id: "U0CAROL01",
    name: "carol",
    realName: "Carol Chen",
    email: "carol@acme.test",
    title: "Designer"
  },
  { id: botUser.id, name: botUser.name, realName: "RPA bot", email: "", title: "", isBot: true }
]

/** A conversation of the fake workspace. */
export interface FakeChannel {
  readonly id: string
  readonly name: string
  readonly isPrivate: boolean
  readonly isArchived: boolean
  /** Whether the app's bot is a member (it must be to post or read history). */
  readonly botIsMember: boolean
  readonly created: number
  readonly topic: string
  readonly purpose: string
  readonly members: ReadonlyArray<string>
}

/** A message in a fake channel. */
export interface FakeMessage {
  readonly ts: string
  text: string
  readonly user?: string | undefined
  readonly botId?: string | undefined
  blocks?: ReadonlyArray<unknown> | undefined
  readonly threadTs?: string | undefined
  readonly files?: ReadonlyArray<string> | undefined
  readonly reactions: Map<string, Set<string>>
}

const created = 1_600_000_000
const humans = users.filter((u) => u.isBot !== true).map((u) => u.id)

const channel = (id: string, name: string, extra: Partial<FakeChannel> = {}): FakeChannel => ({
  id,
  name,
  isPrivate: false,
  isArchived: false,
  botIsMember: true,
  created,
  topic: "",
  purpose: "",
  members: [...humans, botUser.id],
  ...extra
})

/** The channels: a few named ones and 40 team channels, so listing needs several pages. */
export const seededChannels = (): Array<FakeChannel> => [
  channel("C0GENERAL", "general", { topic: "Company-wide announcements", purpose: "Everyone" }),
  channel("C0RANDOM1", "random", { purpose: "Everything else" }),
  channel("C0DEPLOYS", "deploys", { purpose: "Release announcements" }),
  channel("C0OLDPROJ", "old-project", { isArchived: true }),
  channel("C0NOTJOIN", "watercooler", { botIsMember: false, members: humans }),
  channel("G0PRIVATE", "secret-plans", { isPrivate: true }),
  ...Array.from({ length: 40 }, (_, i) => {
    const n = String(i + 1).padStart(2, "0")
    return channel(`C0TEAM0${n}`, `team-${n}`, { purpose: `Team ${n}` })
  })
]

/** Timestamp of the first message of the seeded history. */
export const historyStart = 1_700_000_000

/** Messages in #general, one a minute from {@link historyStart}. */
export const generalHistoryLength = 250

/** The seeded history: #general has 250 messages, #deploys a few. */
export const seededHistory = (): Map<string, Array<FakeMessage>> => {
  const general = Array.from({ length: generalHistoryLength }, (_, i) => ({
    ts: slackTs(historyStart + i * 60, 0),
    text: `Message ${i + 1} in #general`,
    user: humans[i % humans.length],
    reactions: new Map<string, Set<string>>()
  }))
  const deploys = [
    {
      ts: slackTs(historyStart, 0),
      text: "Deployed web v1.0.0",
      user: botUser.id,
      botId: botUser.botId,
      reactions: new Map()
    },
    {
      ts: slackTs(historyStart + 3600, 0),
      text: "Deployed web v1.1.0",
      user: botUser.id,
      botId: botUser.botId,
      reactions: new Map()
    }
  ]
  return new Map([
    ["C0GENERAL", general],
    ["C0DEPLOYS", deploys]
  ])
}

/** A Slack timestamp: Unix seconds and a six-digit sequence, `1700000000.000001`. */
export const slackTs = (seconds: number, sequence: number): string =>
  `${Math.floor(seconds)}.${String(sequence).padStart(6, "0")}`
