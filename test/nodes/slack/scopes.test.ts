/**
 * The Slack nodes' bot scopes: each node declares what its method needs, the fake asks
 * for no more, `slack.oauth2` asks for all of them by default, and a run's preflight
 * refuses a Slack step whose credential was not granted its node's scopes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { sandboxClassicToken } from "../../../nodes/github/fakeData.js"
import { integrations } from "../../../nodes/index.js"
import { addReaction } from "../../../nodes/slack/addReaction.js"
import { oauth2 } from "../../../nodes/slack/credentials.js"
import { deleteMessage } from "../../../nodes/slack/deleteMessage.js"
import { integration as slack } from "../../../nodes/slack/index.js"
import { listConversations } from "../../../nodes/slack/listConversations.js"
import { lookupUserByEmail } from "../../../nodes/slack/lookupUserByEmail.js"
import { postMessage } from "../../../nodes/slack/postMessage.js"
import { readHistory } from "../../../nodes/slack/readHistory.js"
import { scheduleMessage } from "../../../nodes/slack/scheduleMessage.js"
import { updateMessage } from "../../../nodes/slack/updateMessage.js"
import { uploadFile } from "../../../nodes/slack/uploadFile.js"
import type { StoredCredential } from "../../../src/auth/credentialSource.js"
import { CredentialSource } from "../../../src/auth/credentialSource.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"
import { loadFlowRegistry } from "../../../src/runtime/catalog.js"
import { loadFlow } from "../../../src/runtime/flow.js"
import { preflight } from "../../../src/runtime/preflight.js"
import { makeSecretRegistry, Secrets } from "../../../src/runtime/secrets.js"
import { memorySource } from "../../auth/memorySource.js"
import { slackHarness } from "./harness.js"

describe("Slack node scopes", () => {
  it("every Slack node declares the bot scopes of its method", () => {
    const byType = Object.fromEntries(slack.nodes.map((node) => [node.type, node.scopes]))
    expect(byType).toEqual({
      "slack.postMessage": ["chat:write"],
      "slack.updateMessage": ["chat:write"],
      "slack.deleteMessage": ["chat:write"],
      "slack.scheduleMessage": ["chat:write"],
      "slack.listConversations": ["channels:read", "groups:read", "im:read", "mpim:read"],
      "slack.readHistory": ["channels:history", "groups:history", "im:history", "mpim:history"],
      "slack.addReaction": ["reactions:write"],
      "slack.lookupUserByEmail": ["users:read", "users:read.email"],
      "slack.uploadFile": ["files:write"]
    })
  })

  it("slack.oauth2 asks for every node's scopes and chat:write.public by default", () => {
    const defaults = oauth2.preset.settings.defaultScopes
    for (const node of slack.nodes)
      expect(defaults).toEqual(expect.arrayContaining([...node.scopes!]))
    expect(defaults).toContain("chat:write.public")
    expect(new Set(defaults).size).toBe(defaults.length)
    expect(oauth2.preset.scopeSeparator).toBe(",")
  })

  it.scopedLive("a token granted exactly a node's scopes runs it on the fake", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "slack-scopes-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
      )
      const path = join(dir, "notes.txt")
      yield* Effect.promise(() => writeFile(path, "notes"))
      const file = { path, name: "notes.txt", mimeType: "text/plain", size: 5 }

      const { fake } = yield* slackHarness()
      const ts = fake.state.history.get("C0GENERAL")![0]!.ts
      const cases: ReadonlyArray<readonly [NodeDefinition, unknown]> = [
        [postMessage, { channel: "C0GENERAL", text: "hi" }],
        [
          scheduleMessage,
          { channel: "C0GENERAL", postAt: Math.floor(Date.now() / 1000) + 3_600, text: "later" }
        ],
        [listConversations, { types: ["public_channel", "private_channel", "im", "mpim"] }],
        [readHistory, { channel: "C0GENERAL", limit: 1 }],
        [readHistory, { channel: "G0PRIVATE", limit: 1 }],
        [addReaction, { channel: "C0GENERAL", ts, emoji: "eyes" }],
        [lookupUserByEmail, { email: "alice@acme.test" }],
        [uploadFile, { file, channel: "C0DEPLOYS" }]
      ]
      for (const [node, input] of cases) {
        const token = `xoxb-1000-3000-${node.type.replace(".", "-")}`
        const scoped = yield* slackHarness({ token })
        scoped.fake.state.tokens.set(token, { scopes: node.scopes! })
        const posted = yield* scoped.run(node, input).pipe(Effect.either)
        expect(posted._tag, `${node.type}: ${JSON.stringify(posted)}`).toBe("Right")
      }

      // Editing and deleting need only chat:write too.
      const token = "xoxb-1000-3000-chat"
      const chat = yield* slackHarness({ token })
      chat.fake.state.tokens.set(token, { scopes: ["chat:write"] })
      const mine = (yield* chat.run(postMessage, { channel: "C0GENERAL", text: "x" })) as {
        ts: string
      }
      yield* chat.run(updateMessage, { channel: "C0GENERAL", ts: mine.ts, text: "y" })
      yield* chat.run(deleteMessage, { channel: "C0GENERAL", ts: mine.ts })
    })
  )

  it.scopedLive("without one of them the fake names the missing scope, which the node lists", () =>
    Effect.gen(function* () {
      const token = "xoxb-1000-3000-public-history"
      const { fake, run } = yield* slackHarness({ token })
      fake.state.tokens.set(token, { scopes: ["channels:history"] })
      const error = yield* Effect.flip(run(readHistory, { channel: "G0PRIVATE" }))
      expect(error).toMatchObject({ _tag: "PermissionError", missingScope: "groups:history" })
      expect(readHistory.scopes).toContain("groups:history")
    })
  )

  it.scopedLive("chat:write.public lets the app post to a public channel it has not joined", () =>
    Effect.gen(function* () {
      const token = "xoxb-1000-3000-public"
      const { fake, run } = yield* slackHarness({ token })
      fake.state.tokens.set(token, { scopes: ["chat:write"] })
      const refused = yield* Effect.flip(run(postMessage, { channel: "C0NOTJOIN", text: "hi" }))
      expect(refused).toMatchObject({ _tag: "PermissionError" })
      fake.state.tokens.set(token, { scopes: ["chat:write", "chat:write.public"] })
      yield* run(postMessage, { channel: "C0NOTJOIN", text: "hi" })
      expect(fake.state.posts.map((p) => p.channel)).toEqual(["C0NOTJOIN"])
      fake.state.channels.push({
        id: "G0NOTJOIN",
        name: "board",
        isPrivate: true,
        isArchived: false,
        botIsMember: false,
        created: 1_600_000_000,
        topic: "",
        purpose: "",
        members: ["U0ALICE01"]
      })
      const secret = yield* Effect.flip(run(postMessage, { channel: "G0NOTJOIN", text: "hi" }))
      expect(secret).toMatchObject({ _tag: "PermissionError" })
      expect(secret.message).toContain("not_in_channel")
    })
  )
})

describe("preflight of a flow with a Slack step", () => {
  const flowFile = "examples/flows/open-issues-digest.json"

  /** The example flow's credentials: GitHub by token, Slack installed with OAuth. */
  const credentials = (grantedScopes: string): ReadonlyArray<StoredCredential> => [
    { id: "github", type: "github.token", origin: "store", fields: { token: sandboxClassicToken } },
    {
      id: "slack",
      type: "slack.oauth2",
      origin: "store",
      fields: {
        clientId: "1234.5678",
        accessToken: "xoxe.xoxb-1-stored",
        refreshToken: "xoxe-1-stored",
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        grantedScopes
      }
    }
  ]

  const check = (grantedScopes: string) =>
    Effect.gen(function* () {
      const flow = yield* loadFlow(flowFile)
      const registry = yield* loadFlowRegistry(flow, integrations)
      return yield* preflight(flow, registry, { flowFile }).pipe(
        Effect.provideService(CredentialSource, memorySource(credentials(grantedScopes)).service),
        Effect.provideService(Secrets, makeSecretRegistry())
      )
    })

  it.effect("refuses the post when Slack did not grant chat:write", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(check("channels:read,channels:history"))
      expect(error.issues.map((issue) => issue.path)).toEqual(["steps[1].credential"])
      expect(error.issues[0]!.message).toContain(
        'step "post" (slack.postMessage) needs the scope chat:write, which credential "slack" was not granted'
      )
    })
  )

  it.effect("accepts the grant of the default scopes, as Slack reports it (commas)", () =>
    Effect.gen(function* () {
      const plan = yield* check(oauth2.preset.settings.defaultScopes.join(","))
      expect(plan.steps).toHaveLength(2)
    })
  )
})
