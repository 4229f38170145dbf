/**
 * Credential types of the `slack` integration.
 *
 * A bot token (`xoxb-`) from a Slack app installed in a workspace is sent as
 * `Authorization: Bearer <token>` with every Web API call; an OAuth2 credential gets the
 * bot token by installing the app through `oauth.v2.access`, and renews it when the app
 * rotates tokens. Slack tells a refused token
 * with HTTP 200 and `ok: false`; the integration's classifier turns that into an
 * `AuthenticationError` that names the credential.
 *
 * @module
 */
import { Effect, Redacted, Schema } from "effect"
import { makeOAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { slackPreset } from "../../src/auth/presets/slack.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { defineCredentialType } from "../../src/node/credentialType.js"
import { Secret } from "../../src/node/secret.js"
import { sandboxBotToken, sandboxOAuthClient } from "./fakeWorkspace.js"
import { slackBotScopes } from "./scopes.js"

export { slackBotScopes }

/** Fields of a `slack.botToken` credential. */
export const BotTokenFields = Schema.Struct({
  token: Secret.pipe(
    Schema.filter((token) => Redacted.value(token).startsWith("xoxb-"), {
      message: () =>
        "A Slack bot token starts with xoxb-; copy it from the app's OAuth & Permissions page.",
      jsonSchema: { pattern: "^xoxb-" }
    })
  ).annotations({
    title: "Bot token",
    description:
      "The app's Bot User OAuth Token (`xoxb-...`) from its OAuth & Permissions page, after installing the app in the workspace."
  })
}).annotations({ title: "Slack bot token" })

/** A Slack app's bot token (`xoxb-`), sent as a bearer token. */
export const botToken = defineCredentialType({
  type: "slack.botToken",
  title: "Slack bot token",
  description:
    "The bot token of a Slack app installed in your workspace. The app needs the scopes of the nodes you use (for example chat:write to post).",
  fields: BotTokenFields,
  authenticate: (credential) =>
    Effect.succeed<Authenticator>({
      credentialId: credential.id,
      credentialType: "slack.botToken",
      authorize: Effect.succeed({
        headers: {
          authorization: Redacted.make(`Bearer ${Redacted.value(credential.fields.token)}`)
        }
      }),
      secretNames: ["authorization", "token"]
    }),
  test: {
    request: { method: "GET", url: "https://slack.com/api/auth.test" },
    identify: (body) => {
      const answer = (body ?? {}) as {
        ok?: unknown
        error?: unknown
        user?: unknown
        team?: unknown
      }
      return answer.ok === true
        ? { identity: `${String(answer.user)} in ${String(answer.team)}` }
        : { error: typeof answer.error === "string" ? answer.error : "Slack did not say ok" }
    }
  },
  sandbox: { token: sandboxBotToken }
})

/**
 * A Slack app installed with OAuth v2 (`oauth.v2.access`): the bot token it grants, renewed
 * with its refresh token when the app rotates tokens. Unless the credential names its own
 * scopes, it asks for every bot scope the Slack nodes use and `chat:write.public` (see
 * `scopes.ts`), joined with commas as Slack's authorize URL wants them; the scopes Slack
 * grants are kept, so a run checks each step's node scopes before it starts.
 */
export const oauth2 = makeOAuth2CredentialType({
  ...slackPreset({ scopes: slackBotScopes }),
  sandbox: {
    clientId: sandboxOAuthClient.id,
    clientSecret: sandboxOAuthClient.secret,
    accessToken: sandboxBotToken
  }
})
