/**
 * Node `github.searchIssues`: searches issues and pull requests across repositories.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  atMostCharacters,
  githubCategory,
  githubCredentials,
  githubDocs,
  IssueOutput,
  MarkdownList,
  markdownList,
  SlackList,
  slackList,
  toIssue,
  wholeNumberBetween
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.searchIssues`. */
export const SearchIssuesInput = Schema.Struct({
  query: Schema.NonEmptyTrimmedString.pipe(
    atMostCharacters(256, "GitHub's limit for a search")
  ).annotations({
    title: "Query",
    description:
      "GitHub search syntax: words and qualifiers such as repo:, is:open, is:pr, label:, author:, merged:>2024-01-01.",
    examples: ["repo:acme/web is:issue is:open label:bug"]
  }),
  sort: Schema.optional(
    Schema.Literal("comments", "reactions", "created", "updated", "interactions").annotations({
      title: "Sort by",
      description: "Default: best match."
    })
  ),
  order: Schema.optional(
    Schema.Literal("asc", "desc").annotations({ title: "Order", default: "desc" })
  ),
  limit: Schema.optionalWith(
    Schema.Int.pipe(wholeNumberBetween(1, 1_000)).annotations({
      title: "Limit",
      description: "Most results to return; GitHub gives at most 1,000 per search."
    }),
    { default: () => 100 }
  )
}).annotations({ title: "Search issues and pull requests" })

/** Output of `github.searchIssues`. */
export const SearchIssuesOutput = Schema.Struct({
  totalCount: Schema.Number.annotations({
    title: "Total found",
    description: "All matches, not only those returned."
  }),
  incompleteResults: Schema.Boolean.annotations({
    title: "Incomplete",
    description: "True when GitHub's search timed out and some matches may be missing."
  }),
  items: Schema.Array(IssueOutput).annotations({ title: "Issues and pull requests" }),
  count: Schema.Number.annotations({ title: "Count", description: "How many were returned." }),
  markdown: MarkdownList,
  slackText: SlackList
}).annotations({ title: "Search results" })

/**
 * Searches issues and pull requests, following `Link` pages until `limit`. Search has
 * its own limit of 30 requests a minute, which the node keeps to. Fails with
 * `ValidationError` for a query GitHub cannot read.
 */
export const searchIssues = defineNode({
  type: "github.searchIssues",
  version: 1,
  title: "Search issues and pull requests",
  description:
    "Finds issues and pull requests with GitHub's search syntax, across the repositories the credential can see.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("search/search#search-issues-and-pull-requests"),
  input: SearchIssuesInput,
  output: SearchIssuesOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) => github.searchIssues(input)).pipe(
      Effect.map((result) => {
        const items = result.items.map(toIssue)
        return {
          totalCount: result.totalCount,
          incompleteResults: result.incompleteResults,
          items,
          count: items.length,
          markdown: markdownList(items),
          slackText: slackList(items)
        }
      })
    )
})
