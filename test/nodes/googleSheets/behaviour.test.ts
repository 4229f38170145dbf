import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { googleFaults } from "../../../nodes/google/fakeServer.js"
import { googleScopes } from "../../../nodes/google/scopes.js"
import {
  type SheetsFake,
  sandboxOrdersSpreadsheetId,
  sheetsOrigin,
  startSheets
} from "../../../nodes/googleSheets/fake.js"
import { appendRows, integration, readRange } from "../../../nodes/googleSheets/index.js"
import { GoogleSheets } from "../../../nodes/googleSheets/service.js"
import {
  errorOf,
  type Harness,
  startHarness,
  succeeded,
  testCredential
} from "../../support/discoveryHarness.js"

let h: Harness<SheetsFake, GoogleSheets>
beforeAll(async () => {
  h = await startHarness({
    api: "sheets",
    start: startSheets,
    origins: [sheetsOrigin],
    layer: GoogleSheets.layer
  })
})
afterEach(() => {
  h.fake.clearFaults()
  expect(h.contractProblems()).toEqual([])
})
afterAll(() => h.close())

const read = { spreadsheetId: sandboxOrdersSpreadsheetId, range: "Orders!A1:B2", shape: "rows" }
const sent = (since: number) => h.exchanges.slice(since)

describe("Google's throttling and quota answers", () => {
  it("retries a 429 RESOURCE_EXHAUSTED (no Retry-After) with backoff, then succeeds", async () => {
    const before = h.exchanges.length
    h.fake.inject({ path: /values/, times: 2, reply: googleFaults.resourceExhausted })
    const out = succeeded(await h.runNode(readRange, read))
    expect(out.count).toBe(2)
    expect(sent(before).map((e) => e.status)).toEqual([429, 429, 200])
  })

  it("retries Drive-style 403 userRateLimitExceeded, and ends with RateLimitError when it persists", async () => {
    const before = h.exchanges.length
    h.fake.inject({ path: /values/, times: 10, reply: googleFaults.userRateLimitExceeded })
    const exit = await h.runNode(readRange, read)
    expect(errorOf(exit)).toMatchObject({ _tag: "RateLimitError", status: 403, retryable: true })
    expect(sent(before)).toHaveLength(5)
  })

  it("retries a throttled append, which Google did not act on", async () => {
    const before = h.exchanges.length
    h.fake.inject({ method: "POST", path: /:append$/, reply: googleFaults.rateLimitExceeded })
    succeeded(
      await h.runNode(appendRows, {
        spreadsheetId: sandboxOrdersSpreadsheetId,
        range: "Unpaid",
        rows: [["A-9"]]
      })
    )
    expect(sent(before).map((e) => e.status)).toEqual([429, 200])
  })

  it("does not resend an append after a server error, which may have acted", async () => {
    const before = h.exchanges.length
    h.fake.inject({ method: "POST", path: /:append$/, reply: googleFaults.backendError })
    const exit = await h.runNode(appendRows, {
      spreadsheetId: sandboxOrdersSpreadsheetId,
      range: "Unpaid",
      rows: [["A-10"]]
    })
    expect(errorOf(exit)).toMatchObject({ _tag: "ServerError", status: 500 })
    expect(sent(before)).toHaveLength(1)
  })

  it("maps dailyLimitExceeded and quotaExceeded to QuotaExceededError, without retrying", async () => {
    for (const fault of [googleFaults.dailyLimitExceeded, googleFaults.quotaExceeded]) {
      const before = h.exchanges.length
      h.fake.inject({ path: /values/, reply: fault })
      const exit = await h.runNode(readRange, read)
      expect(errorOf(exit)).toMatchObject({ _tag: "QuotaExceededError", retryable: false })
      expect(sent(before)).toHaveLength(1)
    }
  })

  it("retries a dropped connection on a read", async () => {
    const before = h.exchanges.length
    h.fake.inject({ path: /values/, reply: "drop" })
    succeeded(await h.runNode(readRange, read))
    expect(sent(before).map((e) => e.status)).toEqual([0, 200])
  })
})

describe("credentials and scopes", () => {
  it("refreshes the token once after a 401 and sends again", async () => {
    h.fake.revokeToken("expired-1")
    const credential = testCredential(["expired-1", "fresh-1"])
    succeeded(await h.runNode(readRange, read, credential))
    expect(credential.refreshes()).toBe(1)
  })

  it("fails with AuthenticationError when the refreshed token is refused too", async () => {
    h.fake.revokeToken("dead-1")
    h.fake.revokeToken("dead-2")
    const credential = testCredential(["dead-1", "dead-2"])
    const exit = await h.runNode(readRange, read, credential)
    expect(errorOf(exit)).toMatchObject({ _tag: "AuthenticationError", status: 401 })
    expect(credential.refreshes()).toBe(1)
  })

  it("names the missing scope in PermissionError", async () => {
    h.fake.grantScopes("read-only", [googleScopes.sheetsRead])
    const exit = await h.runNode(
      appendRows,
      { spreadsheetId: sandboxOrdersSpreadsheetId, range: "Unpaid", rows: [["A-11"]] },
      testCredential(["read-only"])
    )
    expect(errorOf(exit)).toMatchObject({
      _tag: "PermissionError",
      status: 403,
      missingScope: googleScopes.sheets
    })
  })

  it("declares on every node a scope that lets all its calls through", async () => {
    for (const node of integration.nodes) {
      if (node.credentials.required) expect(node.scopes?.length, node.type).toBeGreaterThan(0)
    }
    h.fake.grantScopes("reader", [googleScopes.sheetsRead])
    succeeded(await h.runNode(readRange, read, testCredential(["reader"])))
    h.fake.grantScopes("writer", [googleScopes.sheets])
    succeeded(
      await h.runNode(
        appendRows,
        { spreadsheetId: sandboxOrdersSpreadsheetId, range: "Unpaid", rows: [{ Order: "A-12" }] },
        testCredential(["writer"])
      )
    )
  })
})
