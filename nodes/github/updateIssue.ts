/**
 * Node `github.updateIssue`: changes or closes an issue.
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
  IssueOutput,
  Repository,
  repoRef,
  toIssue
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.updateIssue`. */
export const UpdateIssueInput = Schema.Struct({
  repository: Repository,
  number: IssueNumber,
  title: Schema.optional(Schema.NonEmptyTrimmedString.annotations({ title: "Title" })),
  body: Schema.optional(Schema.String.annotations({ title: "Description" })),
  state: Schema.optional(
    Schema.Literal("open", "closed").annotations({
      title: "State",
      description: "Close or reopen."
    })
  ),
  stateReason: Schema.optional(
    Schema.Literal("completed", "not_planned", "duplicate", "reopened").annotations({
      title: "Why closed",
      description: "With state closed: done, won't do, or a duplicate."
    })
  ),
  labels: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({
      title: "Labels",
      description: "Replaces all labels."
    })
  ),
  assignees: Schema.optional(
    Schema.Array(Schema.NonEmptyTrimmedString).annotations({
      title: "Assignees",
      description: "Replaces all assignees."
    })
  ),
  milestone: Schema.optional(
    Schema.NullOr(Schema.Int.pipe(Schema.positive())).annotations({
      title: "Milestone number",
      description: "A milestone number, or null to remove it."
    })
  )
}).annotations({ title: "Update issue" })

/**
 * Changes an issue's fields, or closes or reopens it. Fails with `NotFoundError` for an
 * unknown number and `ValidationError` naming a rejected field.
 */
export const updateIssue = defineNode({
  type: "github.updateIssue",
  version: 1,
  title: "Update or close issue",
  description:
    "Changes an issue's title, description, labels, assignees or milestone, or closes or reopens it.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("issues/issues#update-an-issue"),
  input: UpdateIssueInput,
  output: IssueOutput,
  run: ({ repository, number, ...fields }) =>
    Effect.flatMap(GitHub, (github) =>
      github.updateIssue(repoRef(repository), number, fields)
    ).pipe(Effect.map(toIssue))
})
