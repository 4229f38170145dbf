import { describe, expect, it } from "vitest"
import { runFlow } from "../../../src/runtime/runFlow.js"

/** The two integrations the example flows use, loaded the way the pack loads them. */
const integrations = [
  {
    name: "github",
    load: () => import("../../../nodes/github/index.js").then((m) => m.integration)
  },
  { name: "slack", load: () => import("../../../nodes/slack/index.js").then((m) => m.integration) }
]

const emptyEnv = {}

describe("example flows on the sandbox", () => {
  it("open issues digest: labelled GitHub issues become one Slack message, a line per issue", async () => {
    const outcome = await runFlow("examples/flows/open-issues-digest.json", {
      sandbox: true,
      integrations,
      env: emptyEnv,
      inputs: { limit: 5 }
    })
    expect(outcome.status).toBe("succeeded")
    if (outcome.status === "invalid") return
    const issues = outcome.steps.issues!.output as { count: number; slackText: string }
    expect(issues.count).toBe(5)
    expect(issues.slackText.split("\n")).toHaveLength(5)
    const post = outcome.steps.post!.output as { channel: string; text: string }
    expect(post).toMatchObject({
      channel: "C0DEPLOYS",
      text: "5 open issues labelled bug in acme/web"
    })
  })

  it("release notes: merged pull requests since the last release become a new release", async () => {
    const outcome = await runFlow("examples/flows/release-notes.json", {
      sandbox: true,
      integrations,
      env: emptyEnv
    })
    expect(outcome.status).toBe("succeeded")
    if (outcome.status === "invalid") return
    expect(outcome.steps.last!.output).toMatchObject({ tagName: "v1.1.0" })
    const merged = outcome.steps.merged!.output as { count: number; markdown: string }
    expect(merged.count).toBeGreaterThan(0)
    const release = outcome.steps.release!.output as { tagName: string; body: string }
    expect(release.tagName).toBe("v1.2.0")
    expect(release.body).toContain("## Changes since v1.1.0")
    expect(release.body).toContain(merged.markdown)
    expect(release.body).toContain(`${merged.count} pull requests merged.`)
  })
})
