/**
 * Node `slack.lookupUserByEmail`: finds a workspace member by email address.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { defineNode } from "../../src/node/defineNode.js"
import { slackCategory, slackCredentials, slackDocs, Warnings } from "./fields.js"
import { lookupByEmailScopes } from "./scopes.js"
import { Slack } from "./service.js"

/** Input of `slack.lookupUserByEmail`. */
export const LookupUserByEmailInput = Schema.Struct({
  email: Schema.NonEmptyTrimmedString.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+$/)).annotations({
    title: "Email",
    description: "The member's email address.",
    examples: ["alice@acme.test"]
  })
}).annotations({ title: "Find user by email" })

/** Output of `slack.lookupUserByEmail`. */
export const LookupUserByEmailOutput = Schema.Struct({
  id: Schema.String.annotations({
    title: "Member id",
    description: "Use it to mention them: `<@id>`.",
    examples: ["U0ALICE01"]
  }),
  name: Schema.String.annotations({ title: "User name" }),
  realName: Schema.optional(Schema.String.annotations({ title: "Full name" })),
  displayName: Schema.optional(Schema.String.annotations({ title: "Display name" })),
  email: Schema.optional(Schema.String.annotations({ title: "Email" })),
  title: Schema.optional(Schema.String.annotations({ title: "Job title" })),
  timeZone: Schema.optional(
    Schema.String.annotations({ title: "Time zone", examples: ["Europe/Amsterdam"] })
  ),
  isBot: Schema.Boolean.annotations({ title: "Is a bot" }),
  deleted: Schema.Boolean.annotations({ title: "Deactivated" }),
  warnings: Warnings
}).annotations({ title: "Member" })

/**
 * Finds the member with an email address. Fails with `NotFoundError` when no member has
 * it, and `PermissionError` when the app lacks the `users:read.email` scope.
 */
export const lookupUserByEmail = defineNode({
  type: "slack.lookupUserByEmail",
  version: 1,
  title: "Find user by email",
  description: "Finds a workspace member by email address, for example to mention or message them.",
  category: slackCategory,
  credentials: slackCredentials,
  docsUrl: slackDocs("users.lookupByEmail"),
  scopes: lookupByEmailScopes,
  input: LookupUserByEmailInput,
  output: LookupUserByEmailOutput,
  run: (input) =>
    Effect.flatMap(Slack, (slack) => slack.lookupUserByEmail(input.email)).pipe(
      Effect.map(({ user, warnings }) => ({
        id: user.id,
        name: user.name,
        realName: user.real_name ?? user.profile.real_name,
        displayName: user.profile.display_name,
        email: user.profile.email,
        title: user.profile.title,
        timeZone: user.tz,
        isBot: user.is_bot ?? false,
        deleted: user.deleted ?? false,
        warnings
      }))
    )
})
