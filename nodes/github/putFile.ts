/**
 * Node `github.putFile`: creates or updates a file with a commit.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { githubCategory, githubCredentials, githubDocs, Repository, repoRef } from "./fields.js"
import { FilePath } from "./getFile.js"
import { GitHub } from "./service.js"

/** Input of `github.putFile`. */
export const PutFileInput = Schema.Struct({
  repository: Repository,
  path: FilePath,
  content: Schema.String.annotations({
    title: "Content",
    description: "The file's new content: text, or base64 when the encoding says so.",
    examples: ["# Changelog\n"]
  }),
  encoding: Schema.optionalWith(
    Schema.Literal("utf8", "base64").annotations({
      title: "Content is",
      description: "Text (utf8) or base64 bytes."
    }),
    { default: () => "utf8" as const }
  ),
  message: Schema.NonEmptyTrimmedString.annotations({
    title: "Commit message",
    examples: ["Update changelog"]
  }),
  branch: Schema.optional(
    Schema.String.annotations({ title: "Branch", description: "Default: the default branch." })
  ),
  sha: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[0-9a-f]{40}$/)).annotations({
      title: "Replaces sha",
      description:
        "Blob sha of the version being replaced, from Get file. Left empty, the current one is looked up."
    })
  ),
  committer: Schema.optional(
    Schema.Struct({
      name: Schema.NonEmptyTrimmedString.annotations({ title: "Name" }),
      email: Schema.NonEmptyTrimmedString.annotations({ title: "Email" })
    }).annotations({ title: "Committer", description: "Default: the credential's account." })
  )
}).annotations({ title: "Create or update file" })

/** Output of `github.putFile`. */
export const PutFileOutput = Schema.Struct({
  created: Schema.Boolean.annotations({
    title: "New file",
    description: "True when the file did not exist before."
  }),
  path: Schema.String.annotations({ title: "Path" }),
  sha: Schema.String.annotations({ title: "Blob sha", description: "The new version's sha." }),
  commitSha: Schema.String.annotations({ title: "Commit sha" }),
  commitUrl: Schema.optional(Schema.String.annotations({ title: "Commit link" }))
}).annotations({ title: "Written file" })

/**
 * Creates or replaces a file with one commit. Fails with `ConflictError` when the file
 * changed since `sha` was read, and `PermissionError` when the token may not write
 * contents. When GitHub's answer is lost and the resent write is refused (or the outcome
 * stays unknown), the file is read back: if it holds the new content, the write succeeded.
 */
export const putFile = defineNode({
  type: "github.putFile",
  version: 1,
  title: "Create or update file",
  description:
    "Writes a file to a branch with a commit, creating it or replacing its current version.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("repos/contents#create-or-update-file-contents"),
  input: PutFileInput,
  output: PutFileOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) =>
      github.putFile({
        ...repoRef(input.repository),
        path: input.path,
        message: input.message,
        contentBase64:
          input.encoding === "base64"
            ? input.content
            : Buffer.from(input.content, "utf8").toString("base64"),
        sha: input.sha,
        branch: input.branch,
        committer: input.committer
      })
    )
})
