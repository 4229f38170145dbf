/**
 * Node `github.commentOnIssue`: comments on an issue or pull request.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  githubCategory,
  githubCredentials,
  githubDocs,
  IssueNumber,
  Repository,
  repoRef,
  Time
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.commentOnIssue`. */
export const CommentOnIssueInput = Schema.Struct({
  repository: Repository,
  number: IssueNumber,
  body: Schema.NonEmptyString.annotations({
    title: "Comment",
    description: "Markdown.",
    examples: ["Fixed in v1.2.0."]
  })
}).annotations({ title: "Comment on issue" })

/** Output of `github.commentOnIssue`. */
export const CommentOnIssueOutput = Schema.Struct({
  id: Schema.Number.annotations({ title: "Comment id" }),
  author: Schema.optional(Schema.String.annotations({ title: "Author" })),
  createdAt: Time.annotations({ title: "Posted" }),
  url: Schema.String.annotations({ title: "Link" })
}).annotations({ title: "Comment" })

/** Comments on an issue or pull request. Fails with `NotFoundError` for an unknown number. */
export const commentOnIssue = defineNode({
  type: "github.commentOnIssue",
  version: 1,
  title: "Comment on issue",
  description: "Adds a comment to an issue or pull request.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("issues/comments#create-an-issue-comment"),
  input: CommentOnIssueInput,
  output: CommentOnIssueOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) =>
      github.createComment(repoRef(input.repository), input.number, input.body)
    ).pipe(
      Effect.map((c) => ({
        id: c.id,
        author: c.user?.login,
        createdAt: c.created_at,
        url: c.html_url
      }))
    )
})
