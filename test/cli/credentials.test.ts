import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, startServer, writeFlow } from "./cli.js"

type Server = Awaited<ReturnType<typeof startServer>>

const token = "stored-token-9f8e7d"
const seen: Array<string | undefined> = []
let server: Server

beforeAll(async () => {
  server = await startServer((req, res) => {
    seen.push(req.headers.authorization)
    res.writeHead(200, { "content-type": "application/json" })
    res.end("{}")
  })
})

afterAll(() => server.close())

describe("rpa-integrations credentials", () => {
  it("adds a credential from stdin, lists it without its value, runs with it, and removes it", async () => {
    const invalid = await runCli([
      "credentials",
      "add",
      "crm",
      "--type",
      "http.bearer",
      "--field",
      "tokn=x"
    ])
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain('field "token" is missing')

    const added = await runCli(
      ["credentials", "add", "crm", "--type", "http.bearer", "--stdin"],
      {},
      JSON.stringify({ token })
    )
    expect(added.code).toBe(0)

    const list = await runCli(["credentials", "list", "--json"], {
      RPA_CREDENTIAL_OTHER: JSON.stringify({
        type: "http.basic",
        username: "u",
        password: "p4ssw0rd"
      })
    })
    expect(JSON.parse(list.stdout)).toEqual([
      { id: "crm", type: "http.bearer", origin: "store", updatedAt: expect.any(String) },
      { id: "RPA_CREDENTIAL_OTHER", type: "http.basic", origin: "environment" }
    ])
    expect(list.stdout).not.toContain(token)
    expect(list.stdout).not.toContain("p4ssw0rd")

    const flow = writeFlow("stored-credential", {
      version: 1,
      name: "Stored credential",
      steps: [
        { id: "call", node: "http.request", credential: "crm", input: { url: `${server.url}/x` } }
      ]
    })
    const run = await runCli(["run", flow])
    expect(run.code).toBe(0)
    const shadowed = await runCli(["run", flow], {
      RPA_CREDENTIAL_CRM: JSON.stringify({ type: "http.bearer", token: "from-the-environment" })
    })
    expect(shadowed.code).toBe(0)
    expect(seen).toEqual([`Bearer ${token}`, "Bearer from-the-environment"])

    const removed = await runCli(["credentials", "remove", "crm"])
    expect(removed.code).toBe(0)
    const gone = await runCli(["run", flow])
    expect(gone.code).toBe(2)
  })
})
