/**
 * Names of the Google credential types, for the nodes that accept them.
 *
 * @module
 */

/** A Google account connected through OAuth 2.0 (authorization code with PKCE). */
export const googleOAuth2Type = "google.oauth2"

/** A Google Cloud service account key, optionally acting for a user of its domain. */
export const googleServiceAccountType = "google.serviceAccount"

/** The credential types every Google node accepts, the user's account first. */
export const googleCredentialTypes: ReadonlyArray<string> = [
  googleOAuth2Type,
  googleServiceAccountType
]
