/**
 * Node `github.listRepositories`: lists the repositories of the credential, an
 * organisation or a user.
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
  RepositoryOutput,
  toRepository
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.listRepositories`. */
export const ListRepositoriesInput = Schema.Struct({
  owner: Schema.optional(
    Schema.NonEmptyTrimmedString.annotations({
      title: "Owner",
      description:
        "An organisation or user; leave empty for the repositories the credential can use.",
      examples: ["acme"]
    })
  ),
  ownerKind: Schema.optionalWith(
    Schema.Literal("organization", "user").annotations({
      title: "Owner is",
      description:
        "Whether the owner is an organisation (its private repositories are listed too, with access) or a user (public ones)."
    }),
    { default: () => "organization" as const }
  ),
  visibility: Schema.optional(
    Schema.Literal("all", "public", "private").annotations({
      title: "Visibility",
      description: "For the credential's own repositories: which to list.",
      default: "all"
    })
  ),
  sort: Schema.optional(
    Schema.Literal("created", "updated", "pushed", "full_name").annotations({
      title: "Sort by",
      default: "full_name"
    })
  ),
  direction: Schema.optional(Direction),
  limit: Limit(100)
}).annotations({ title: "List repositories" })

/** Output of `github.listRepositories`. */
export const ListRepositoriesOutput = Schema.Struct({
  repositories: Schema.Array(RepositoryOutput).annotations({ title: "Repositories" }),
  count: Schema.Number.annotations({ title: "Count" })
}).annotations({ title: "Repositories" })

/**
 * Lists repositories, following `Link` pages until `limit`. Fails with `NotFoundError`
 * for an unknown owner (or the wrong owner kind).
 */
export const listRepositories = defineNode({
  type: "github.listRepositories",
  version: 1,
  title: "List repositories",
  description: "Lists the repositories of the connected account, an organisation or a user.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("repos/repos#list-organization-repositories"),
  input: ListRepositoriesInput,
  output: ListRepositoriesOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) => github.listRepositories(input)).pipe(
      Effect.map((repos) => ({ repositories: repos.map(toRepository), count: repos.length }))
    )
})
