/**
 * Node `github.createIssue`: opens an issue.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  githubCategory,
  githubCredentials,
  githubDocs,
  IssueOutput,
  Repository,
  repoRef,
  toIssue
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.createIssue`. */
export const CreateIssueInput = Schema.Struct({
  repository: Repository,
  title: Schema.NonEmptyTrimmedString.annotations({
    title: "Title",
    examples: ["Nightly export failed"]
  }),
  body: Schema.optional(
    Schema.String.annotations({ title: "Description", description: "Markdown." })
  ),
  labels: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({ title: "Labels", examples: [["bug"]] })
  ),
  assignees: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({
      title: "Assignees",
      description: "Logins."
    })
  ),
  milestone: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({ title: "Milestone number" })
  )
}).annotations({ title: "Create issue" })

/**
 * Opens an issue. Fails with `ValidationError` naming the field GitHub rejected (an
 * assignee who cannot be assigned, an unknown milestone) and `PermissionError` when the
 * token may not write issues.
 */
export const createIssue = defineNode({
  type: "github.createIssue",
  version: 1,
  title: "Create issue",
  description: "Opens an issue in a repository, with labels, assignees and a milestone.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("issues/issues#create-an-issue"),
  input: CreateIssueInput,
  output: IssueOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) => github.createIssue(repoRef(input.repository), input)).pipe(
      Effect.map(toIssue)
    )
})
