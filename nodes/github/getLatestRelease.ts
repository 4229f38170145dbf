/**
 * Node `github.getLatestRelease`: reads a repository's latest published release.
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

/** Input of `github.getLatestRelease`. */
export const GetLatestReleaseInput = Schema.Struct({ repository: Repository }).annotations({
  title: "Get latest release"
})

/**
 * Reads the latest full release (not a draft or pre-release). Fails with `NotFoundError`
 * when the repository has none.
 */
export const getLatestRelease = defineNode({
  type: "github.getLatestRelease",
  version: 1,
  title: "Get latest release",
  description:
    "Reads a repository's latest published release, for example to list what changed since.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("releases/releases#get-the-latest-release"),
  input: GetLatestReleaseInput,
  output: ReleaseOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) => github.getLatestRelease(repoRef(input.repository))).pipe(
      Effect.map(toRelease)
    )
})
