/**
 * Node `github.getRepository`: reads one repository.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import {
  githubCategory,
  githubCredentials,
  githubDocs,
  Repository,
  RepositoryOutput,
  repoRef,
  toRepository
} from "./fields.js"
import { GitHub } from "./service.js"

/** Input of `github.getRepository`. */
export const GetRepositoryInput = Schema.Struct({ repository: Repository }).annotations({
  title: "Get repository"
})

/**
 * Reads a repository's details. Fails with `NotFoundError`, which for a private repository
 * may mean the credential cannot see it.
 */
export const getRepository = defineNode({
  type: "github.getRepository",
  version: 1,
  title: "Get repository",
  description: "Reads a repository's details: visibility, default branch, language, open issues.",
  category: githubCategory,
  credentials: githubCredentials,
  docsUrl: githubDocs("repos/repos#get-a-repository"),
  input: GetRepositoryInput,
  output: RepositoryOutput,
  run: (input) =>
    Effect.flatMap(GitHub, (github) => github.getRepository(repoRef(input.repository))).pipe(
      Effect.map(toRepository)
    )
})
