/**
 * GitHub REST objects as they arrive on the wire (snake_case), decoded with the fields
 * the GitHub nodes read. Fields GitHub adds later are kept out, not rejected.
 *
 * @module
 */
import { Schema } from "effect"

const Login = Schema.Struct({ login: Schema.String })

const optionalNullable = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optional(Schema.NullOr(schema))

/** A repository. */
export const GitHubRepository = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  full_name: Schema.String,
  owner: Login,
  private: Schema.Boolean,
  description: optionalNullable(Schema.String),
  html_url: Schema.String,
  default_branch: Schema.optional(Schema.String),
  language: optionalNullable(Schema.String),
  archived: Schema.optional(Schema.Boolean),
  open_issues_count: Schema.optional(Schema.Number),
  stargazers_count: Schema.optional(Schema.Number),
  forks_count: Schema.optional(Schema.Number),
  topics: Schema.optional(Schema.Array(Schema.String)),
  created_at: optionalNullable(Schema.String),
  updated_at: optionalNullable(Schema.String),
  pushed_at: optionalNullable(Schema.String)
})

/** A repository as GitHub describes it. */
export type GitHubRepository = typeof GitHubRepository.Type

const Label = Schema.Union(Schema.String, Schema.Struct({ name: Schema.optional(Schema.String) }))

/** An issue, or the issue side of a pull request. */
export const GitHubIssue = Schema.Struct({
  number: Schema.Number,
  title: Schema.String,
  state: Schema.String,
  state_reason: optionalNullable(Schema.String),
  body: optionalNullable(Schema.String),
  user: Schema.NullOr(Login),
  labels: Schema.Array(Label),
  assignees: optionalNullable(Schema.Array(Login)),
  milestone: Schema.NullOr(Schema.Struct({ number: Schema.Number, title: Schema.String })),
  comments: Schema.Number,
  html_url: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String,
  closed_at: Schema.NullOr(Schema.String),
  pull_request: Schema.optional(Schema.Struct({ merged_at: optionalNullable(Schema.String) }))
})

/** An issue as GitHub describes it. */
export type GitHubIssue = typeof GitHubIssue.Type

/** A pull request in a list. */
export const GitHubPullRequest = Schema.Struct({
  number: Schema.Number,
  title: Schema.String,
  state: Schema.String,
  body: Schema.NullOr(Schema.String),
  user: Schema.NullOr(Login),
  labels: Schema.Array(Label),
  html_url: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String,
  closed_at: Schema.NullOr(Schema.String),
  merged_at: Schema.NullOr(Schema.String),
  draft: Schema.optional(Schema.Boolean),
  head: Schema.Struct({ ref: Schema.String, sha: Schema.String }),
  base: Schema.Struct({ ref: Schema.String })
})

/** A pull request as GitHub describes it. */
export type GitHubPullRequest = typeof GitHubPullRequest.Type

/** A file's contents (`type: file`); the content is base64, or empty past 1 MB. */
export const GitHubContentFile = Schema.Struct({
  type: Schema.Literal("file"),
  name: Schema.String,
  path: Schema.String,
  sha: Schema.String,
  size: Schema.Number,
  encoding: Schema.optional(Schema.String),
  content: Schema.optional(Schema.String),
  html_url: Schema.NullOr(Schema.String),
  download_url: Schema.NullOr(Schema.String)
})

/** A file's contents as GitHub describes them. */
export type GitHubContentFile = typeof GitHubContentFile.Type

/** What the contents endpoint answers: a file, or a directory's entries. */
export const GitHubContent = Schema.Union(
  GitHubContentFile,
  Schema.Array(Schema.Struct({ type: Schema.String, path: Schema.String })),
  Schema.Struct({ type: Schema.String, path: Schema.String })
)

/** The commit that created or updated a file. */
export const GitHubFileCommit = Schema.Struct({
  content: Schema.NullOr(
    Schema.Struct({
      path: Schema.optional(Schema.String),
      sha: Schema.optional(Schema.String),
      html_url: Schema.optional(Schema.String)
    })
  ),
  commit: Schema.Struct({
    sha: Schema.optional(Schema.String),
    html_url: Schema.optional(Schema.String)
  })
})

/** A commit in a listing, by its sha and page. */
export const GitHubCommitRef = Schema.Struct({
  sha: Schema.String,
  html_url: Schema.optional(Schema.String)
})

/** A release. */
export const GitHubRelease = Schema.Struct({
  id: Schema.Number,
  tag_name: Schema.String,
  target_commitish: Schema.String,
  name: Schema.NullOr(Schema.String),
  body: optionalNullable(Schema.String),
  draft: Schema.Boolean,
  prerelease: Schema.Boolean,
  html_url: Schema.String,
  created_at: Schema.String,
  published_at: Schema.NullOr(Schema.String),
  author: Login
})

/** A release as GitHub describes it. */
export type GitHubRelease = typeof GitHubRelease.Type

/** A comment on an issue. */
export const GitHubComment = Schema.Struct({
  id: Schema.Number,
  body: Schema.optional(Schema.String),
  html_url: Schema.String,
  user: Schema.NullOr(Login),
  created_at: Schema.String
})

/** A comment as GitHub describes it. */
export type GitHubComment = typeof GitHubComment.Type

/** A page of search results. */
export const GitHubSearchPage = Schema.Struct({
  total_count: Schema.Number,
  incomplete_results: Schema.Boolean
})
