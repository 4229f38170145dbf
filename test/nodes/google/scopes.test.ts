import { describe, expect, it } from "vitest"
import { integration as gmail } from "../../../nodes/gmail/index.js"
import {
  googleScopes,
  minimalScopes,
  missingScopes,
  scopeCovers
} from "../../../nodes/google/scopes.js"
import { integration as drive } from "../../../nodes/googleDrive/index.js"
import { integration as sheets } from "../../../nodes/googleSheets/index.js"

describe("Google scopes", () => {
  it("knows which broader scope covers a narrower one", () => {
    expect(scopeCovers([googleScopes.sheets], googleScopes.sheetsRead)).toBe(true)
    expect(scopeCovers([googleScopes.drive], googleScopes.sheets)).toBe(true)
    expect(scopeCovers([googleScopes.gmailModify], googleScopes.gmailSend)).toBe(true)
    expect(scopeCovers([googleScopes.gmailSend], googleScopes.gmailRead)).toBe(false)
  })

  it("asks a flow's credential for the fewest scopes that cover its nodes", () => {
    const flow = [sheets.nodes[0]!, sheets.nodes[2]!, gmail.nodes[0]!, gmail.nodes[1]!]
    expect(minimalScopes(flow.flatMap((node) => node.scopes ?? []))).toEqual(
      [googleScopes.gmailRead, googleScopes.gmailSend, googleScopes.sheets].sort()
    )
  })

  it("asks only for what is new when a flow gains a node (incremental consent)", () => {
    const granted = [googleScopes.sheets, googleScopes.gmailSend]
    expect(missingScopes(granted, [googleScopes.sheetsRead, googleScopes.gmailSend])).toEqual([])
    expect(missingScopes(granted, [googleScopes.driveRead, googleScopes.gmailModify])).toEqual(
      [googleScopes.driveRead, googleScopes.gmailModify].sort()
    )
  })

  it("gives every node that needs a credential a scope", () => {
    for (const node of [...sheets.nodes, ...drive.nodes, ...gmail.nodes]) {
      if (node.credentials.required) expect(node.scopes?.length, node.type).toBeGreaterThan(0)
      else expect(node.scopes, node.type).toBeUndefined()
    }
  })
})
