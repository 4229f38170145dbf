/**
 * Google OAuth scopes: the ones the Sheets, Drive and Gmail nodes ask for, which broader
 * scope covers a narrower one, and the smallest set that covers the nodes of a flow.
 *
 * Each node names the narrowest scope its calls need (Google's list per method, in the
 * discovery documents). A flow's credential asks for the union of its nodes' scopes, with
 * every scope a broader one covers left out, so consent shows as little as possible and a
 * new node asks only for what is new (incremental consent). The Google credential types
 * use {@link scopeCovers} for logins and for the check before a run.
 *
 * @module
 */

import { minimalScopes as minimalScopesBy } from "../../src/auth/oauth2CredentialType.js"

const auth = "https://www.googleapis.com/auth/"

/** The scopes the Google nodes use. */
export const googleScopes = {
  /** Read spreadsheets. */
  sheetsRead: `${auth}spreadsheets.readonly`,
  /** Read, edit, create and delete spreadsheets. */
  sheets: `${auth}spreadsheets`,
  /** See and download every Drive file. */
  driveRead: `${auth}drive.readonly`,
  /** See, edit, create and delete every Drive file. */
  drive: `${auth}drive`,
  /** Send mail only. */
  gmailSend: `${auth}gmail.send`,
  /** Read mail and settings. */
  gmailRead: `${auth}gmail.readonly`,
  /** Read, compose, send and change mail (labels, trash), but not delete it for good. */
  gmailModify: `${auth}gmail.modify`
} as const

/** The identity scopes every Google credential asks for, to tell whose account it is. */
export const identityScopes: ReadonlyArray<string> = ["openid", "email"]

/**
 * Google grants `email` and `profile` under their long names (a token asked for with
 * `openid email` reports `openid https://www.googleapis.com/auth/userinfo.email`).
 */
const userinfoEmail = `${auth}userinfo.email`
const userinfoProfile = `${auth}userinfo.profile`

/** For each scope, the broader (or same) scopes that grant everything it grants. */
const coveredBy: Readonly<Record<string, ReadonlyArray<string>>> = {
  email: [userinfoEmail],
  [userinfoEmail]: ["email"],
  profile: [userinfoProfile],
  [userinfoProfile]: ["profile"],
  [googleScopes.sheetsRead]: [googleScopes.sheets, googleScopes.drive, googleScopes.driveRead],
  [googleScopes.sheets]: [googleScopes.drive],
  [googleScopes.driveRead]: [googleScopes.drive],
  [googleScopes.gmailSend]: [googleScopes.gmailModify, "https://mail.google.com/"],
  [googleScopes.gmailRead]: [googleScopes.gmailModify, "https://mail.google.com/"],
  [googleScopes.gmailModify]: ["https://mail.google.com/"]
}

/** Whether holding `granted` gives everything `wanted` gives. */
export const scopeCovers = (granted: ReadonlyArray<string>, wanted: string): boolean =>
  granted.includes(wanted) || (coveredBy[wanted] ?? []).some((broader) => granted.includes(broader))

/**
 * The smallest list of scopes that covers every scope given: duplicates and scopes a
 * broader one in the list covers are left out (of two names for one scope, one stays).
 * Sorted, so the same flow asks the same.
 */
export const minimalScopes = (scopes: Iterable<string>): ReadonlyArray<string> =>
  minimalScopesBy(scopeCovers, [...new Set(scopes)].sort())

/**
 * The scopes a credential must still be granted so that it covers `wanted`: empty when
 * the grant is enough, else what the incremental consent asks for.
 */
export const missingScopes = (
  granted: ReadonlyArray<string>,
  wanted: Iterable<string>
): ReadonlyArray<string> =>
  minimalScopes([...wanted].filter((scope) => !scopeCovers(granted, scope)))
