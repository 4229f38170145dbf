/**
 * Node `github.listIssues`: lists a repository's issues with filters.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  Direction,
  githubCategory,
  githubCredentials,
  githubDocs,
  IssueOutput,
  Limit,
  MarkdownList,
  markdownList,
  Repository,
  repoRef,
  SlackList,
  slackList,
  Time,
  toIssue
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.listIssues`. */
export const ListIssuesInput = Schema.Struct({
  repository: Repository,
  state: Schema.optionalWith(
    Schema.Literal("open", "closed", "all").annotations({
      title: "State",
      description: "Open, closed, or both."
    }),
    { default: () => "open" as const }
  ),
  labels: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({
      title: "Labels",
      description: "Only issues with all of these labels.",
      examples: [["bug"]]
    })
  ),
  assignee: Schema.optional(
    Schema.String.annotations({
      title: "Assignee",
      description: "A login, `none` for unassigned, `*` for any."
    })
  ),
  creator: Schema.optional(
    Schema.String.annotations({ title: "Opened by", description: "A login." })
  ),
  mentioned: Schema.optional(
    Schema.String.annotations({ title: "Mentions", description: "A login mentioned in the issue." })
  ),
  milestone: Schema.optional(
    Schema.String.annotations({
      title: "Milestone",
      description: "A milestone number, `none` or `*`."
    })
  ),
  since: Schema.optional(
    Time.annotations({
      title: "Updated since",
      description: "Only issues updated at or after this time."
    })
  ),
  sort: Schema.optional(
    Schema.Literal("created", "updated", "comments").annotations({
      title: "Sort by",
      default: "created"
    })
  ),
  direction: Schema.optional(Direction),
  includePullRequests: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Include pull requests",
      description: "GitHub lists pull requests among issues; they are left out unless this is on."
    }),
    { default: () => false }
  ),
  limit: Limit(100)
}).annotations({ title: "List issues" })

/** Output of `github.listIssues`. */
export const ListIssuesOutput = Schema.Struct({
  issues: Schema.Array(IssueOutput).annotations({ title: "Issues" }),
  count: Schema.Number.annotations({ title: "Count" }),
  markdown: MarkdownList,
  slackText: SlackList
}).annotations({ title: "Issues" })

/**
 * Lists issues, following GitHub's `Link` pages and stopping as soon as `limit` issues
 * are found. Fails with `NotFoundError` (the repository may be private to this
 * credential) and `ValidationError` for a filter GitHub rejects.
 */
export const listIssues = defineNode({
  type: "github.listIssues",
  version: 1,
  title: "List issues",
  description:
    "Lists a repository's issues, filtered by state, labels, assignee, author or milestone.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("issues/issues#list-repository-issues"),
  input: ListIssuesInput,
  output: ListIssuesOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) =>
      github.listIssues({ ...input, ...repoRef(input.repository) })
    ).pipe(
      Effect.map((found) => {
        const issues = found.map(toIssue)
        return {
          issues,
          count: issues.length,
          markdown: markdownList(issues),
          slackText: slackList(issues)
        }
      })
    )
})
