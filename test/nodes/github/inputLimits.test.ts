import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { listIssues } from "../../../nodes/github/listIssues.js"
import { searchIssues } from "../../../nodes/github/searchIssues.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"
import { fieldIssues } from "../../../src/runtime/issues.js"

/** The issues a flow run reports for a node's input, worded as the runner words them. */
const issuesOf = (node: NodeDefinition, input: unknown) => {
  const decoded = Schema.decodeUnknownEither(node.input)(input, { errors: "all" })
  if (Either.isRight(decoded)) return []
  return fieldIssues(decoded.left.issue, { showValues: true })
}

describe("GitHub input rules say their limit", () => {
  it("a search query over 256 characters names the limit and does not echo the query", () => {
    expect(issuesOf(searchIssues, { query: "q".repeat(5_000) })).toEqual([
      {
        path: "query",
        message: "must be at most 256 characters (GitHub's limit for a search); this one has 5,000"
      }
    ])
  })

  it("limits say their range", () => {
    expect(issuesOf(searchIssues, { query: "is:open", limit: 5_000 })).toEqual([
      { path: "limit", message: "must be from 1 to 1,000; got 5000" }
    ])
    expect(issuesOf(listIssues, { repository: "acme/web", limit: 0 })).toEqual([
      { path: "limit", message: "must be from 1 to 10,000; got 0" }
    ])
  })
})
