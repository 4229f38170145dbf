/**
 * Fields shared by the GitHub nodes' input and output schemas, annotated once, and the
 * shapes the nodes give GitHub's objects.
 *
 * @module
 */
import { Schema } from "effect"
import { wholeNumberBetween } from "../../src/node/limits.js"
import type { GitHubIssue, GitHubPullRequest, GitHubRelease, GitHubRepository } from "./schemas.js"
import type { RepoRef } from "./service.js"

/** Credential types every GitHub node accepts. */
export const githubCredentials = {
  types: ["github.token", "github.oauth", "github.app"],
  required: true
} as const

/** The palette group of the GitHub nodes. */
export const githubCategory = "Developer tools"

/** Where GitHub documents an operation of its REST API. */
export const githubDocs = (page: string) => `https://docs.github.com/en/rest/${page}`

/** A repository as `owner/name`. */
export const Repository = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)
).annotations({
  title: "Repository",
  description: "The repository as owner/name, as in its URL.",
  examples: ["acme/web"]
})

/** `acme/web` as owner and name. */
export const repoRef = (repository: string): RepoRef => {
  const [owner = "", repo = ""] = repository.split("/")
  return { owner, repo }
}

/** An issue or pull request number. */
export const IssueNumber = Schema.Int.pipe(Schema.positive()).annotations({
  title: "Number",
  description: "The issue or pull request number, as in #123.",
  examples: [123]
})

export { atMostCharacters, wholeNumberBetween } from "../../src/node/limits.js"

/** How many items a list returns. */
export const Limit = (fallback: number) =>
  Schema.optionalWith(
    Schema.Int.pipe(wholeNumberBetween(1, 10_000)).annotations({
      title: "Limit",
      description: "Most items to return; pages are followed until then.",
      examples: [fallback]
    }),
    { default: () => fallback }
  )

/** A list sort direction. */
export const Direction = Schema.Literal("asc", "desc").annotations({
  title: "Direction",
  description: "Oldest first (asc) or newest first (desc)."
})

/** An ISO 8601 time. */
export const Time = Schema.String.annotations({
  title: "Time",
  description: "ISO 8601, for example 2024-01-31T09:00:00Z.",
  examples: ["2024-01-31T09:00:00Z"]
})

const Url = Schema.String.annotations({ title: "Link", description: "The page on github.com." })

/** A repository, as the nodes return it. */
export const RepositoryOutput = Schema.Struct({
  fullName: Schema.String.annotations({ title: "Full name", examples: ["acme/web"] }),
  name: Schema.String.annotations({ title: "Name" }),
  owner: Schema.String.annotations({ title: "Owner" }),
  private: Schema.Boolean.annotations({ title: "Private" }),
  description: Schema.optional(Schema.String.annotations({ title: "Description" })),
  defaultBranch: Schema.optional(Schema.String.annotations({ title: "Default branch" })),
  language: Schema.optional(Schema.String.annotations({ title: "Language" })),
  archived: Schema.Boolean.annotations({ title: "Archived" }),
  openIssues: Schema.optional(
    Schema.Number.annotations({ title: "Open issues and pull requests" })
  ),
  stars: Schema.optional(Schema.Number.annotations({ title: "Stars" })),
  topics: Schema.Array(Schema.String).annotations({ title: "Topics" }),
  pushedAt: Schema.optional(Time.annotations({ title: "Last push" })),
  url: Url
}).annotations({ title: "Repository" })

/** GitHub's repository, shaped as the nodes return it. */
export const toRepository = (r: GitHubRepository): typeof RepositoryOutput.Type => ({
  fullName: r.full_name,
  name: r.name,
  owner: r.owner.login,
  private: r.private,
  description: r.description ?? undefined,
  defaultBranch: r.default_branch,
  language: r.language ?? undefined,
  archived: r.archived ?? false,
  openIssues: r.open_issues_count,
  stars: r.stargazers_count,
  topics: r.topics ?? [],
  pushedAt: r.pushed_at ?? undefined,
  url: r.html_url
})

/** An issue, as the nodes return it. */
export const IssueOutput = Schema.Struct({
  number: IssueNumber,
  title: Schema.String.annotations({ title: "Title" }),
  state: Schema.String.annotations({ title: "State", examples: ["open", "closed"] }),
  stateReason: Schema.optional(
    Schema.String.annotations({ title: "Why closed", examples: ["completed", "not_planned"] })
  ),
  body: Schema.optional(Schema.String.annotations({ title: "Description" })),
  author: Schema.optional(Schema.String.annotations({ title: "Author" })),
  labels: Schema.Array(Schema.String).annotations({ title: "Labels" }),
  assignees: Schema.Array(Schema.String).annotations({ title: "Assignees" }),
  milestone: Schema.optional(Schema.String.annotations({ title: "Milestone" })),
  comments: Schema.Number.annotations({ title: "Comments" }),
  isPullRequest: Schema.Boolean.annotations({ title: "Is a pull request" }),
  createdAt: Time.annotations({ title: "Opened" }),
  updatedAt: Time.annotations({ title: "Updated" }),
  closedAt: Schema.optional(Time.annotations({ title: "Closed" })),
  url: Url
}).annotations({ title: "Issue" })

