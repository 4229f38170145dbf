import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { addReaction } from "../../../nodes/slack/addReaction.js"
import { readOnlyBotToken } from "../../../nodes/slack/fakeWorkspace.js"
import { lookupUserByEmail } from "../../../nodes/slack/lookupUserByEmail.js"
import { slackHarness } from "./harness.js"

describe("slack.addReaction", () => {
  it.scopedLive("adds a reaction once; the second time is a ConflictError", () =>
    Effect.gen(function* () {
      const { fake, run } = yield* slackHarness()
      const ts = fake.state.history.get("C0GENERAL")![3]!.ts
      const out = yield* run(addReaction, { channel: "C0GENERAL", ts, emoji: ":tada:" })
      expect(out).toEqual({ channel: "C0GENERAL", ts, emoji: "tada", warnings: [] })
      expect([...fake.state.history.get("C0GENERAL")![3]!.reactions.keys()]).toEqual(["tada"])
      const again = yield* Effect.flip(
        run(addReaction, { channel: "C0GENERAL", ts, emoji: "tada" })
      )
      expect(again._tag).toBe("ConflictError")
    })
  )

  it.scopedLive("reports an unknown message and a bad emoji name", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const missing = yield* Effect.flip(
        run(addReaction, { channel: "C0GENERAL", ts: "1.000001", emoji: "tada" })
      )
      expect(missing._tag).toBe("NotFoundError")
      const ts = `${1_700_000_000}.000000`
      const bad = yield* Effect.flip(
        run(addReaction, { channel: "C0GENERAL", ts, emoji: "no such" })
      )
      expect(bad._tag).toBe("ValidationError")
      expect(bad.message).toContain("invalid_name")
    })
  )
})

describe("slack.lookupUserByEmail", () => {
  it.scopedLive("finds a member by email", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const out = yield* run(lookupUserByEmail, { email: "Alice@acme.test" })
      expect(out).toMatchObject({
        id: "U0ALICE01",
        name: "alice",
        realName: "Alice Archer",
        email: "alice@acme.test",
        isBot: false,
        deleted: false
      })
    })
  )

  it.scopedLive("fails with NotFoundError for an unknown email", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness()
      const error = yield* Effect.flip(run(lookupUserByEmail, { email: "nobody@acme.test" }))
      expect(error._tag).toBe("NotFoundError")
      expect(error.message).toContain("users_not_found")
    })
  )

  it.scopedLive("names users:read.email when the token lacks it", () =>
    Effect.gen(function* () {
      const { run } = yield* slackHarness({ token: readOnlyBotToken })
      const error = yield* Effect.flip(run(lookupUserByEmail, { email: "alice@acme.test" }))
      expect(error).toMatchObject({ _tag: "PermissionError", missingScope: "users:read.email" })
    })
  )
})
