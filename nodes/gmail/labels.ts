/**
 * Label names and ids: the Gmail nodes take labels by name (`Invoices`) or id
 * (`Label_12`, `INBOX`); the API takes ids.
 *
 * @module
 */
import { Effect } from "effect"
import type { KernelError } from "../../src/http/errors.js"
import { NotFoundError } from "../../src/http/errors.js"
import type { GmailApi } from "./service.js"

/**
 * The label ids of the names or ids given. System labels (`INBOX`, `UNREAD`, `STARRED`,
 * ...) are their own ids, in any case; other labels are looked up once. Fails with
 * `NotFoundError` naming the labels the mailbox does not have.
 */
export const labelIdsOf = (
  gmail: GmailApi,
  names: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<string>, KernelError> => {
  const system = (name: string) =>
    systemLabels.has(name.toUpperCase()) ? name.toUpperCase() : undefined
  if (names.every((name) => system(name) !== undefined))
    return Effect.succeed(names.map((name) => system(name)!))
  return Effect.flatMap(gmail.labels, (labels) => {
    const found = names.map(
      (name) =>
        system(name) ??
        labels.find((label) => label.id === name)?.id ??
        labels.find((label) => label.name.toLowerCase() === name.toLowerCase())?.id
    )
    const missing = names.filter((_, i) => found[i] === undefined)
    if (missing.length === 0) return Effect.succeed(found as ReadonlyArray<string>)
    const known = labels.filter((label) => label.type === "user").map((label) => `"${label.name}"`)
    return Effect.fail(
      new NotFoundError({
        integration: "gmail",
        message: `The mailbox has no label ${missing.map((name) => `"${name}"`).join(", ")}; create it in Gmail first, or use one of ${known.join(", ") || "the system labels"}`
      })
    )
  })
}

const systemLabels: ReadonlySet<string> = new Set([
  "INBOX",
  "SENT",
  "DRAFT",
  "SPAM",
  "TRASH",
  "UNREAD",
  "STARRED",
  "IMPORTANT",
  "CHAT",
  "CATEGORY_PERSONAL",
  "CATEGORY_SOCIAL",
  "CATEGORY_PROMOTIONS",
  "CATEGORY_UPDATES",
  "CATEGORY_FORUMS"
])
