import { ConfigProvider, Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  defaultGoogleQuotas,
  driveRateLimits,
  gmailRateLimits,
  googleQuotas,
  sheetsRateLimits
} from "../../../nodes/google/rateLimits.js"

const withEnv = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.withConfigProvider(googleQuotas, ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("Google quotas as client rate limits", () => {
  it("defaults to Google's published per-user quotas", () => {
    expect(withEnv({})).toEqual(defaultGoogleQuotas)
    const sheets = sheetsRateLimits("work", defaultGoogleQuotas)
    expect(
      sheets({ method: "GET", url: "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1" })
    ).toEqual([{ key: "googleSheets:work:read", limit: 60, intervalMs: 60_000 }])
    expect(
      sheets({ method: "POST", url: "https://sheets.googleapis.com/v4/spreadsheets/x:batchUpdate" })
    ).toEqual([{ key: "googleSheets:work:write", limit: 60, intervalMs: 60_000 }])
  })

  it("can be changed per quota from the environment, ignoring values that are not counts", () => {
    expect(withEnv({ RPA_GOOGLE_SHEETS_READS_PER_MINUTE: "300" }).sheetsReadsPerMinute).toBe(300)
    expect(withEnv({ RPA_GOOGLE_SHEETS_READS_PER_MINUTE: "lots" })).toEqual(defaultGoogleQuotas)
    expect(withEnv({ RPA_GOOGLE_GMAIL_UNITS_PER_MINUTE: "0" })).toEqual(defaultGoogleQuotas)
  })

  it("counts Drive writes against the write rate, but not the chunks of an upload", () => {
    const drive = driveRateLimits("work", defaultGoogleQuotas)
    expect(
      drive({ method: "PATCH", url: "https://www.googleapis.com/drive/v3/files/x" }).map(
        (l) => l.key
      )
    ).toEqual(["googleDrive:work:queries", "googleDrive:work:writes"])
    expect(
      drive({
        method: "PUT",
        url: "https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable&upload_id=u"
      }).map((l) => l.key)
    ).toEqual(["googleDrive:work:queries"])
  })

  it("shares Gmail's units between sending (100 each) and the rest (5 each)", () => {
    const gmail = gmailRateLimits("work", defaultGoogleQuotas)
    expect(
      gmail({ method: "POST", url: "https://gmail.googleapis.com/gmail/v1/users/me/messages/send" })
    ).toEqual([{ key: "gmail:work:send", limit: 150, intervalMs: 60_000 }])
    expect(
      gmail({ method: "GET", url: "https://gmail.googleapis.com/gmail/v1/users/me/messages/abc" })
    ).toEqual([{ key: "gmail:work:units", limit: 3000, intervalMs: 60_000 }])
  })
})
