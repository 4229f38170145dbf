/**
 * Node `github.createRelease`: publishes a release.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  githubCategory,
  githubCredentials,
  githubDocs,
  ReleaseOutput,
  Repository,
  repoRef,
  toRelease
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.createRelease`. */
export const CreateReleaseInput = Schema.Struct({
  repository: Repository,
  tagName: Schema.NonEmptyTrimmedString.annotations({
    title: "Tag",
    description: "The release's tag; made from the target when it does not exist.",
    examples: ["v1.2.0"]
  }),
  target: Schema.optional(
    Schema.String.annotations({
      title: "Target",
      description: "Branch or commit to tag. Default: the default branch."
    })
  ),
  name: Schema.optional(Schema.String.annotations({ title: "Title", examples: ["v1.2.0"] })),
  body: Schema.optional(Schema.String.annotations({ title: "Notes", description: "Markdown." })),
  draft: Schema.optionalWith(Schema.Boolean.annotations({ title: "Draft" }), {
    default: () => false
  }),
  prerelease: Schema.optionalWith(Schema.Boolean.annotations({ title: "Pre-release" }), {
    default: () => false
  }),
  generateReleaseNotes: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Generate notes",
      description: "Let GitHub add notes listing the pull requests merged since the last release."
    }),
    { default: () => false }
  )
}).annotations({ title: "Create release" })

/**
 * Publishes a release. Fails with `ValidationError` when the tag already has a release
 * (`tag_name already_exists`).
 */
export const createRelease = defineNode({
  type: "github.createRelease",
  version: 1,
  title: "Create release",
  description:
    "Publishes a release with a tag, a title and notes, as a draft or pre-release if asked.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("releases/releases#create-a-release"),
  input: CreateReleaseInput,
  output: ReleaseOutput,
  run: ({ repository, target, ...fields }) =>
    Effect.flatMap(GitHub, (github) =>
      github.createRelease(repoRef(repository), { ...fields, targetCommitish: target })
    ).pipe(Effect.map(toRelease))
})
