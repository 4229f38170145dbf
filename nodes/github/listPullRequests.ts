/**
 * Node `github.listPullRequests`: lists a repository's pull requests, optionally only
 * those merged after a time.
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
  Limit,
  MarkdownList,
  markdownList,
  PullRequestOutput,
  Repository,
  repoRef,
  SlackList,
  slackList,
  Time,
  toPullRequest
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.listPullRequests`. */
export const ListPullRequestsInput = Schema.Struct({
  repository: Repository,
  state: Schema.optional(
    Schema.Literal("open", "closed", "all").annotations({
      title: "State",
      description: "Open, closed, or both; merged pull requests are closed.",
      default: "open"
    })
  ),
  base: Schema.optional(Schema.String.annotations({ title: "Into branch", examples: ["main"] })),
  head: Schema.optional(
    Schema.String.annotations({ title: "From branch", description: "As owner:branch." })
  ),
  sort: Schema.optional(
    Schema.Literal("created", "updated", "popularity", "long-running").annotations({
      title: "Sort by",
      default: "created"
    })
  ),
  direction: Schema.optional(Direction),
  mergedOnly: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Merged only",
      description: "Only pull requests that were merged."
    }),
    { default: () => false }
  ),
  mergedAfter: Schema.optional(
    Time.annotations({
      title: "Merged after",
      description:
        "Only pull requests merged after this time, for example the last release's publish time."
    })
  ),
  limit: Limit(100)
}).annotations({ title: "List pull requests" })

/** Output of `github.listPullRequests`. */
export const ListPullRequestsOutput = Schema.Struct({
  pullRequests: Schema.Array(PullRequestOutput).annotations({ title: "Pull requests" }),
  count: Schema.Number.annotations({ title: "Count" }),
  markdown: MarkdownList,
  slackText: SlackList
}).annotations({ title: "Pull requests" })

/**
 * Lists pull requests, following `Link` pages until `limit`. With `mergedAfter`, it reads
 * closed pull requests by last update and stops at the first one updated before that
 * time, so a release's notes read only the pages they need.
 */
export const listPullRequests = defineNode({
  type: "github.listPullRequests",
  version: 1,
  title: "List pull requests",
  description:
    "Lists a repository's pull requests; can keep only those merged, or merged since a time.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("pulls/pulls#list-pull-requests"),
  input: ListPullRequestsInput,
  output: ListPullRequestsOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) =>
      github.listPullRequests({ ...input, ...repoRef(input.repository) })
    ).pipe(
      Effect.map((found) => {
        const pullRequests = found.map(toPullRequest)
        return {
          pullRequests,
          count: pullRequests.length,
          markdown: markdownList(pullRequests),
          slackText: slackList(pullRequests)
        }
      })
    )
})
