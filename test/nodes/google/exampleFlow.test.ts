import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { runFlow } from "../../../src/runtime/runFlow.js"
import { repoRoot } from "../../support/discovery.js"

const googleIntegrations = [
  { name: "gmail", load: () => import("../../../nodes/gmail/index.js").then((m) => m.integration) },
  {
    name: "googleDrive",
    load: () => import("../../../nodes/googleDrive/index.js").then((m) => m.integration)
  },
  {
    name: "googleSheets",
    load: () => import("../../../nodes/googleSheets/index.js").then((m) => m.integration)
  }
]

describe("examples/flows/unpaid-orders-report.json", () => {
  it("runs in the sandbox: finds, records, uploads and mails the unpaid orders", async () => {
    const result = await runFlow(join(repoRoot, "examples/flows/unpaid-orders-report.json"), {
      sandbox: true,
      env: {},
      integrations: googleIntegrations
    })
    expect(result.status, JSON.stringify(result, null, 2)).toBe("succeeded")
    if (result.status === "invalid") return
    // biome-ignore lint/suspicious/noExplicitAny: step outputs are read field by field
    const steps = result.steps as Record<string, { output: any }>
    expect(steps.unpaid!.output.count).toBe(3)
    expect(steps.record!.output.updatedRows).toBe(3)
    expect(readFileSync(steps.csv!.output.file.path, "utf8")).toBe(
      "Order,Customer,Email,Amount\n" +
        "A-1002,Grace Hopper,grace@example.com,75.5\n" +
        "A-1004,Hedy Lamarr,hedy@example.com,32.25\n" +
        "A-1005,Katherine Johnson,katherine@example.com,410\n"
    )
    expect(steps.upload!.output).toMatchObject({
      name: "unpaid-orders.csv",
      parents: ["1FakeFolderReports000000000000000"]
    })
    expect(steps.mail!.output.labelIds).toEqual(["SENT"])
  })
})