/** GitHub's issue, shaped as the nodes return it. */
export const toIssue = (i: GitHubIssue): typeof IssueOutput.Type => ({
  number: i.number,
  title: i.title,
  state: i.state,
  stateReason: i.state_reason ?? undefined,
  body: i.body ?? undefined,
  author: i.user?.login,
  labels: i.labels.flatMap((l) =>
    typeof l === "string" ? [l] : l.name === undefined ? [] : [l.name]
  ),
  assignees: (i.assignees ?? []).map((a) => a.login),
  milestone: i.milestone?.title,
  comments: i.comments,
  isPullRequest: i.pull_request !== undefined,
  createdAt: i.created_at,
  updatedAt: i.updated_at,
  closedAt: i.closed_at ?? undefined,
  url: i.html_url
})

/** A pull request, as the nodes return it. */
export const PullRequestOutput = Schema.Struct({
  number: IssueNumber,
  title: Schema.String.annotations({ title: "Title" }),
  state: Schema.String.annotations({ title: "State", examples: ["open", "closed"] }),
  body: Schema.optional(Schema.String.annotations({ title: "Description" })),
  author: Schema.optional(Schema.String.annotations({ title: "Author" })),
  labels: Schema.Array(Schema.String).annotations({ title: "Labels" }),
  head: Schema.String.annotations({ title: "From branch" }),
  base: Schema.String.annotations({ title: "Into branch" }),
  draft: Schema.Boolean.annotations({ title: "Draft" }),
  merged: Schema.Boolean.annotations({ title: "Merged" }),
  mergedAt: Schema.optional(Time.annotations({ title: "Merged at" })),
  createdAt: Time.annotations({ title: "Opened" }),
  updatedAt: Time.annotations({ title: "Updated" }),
  closedAt: Schema.optional(Time.annotations({ title: "Closed" })),
  url: Url
}).annotations({ title: "Pull request" })

/** GitHub's pull request, shaped as the nodes return it. */
export const toPullRequest = (p: GitHubPullRequest): typeof PullRequestOutput.Type => ({
  number: p.number,
  title: p.title,
  state: p.state,
  body: p.body ?? undefined,
  author: p.user?.login,
  labels: p.labels.flatMap((l) =>
    typeof l === "string" ? [l] : l.name === undefined ? [] : [l.name]
  ),
  head: p.head.ref,
  base: p.base.ref,
  draft: p.draft ?? false,
  merged: p.merged_at !== null,
  mergedAt: p.merged_at ?? undefined,
  createdAt: p.created_at,
  updatedAt: p.updated_at,
  closedAt: p.closed_at ?? undefined,
  url: p.html_url
})

/** A release, as the nodes return it. */
export const ReleaseOutput = Schema.Struct({
  id: Schema.Number.annotations({ title: "Release id" }),
  tagName: Schema.String.annotations({ title: "Tag", examples: ["v1.2.0"] }),
  name: Schema.optional(Schema.String.annotations({ title: "Title" })),
  body: Schema.optional(Schema.String.annotations({ title: "Notes" })),
  draft: Schema.Boolean.annotations({ title: "Draft" }),
  prerelease: Schema.Boolean.annotations({ title: "Pre-release" }),
  target: Schema.String.annotations({
    title: "Target",
    description: "Branch or commit the tag points at."
  }),
  author: Schema.String.annotations({ title: "Author" }),
  createdAt: Time.annotations({ title: "Created" }),
  publishedAt: Schema.optional(Time.annotations({ title: "Published" })),
  url: Url
}).annotations({ title: "Release" })

/** GitHub's release, shaped as the nodes return it. */
export const toRelease = (r: GitHubRelease): typeof ReleaseOutput.Type => ({
  id: r.id,
  tagName: r.tag_name,
  name: r.name ?? undefined,
  body: r.body ?? undefined,
  draft: r.draft,
  prerelease: r.prerelease,
  target: r.target_commitish,
  author: r.author.login,
  createdAt: r.created_at,
  publishedAt: r.published_at ?? undefined,
  url: r.html_url
})

/** One line per item, in GitHub Markdown, for release notes and comments. */
export const MarkdownList = Schema.String.annotations({
  title: "Markdown list",
  description:
    "One line per item in GitHub Markdown (`- #12 Fix login (@alice)`), for release notes or comments.",
  examples: ["- #12 Fix login (@alice)\n- #15 Faster search (@bob)"]
})

/** One line per item, in Slack's mrkdwn, for a Slack message. */
export const SlackList = Schema.String.annotations({
  title: "Slack list",
  description:
    "One line per item in Slack's mrkdwn, each linked (`• <url|#12> Fix login`), for a Slack message.",
  examples: ["• <https://github.com/acme/web/issues/12|#12> Fix login"]
})

/** An item of a list, as the Markdown and Slack lists show it. */
interface Listed {
  readonly number: number
  readonly title: string
  readonly author?: string | undefined
  readonly url: string
}

/** `- #12 Fix login (@alice)` per item. */
export const markdownList = (items: ReadonlyArray<Listed>): string =>
  items
    .map((i) => `- #${i.number} ${i.title}${i.author === undefined ? "" : ` (@${i.author})`}`)
    .join("\n")

/** `• <url|#12> Fix login` per item, with Slack's control characters escaped. */
export const slackList = (items: ReadonlyArray<Listed>): string =>
  items.map((i) => `• <${i.url}|#${i.number}> ${escapeSlack(i.title)}`).join("\n")

const escapeSlack = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
