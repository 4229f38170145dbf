/**
 * The `github` integration: repositories, issues, pull requests, files, releases and
 * search on GitHub, through its REST API.
 *
 * @module
 */
import { Effect } from "effect"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { commentOnIssue } from "./commentOnIssue.js"
import { createIssue } from "./createIssue.js"
import { createRelease } from "./createRelease.js"
import { app, oauth, token } from "./credentials.js"
import { githubOrigins, startGitHubFake } from "./fake.js"
import { getFile } from "./getFile.js"
import { getLatestRelease } from "./getLatestRelease.js"
import { getRepository } from "./getRepository.js"
import { listIssues } from "./listIssues.js"
import { listPullRequests } from "./listPullRequests.js"
import { listRepositories } from "./listRepositories.js"
import { putFile } from "./putFile.js"
import { searchIssues } from "./searchIssues.js"
import { GitHub } from "./service.js"
import { updateIssue } from "./updateIssue.js"

export {
  commentOnIssue,
  createIssue,
  createRelease,
  getFile,
  getLatestRelease,
  getRepository,
  listIssues,
  listPullRequests,
  listRepositories,
  putFile,
  searchIssues,
  updateIssue
}

/** The GitHub integration, as the registry loads it. */
export const integration = defineIntegration<GitHub>({
  name: "github",
  title: "GitHub",
  description: "Work with GitHub repositories, issues, pull requests, files and releases.",
  icon: "nodes/github/icon.svg",
  credentialTypes: [token, oauth, app],
  nodes: [
    listRepositories,
    getRepository,
    listIssues,
    createIssue,
    updateIssue,
    commentOnIssue,
    listPullRequests,
    getFile,
    putFile,
    createRelease,
    getLatestRelease,
    searchIssues
  ],
  layer: GitHub.layer,
  sandbox: {
    origins: githubOrigins,
    start: Effect.map(startGitHubFake(), ({ url }) => ({ url }))
  }
})
