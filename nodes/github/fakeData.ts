/**
 * The seeded GitHub the fake serves: users and an organisation, repositories with a
 * thousand-odd issues (some labelled), pull requests (some merged since the last
 * release), releases and files, and the tokens the fake accepts.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { blobSha } from "./gitBlob.js"

export { blobSha }

/** An account: a person, an organisation or a bot. */
export interface FakeAccount {
  readonly id: number
  readonly login: string
  readonly type: "User" | "Organization" | "Bot"
}

/** A pull request's own fields, on top of its issue. */
export interface FakePull {
  readonly head: string
  readonly base: string
  mergedAt: string | null
  mergeCommitSha: string | null
}

/** An issue or a pull request (GitHub numbers both in one sequence). */
export interface FakeIssue {
  readonly id: number
  readonly number: number
  title: string
  body: string | null
  state: "open" | "closed"
  stateReason: "completed" | "not_planned" | "reopened" | null
  readonly user: string
  labels: Array<string>
  assignees: Array<string>
  milestone: number | null
  comments: Array<FakeComment>
  locked: boolean
  readonly createdAt: string
  updatedAt: string
  closedAt: string | null
  readonly pull?: FakePull | undefined
}

/** A comment on an issue. */
export interface FakeComment {
  readonly id: number
  readonly body: string
  readonly user: string
  readonly createdAt: string
}

/** A label of a repository. */
export interface FakeLabel {
  readonly id: number
  readonly name: string
  readonly color: string
  readonly description: string | null
}

/** A release. */
export interface FakeRelease {
  readonly id: number
  readonly tagName: string
  readonly targetCommitish: string
  readonly name: string | null
  readonly body: string | null
  readonly draft: boolean
  readonly prerelease: boolean
  readonly createdAt: string
  readonly publishedAt: string | null
  readonly author: string
}

/** A file on a branch, with its git blob sha and the commit that wrote it. */
export interface FakeFile {
  content: Buffer
  sha: string
  /** The commit that last wrote the file; a seeded file has none and gets one made up. */
  commit?: FakeCommit | undefined
}

/** A commit that wrote a file. */
export interface FakeCommit {
  readonly sha: string
  readonly message: string
  /** ISO 8601, to the second. */
  readonly date: string
  readonly author: string
}

/** A repository. */
export interface FakeRepo {
  readonly id: number
  readonly owner: string
  readonly name: string
  readonly private: boolean
  readonly description: string | null
  readonly language: string | null
  readonly defaultBranch: string
  readonly createdAt: string
  readonly labels: Map<string, FakeLabel>
  readonly milestones: ReadonlyArray<{ readonly number: number; readonly title: string }>
  readonly issues: Array<FakeIssue>
  readonly releases: Array<FakeRelease>
  readonly files: Map<string, FakeFile>
  readonly branches: Set<string>
}

/** What a token may do. */
export interface FakeToken {
  readonly kind: "classic" | "fine-grained" | "installation" | "oauth"
  readonly login: string
  /** OAuth scopes of a classic or OAuth token. */
  readonly scopes: ReadonlyArray<string>
  /** Repositories (`owner/name`) a fine-grained or installation token may use; all when absent. */
  readonly repositories?: ReadonlyArray<string> | undefined
  /** Permissions of a fine-grained or installation token, for example `issues: write`. */
  readonly permissions?: Readonly<Record<string, "read" | "write">> | undefined
  /** When an installation token expires, epoch milliseconds. */
  readonly expiresAt?: number | undefined
}

/** The classic token of the sandbox: `repo` and `read:org` on everything acme has. */
export const sandboxClassicToken = "ghp_sandboxClassicToken000000000000000000"

/** A fine-grained token for `acme/web` only, that may write issues but only read contents. */
export const fineGrainedToken = "github_pat_sandboxFineGrained_acmeWebIssuesOnly000000"

/** A classic token without scopes: it reads public repositories and nothing else. */
export const noScopeToken = "ghp_sandboxNoScopes00000000000000000000000"

/** An OAuth app's token for the robot account, with `repo` and `read:org`. */
export const sandboxOAuthToken = "gho_sandboxOAuthToken0000000000000000000"

/** The person the sandbox tokens belong to. */
export const robot: FakeAccount = { id: 9000, login: "rpa-robot", type: "User" }

/** Accounts, by login. */
export const accounts: ReadonlyArray<FakeAccount> = [
  robot,
  { id: 1, login: "acme", type: "Organization" },
  { id: 101, login: "alice", type: "User" },
  { id: 102, login: "bob", type: "User" },
  { id: 103, login: "carol", type: "User" },
  { id: 104, login: "dependabot[bot]", type: "Bot" }
]

/** Members of each organisation; a classic token sees private repositories of these. */
export const memberships: ReadonlyMap<string, ReadonlyArray<string>> = new Map([
  ["acme", ["rpa-robot", "alice", "bob", "carol"]]
])

/** Tokens the fake knows when it starts. */
export const seededTokens = (): Map<string, FakeToken> =>
  new Map<string, FakeToken>([
    [sandboxClassicToken, { kind: "classic", login: robot.login, scopes: ["repo", "read:org"] }],
    [
      fineGrainedToken,
      {
        kind: "fine-grained",
        login: robot.login,
        scopes: [],
        repositories: ["acme/web"],
        permissions: { metadata: "read", issues: "write", contents: "read", pull_requests: "read" }
      }
    ],
    [noScopeToken, { kind: "classic", login: robot.login, scopes: [] }],
    [sandboxOAuthToken, { kind: "oauth", login: robot.login, scopes: ["repo", "read:org"] }]
  ])

