/**
 * Headless Chromium for the OAuth consent tests, driven with `playwright-core`.
 *
 * Uses the system's Chromium (Debian's `chromium` package) with a fresh profile per
 * launch, no network services of its own, and no sandbox (tests run as root in CI). Every
 * request that would leave the machine is blocked.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { BrowserContext } from "playwright-core"
import { chromium } from "playwright-core"
import { testLogin } from "./oidcProvider.js"

/** Where the Chromium executable is; `CHROMIUM_PATH` overrides it. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** A launched browser and how to close it (the profile directory goes with it). */
export interface TestBrowser {
  /** The browser's one context, on the fresh profile. */
  readonly context: BrowserContext
  readonly close: () => Promise<void>
}

/** Launches headless Chromium with a fresh profile (playwright passes `--user-data-dir`). */
export const launchBrowser = async (): Promise<TestBrowser> => {
  const profile = mkdtempSync(join(tmpdir(), "rpa-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
  // The provider's pages load web fonts; no test may reach the internet.
  await context.route("**/*", (route) =>
    isLoopback(route.request().url()) ? route.continue() : route.abort("blockedbyclient")
  )
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

const isLoopback = (url: string): boolean => {
  const { protocol, hostname } = new URL(url)
  return (
    protocol === "data:" ||
    hostname === "127.0.0.1" ||
    hostname === "localhost" ||
    hostname === "[::1]"
  )
}

/** What the user does on the authorization server's pages. */
export type ConsentChoice = "approve" | "deny"

/**
 * Opens an authorization (or device verification) URL in a fresh session and goes
 * through oidc-provider's login and consent pages as a user would: signs in, then
 * approves or declines. Resolves with the text of the last page shown: our loopback page
 * for a browser login, the provider's page for a device login.
 */
export const consentInBrowser = async (
  context: BrowserContext,
  url: string,
  choice: ConsentChoice = "approve"
): Promise<string> => {
  await context.clearCookies()
  const provider = new URL(url).origin
  const page = await context.newPage()
  try {
    await page.goto(url)
    for (let step = 0; step < 8 && new URL(page.url()).origin === provider; step++) {
      const decline = page.locator('button[name="abort"], a[href$="/abort"]')
      if (choice === "deny" && (await decline.count()) > 0) {
        await Promise.all([page.waitForNavigation(), decline.first().click()])
        continue
      }
      if ((await page.locator('input[name="login"]').count()) > 0) {
        await page.fill('input[name="login"]', testLogin)
        await page.fill('input[name="password"]', "any-password")
      }
      const submit = page.locator('button[type="submit"]')
      if ((await submit.count()) === 0) break
      await Promise.all([page.waitForNavigation(), submit.first().click()])
    }
    return (await page.locator("body").textContent()) ?? ""
  } finally {
    await page.close()
  }
}
