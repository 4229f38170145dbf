import { describe, expect, it } from "vitest"
import { runCli } from "./cli.js"

describe("rpa-integrations", () => {
  it("lists the nodes, as a table and as JSON", async () => {
    const table = await runCli(["nodes"])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^http\.request@1\s/m)
    const json = await runCli(["nodes", "--json"])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ type: "http.request", version: 1 })
    )
  })

  it("describes a node, and exits 2 for an unknown one", async () => {
    const described = await runCli(["describe", "http.request"])
    expect(described.code).toBe(0)
    expect(described.stdout).toContain("http.request@1")
    expect(described.stdout).toContain("url")
    const unknown = await runCli(["describe", "http.reqest"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Did you mean "http.request"?')
  })

  it("finds manifest.json and schemas/ up to date", async () => {
    const check = await runCli(["manifest", "--check"])
    expect(check.stdout).toContain("up to date")
    expect(check.code).toBe(0)
  })

  it("exits 2 for a command line it does not understand", async () => {
    const run = await runCli(["run", "flow.json", "--no-such-option"])
    expect(run.code).toBe(2)
  })

  it("explains itself with --help", async () => {
    const help = await runCli(["run", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--sandbox")
    expect(help.stdout).toContain("--input name=value")
  })
})
