/**
 * Node `github.getFile`: reads a file of a repository.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { FileRef } from "../../src/http/files.js"
import type { Workspace } from "../../src/http/workspace.js"
import { defineNode } from "../../src/node/defineNode.js"
import { githubCategory, githubCredentials, githubDocs, Repository, repoRef } from "./fields.js"
import { GitHub } from "./service.js"

/** A path inside a repository. */
export const FilePath = Schema.String.pipe(Schema.pattern(/^[^/].*[^/]$|^[^/]$/)).annotations({
  title: "Path",
  description: "The file's path in the repository, without a leading slash.",
  examples: ["docs/guide.md"]
})

/** Input of `github.getFile`. */
export const GetFileInput = Schema.Struct({
  repository: Repository,
  path: FilePath,
  ref: Schema.optional(
    Schema.String.annotations({
      title: "Branch, tag or commit",
      description: "Default: the default branch."
    })
  ),
  asFile: Schema.optionalWith(
    Schema.Boolean.annotations({
      title: "Save as file",
      description:
        "Save the content to the robot's disk and return a file (for binary or large files) instead of text."
    }),
    { default: () => false }
  )
}).annotations({ title: "Get file" })

/** Output of `github.getFile`. */
export const GetFileOutput = Schema.Struct({
  path: Schema.String.annotations({ title: "Path" }),
  sha: Schema.optional(
    Schema.String.annotations({
      title: "Blob sha",
      description: "Give it to Create or update file to replace this version."
    })
  ),
  size: Schema.Number.annotations({ title: "Size", description: "Size in bytes." }),
  text: Schema.optional(
    Schema.String.annotations({ title: "Text", description: "The content as UTF-8 text." })
  ),
  file: Schema.optional(FileRef),
  url: Schema.optional(Schema.String.annotations({ title: "Link" }))
}).annotations({ title: "File" })

/**
 * Reads a file as text, or saves it to disk. Fails with `NotFoundError` for a missing
 * path or branch, and `ValidationError` when the path is a directory.
 */
export const getFile = defineNode({
  type: "github.getFile",
  version: 1,
  title: "Get file",
  description: "Reads a file of a repository, as text or saved to the robot's disk.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("repos/contents#get-repository-content"),
  input: GetFileInput,
  output: GetFileOutput,
  run: (input) =>
    Effect.flatMap(
      GitHub,
      (github): Effect.Effect<typeof GetFileOutput.Type, KernelError, Workspace> => {
        const ref = repoRef(input.repository)
        if (input.asFile) {
          return Effect.map(github.downloadFile(ref, input.path, input.ref), (file) => ({
            path: input.path,
            size: file.size,
            file
          }))
        }
        return Effect.map(github.getFile(ref, input.path, input.ref), ({ file, bytes }) => ({
          path: file.path,
          sha: file.sha,
          size: file.size,
          text: new TextDecoder().decode(bytes),
          url: file.html_url ?? undefined
        }))
      }
    )
})
