/**
 * The Google credential types, shared by the Sheets, Drive and Gmail integrations.
 *
 * `google.oauth2` is a person's Google account, connected once in a browser
 * (authorization code with PKCE and offline access, so runs renew the token themselves);
 * Google's device flow grants none of the scopes the nodes need, so a device login that
 * asks for them is refused up front. It asks only for the identity scopes by default; connecting it
 * for a flow (`credentials login <id> --flow <file>`) adds the scopes of the flow's nodes
 * (each node lists them), and a later connect asks only for what is new, keeping earlier
 * grants (incremental consent).
 * `google.serviceAccount` is a Google Cloud service account's JSON key, traded for tokens
 * with a signed JWT (no person signs in); it acts as itself on files shared with it, or,
 * with a subject, as that user of a Workspace domain that allowed domain-wide delegation.
 * It asks for Drive's scope unless its `scopes` field lists others; a step refused for a
 * missing scope says to add it there (and to the delegation).
 * Tokens are cached until shortly before they expire, and renewed once when Google
 * refuses one. Both know which Google scope covers which (`drive` covers `spreadsheets`),
 * so a broader grant is enough for a node that names a narrower scope.
 *
 * @module
 */
import { makeOAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { googlePreset, googleServiceAccountPreset } from "../../src/auth/presets/google.js"
import { googleOAuth2Type, googleServiceAccountType } from "./credentialTypes.js"
import { googleScopes, scopeCovers } from "./scopes.js"

/** The access token the Google sandbox fakes accept for the sandbox credential. */
export const sandboxGoogleToken = "sandbox-google-access-token"

/** A person's Google account, connected through OAuth 2.0. */
export const googleOAuth2 = makeOAuth2CredentialType({
  ...googlePreset({
    type: googleOAuth2Type,
    title: "Google account",
    description:
      "A Google account, connected once in a browser. Needs an OAuth client of type Desktop app from the Google Cloud console. Google's device-code sign-in grants only sign-in and per-file Drive access, not the Sheets, Drive and Gmail scopes these nodes need, so connect in a browser."
  }),
  scopeCovers,
  incrementalAuthorization: true,
  sandbox: {
    clientId: "sandbox-client.apps.googleusercontent.com",
    accessToken: sandboxGoogleToken
  }
})

/**
 * Scopes a service account asks for unless its credential says otherwise: Drive's, which
 * opens the spreadsheets and files shared with the account (Sheets accepts it too).
 */
export const serviceAccountDefaultScopes: ReadonlyArray<string> = [googleScopes.drive]

/** A Google Cloud service account, with its JSON key file. */
export const googleServiceAccount = makeOAuth2CredentialType({
  ...googleServiceAccountPreset({
    type: googleServiceAccountType,
    title: "Google service account",
    description:
      "A Google Cloud service account key (the JSON file). It sees the spreadsheets and files shared with its email. It asks for Drive's scope unless Scopes lists others (Scopes replaces it, so list Drive's too when the flow uses Drive or Sheets). For Gmail, list the full Gmail scopes the flow's nodes need (https://www.googleapis.com/auth/gmail.send and so on), set the user to act as, and allow those scopes for the account in the Workspace admin console (domain-wide delegation).",
    scopes: serviceAccountDefaultScopes
  }),
  scopeCovers
})

/** Both Google credential types, the person's account first. */
export const googleCredentials = [googleOAuth2, googleServiceAccount] as const