/** When the seeded history starts: issue n is opened n hours later. */
export const seedStart = Date.UTC(2024, 0, 1)

const hours = (n: number) => new Date(seedStart + n * 3_600_000).toISOString().replace(".000Z", "Z")

/** Issues and pull requests in `acme/web`: every eighth number is a pull request. */
export const webIssueCount = 1_200

/** The hour `v1.1.0` was published: later merged pull requests go in the next release. */
export const lastReleaseHour = 1_100

const labelNames = ["bug", "enhancement", "help wanted", "documentation"] as const

const labelsFor = (n: number): Array<string> => [
  ...(n % 7 === 0 ? ["bug"] : []),
  ...(n % 5 === 0 ? ["enhancement"] : []),
  ...(n % 11 === 0 ? ["help wanted"] : []),
  ...(n % 13 === 0 ? ["documentation"] : [])
]

const people = ["alice", "bob", "carol"] as const

const webIssue = (n: number): FakeIssue => {
  const isPull = n % 8 === 0
  const closed = n % 3 === 0 || (isPull && n % 16 === 0)
  const merged = isPull && n % 16 === 0
  const closedHour = n + 2
  return {
    id: 500_000 + n,
    number: n,
    title: isPull
      ? `Pull request ${n}: improve module ${n % 17}`
      : `Issue ${n}: ${issueTopics[n % issueTopics.length]}`,
    body: `Details of ${isPull ? "pull request" : "issue"} ${n}.`,
    state: closed ? "closed" : "open",
    stateReason: closed && !isPull ? "completed" : null,
    user: people[n % people.length]!,
    labels: isPull ? [] : labelsFor(n),
    assignees: n % 4 === 0 ? [people[(n + 1) % people.length]!] : [],
    milestone: n % 10 === 0 ? 1 : null,
    comments: [],
    locked: false,
    createdAt: hours(n),
    updatedAt: hours(closed ? closedHour : n + 1),
    closedAt: closed ? hours(closedHour) : null,
    pull: isPull
      ? {
          head: `feature-${n}`,
          base: "main",
          mergedAt: merged ? hours(closedHour) : null,
          mergeCommitSha: merged ? sha1(`merge ${n}`) : null
        }
      : undefined
  }
}

const issueTopics = [
  "login page fails on Safari",
  "slow search results",
  "typo in the footer",
  "export to CSV drops rows",
  "dark mode contrast",
  "session expires too early",
  "broken link in docs"
] as const

const label = (id: number, name: string): FakeLabel => ({
  id,
  name,
  color: ["d73a4a", "a2eeef", "008672", "0075ca"][id % 4]!,
  description: null
})

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex")

const file = (text: string): FakeFile => {
  const content = Buffer.from(text)
  return { content, sha: blobSha(content) }
}

const release = (id: number, tag: string, hour: number, prerelease = false): FakeRelease => ({
  id,
  tagName: tag,
  targetCommitish: "main",
  name: tag,
  body: `Release ${tag}.`,
  draft: false,
  prerelease,
  createdAt: hours(hour),
  publishedAt: hours(hour),
  author: robot.login
})

/** The repositories, freshly seeded for each fake. */
export const seededRepos = (): Array<FakeRepo> => [
  {
    id: 70_001,
    owner: "acme",
    name: "web",
    private: false,
    description: "The acme.test website",
    language: "TypeScript",
    defaultBranch: "main",
    createdAt: hours(-100),
    labels: new Map(labelNames.map((name, i) => [name, label(800 + i, name)])),
    milestones: [{ number: 1, title: "v2.0" }],
    issues: Array.from({ length: webIssueCount }, (_, i) => webIssue(i + 1)),
    releases: [
      release(60_001, "v1.0.0", 400),
      release(60_002, "v1.1.0", lastReleaseHour),
      release(60_003, "v1.2.0-rc.1", 1_150, true)
    ],
    files: new Map([
      ["README.md", file("# acme web\n\nThe acme.test website.\n")],
      ["package.json", file('{\n  "name": "acme-web",\n  "version": "1.1.0"\n}\n')],
      ["docs/guide.md", file("# Guide\n\nHow to run the site locally.\n")]
    ]),
    branches: new Set(["main", "release"])
  },
  {
    id: 70_002,
    owner: "acme",
    name: "api",
    private: true,
    description: "Internal API",
    language: "Go",
    defaultBranch: "main",
    createdAt: hours(-50),
    labels: new Map([["bug", label(900, "bug")]]),
    milestones: [],
    issues: [
      { ...webIssue(1), id: 600_001, title: "Rate limit the export endpoint", labels: ["bug"] },
      { ...webIssue(2), id: 600_002, title: "Add pagination to /orders" }
    ],
    releases: [],
    files: new Map([["README.md", file("# acme api\n")]]),
    branches: new Set(["main"])
  },
  {
    id: 70_003,
    owner: "rpa-robot",
    name: "notes",
    private: true,
    description: null,
    language: null,
    defaultBranch: "main",
    createdAt: hours(-10),
    labels: new Map(),
    milestones: [],
    issues: [],
    releases: [],
    files: new Map([["todo.md", file("- [ ] water the plants\n")]]),
    branches: new Set(["main"])
  }
]
