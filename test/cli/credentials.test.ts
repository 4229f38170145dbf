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
    expect(invalid.stderr).toContain('unknown field "tokn" ("http.bearer" has the fields token)')
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
      {
        id: "crm",
        type: "http.bearer",
        origin: "store",
        updatedAt: expect.any(String),
        ready: true,
        status: "ready"
      },
      {
        id: "other",
        type: "http.basic",
        origin: "environment",
        variable: "RPA_CREDENTIAL_OTHER",
        ready: true,
        status: "ready"
      }
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

  it("lists environment credentials by id, says what is wrong with them, and which one runs use", async () => {
    await runCli([
      "credentials",
      "add",
      "b1",
      "--type",
      "http.bearer",
      "--field",
      "token=stored-b1"
    ])
    const env = {
      RPA_CREDENTIAL_B1: JSON.stringify({ type: "http.bearer", token: "env-b1-secret" }),
      RPA_CREDENTIAL_BROKEN: JSON.stringify({ type: "http.bearer", tokn: "broken-secret" }),
      RPA_CREDENTIAL_NOTJSON: "{ not-json-secret",
      RPA_CREDENTIAL_IDP: JSON.stringify({ type: "oauth2.generic", clientId: "robot" })
    }
    const text = await runCli(["credentials", "list"], env)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/b1\s+http\.bearer\s+store \(unused\)\s+ready/)
    expect(text.stdout).toMatch(/b1\s+http\.bearer\s+environment \(RPA_CREDENTIAL_B1\)\s+ready/)
    expect(text.stdout).toContain(
      '"b1" is both in the environment and in the store: runs use RPA_CREDENTIAL_B1'
    )
    expect(text.stdout).toMatch(/broken\s+http\.bearer\s+\S+.*invalid: field "token" is missing/)
    expect(text.stdout).toMatch(
      /notjson\s+environment \(RPA_CREDENTIAL_NOTJSON\)\s+invalid: is not valid JSON/
    )
    expect(text.stdout).toMatch(/idp\s+oauth2\.generic.*invalid: it names neither an issuer/)
    for (const secret of ["stored-b1", "env-b1-secret", "broken-secret", "not-json-secret"]) {
      expect(text.stdout + text.stderr).not.toContain(secret)
    }

    const rows = JSON.parse((await runCli(["credentials", "list", "--json"], env)).stdout)
    expect(rows.filter((row: { id: string }) => row.id === "b1")).toEqual([
      expect.objectContaining({ origin: "store", overriddenBy: "RPA_CREDENTIAL_B1", ready: true }),
      expect.objectContaining({ origin: "environment", variable: "RPA_CREDENTIAL_B1" })
    ])
    expect(rows.find((row: { id: string }) => row.id === "broken")).toMatchObject({
      ready: false,
      status: 'invalid: field "token" is missing'
    })
    await runCli(["credentials", "remove", "b1"])
  })

  it("refuses credential ids and OAuth2 credentials that could never work", async () => {
    for (const id of ["", "my cred", "a/b"]) {
      const added = await runCli([
        "credentials",
        "add",
        id,
        "--type",
        "http.bearer",
        "--field",
        "token=a"
      ])
      expect(added.code).toBe(2)
      expect(added.stderr).toContain(`Invalid credential id ${JSON.stringify(id)}`)
      expect(added.stderr).toContain('letters, digits, ".", "_" and "-"')
    }
    const oauth = (...fields: Array<string>) =>
      runCli([
        "credentials",
        "add",
        "idp",
        "--type",
        "oauth2.generic",
        ...["clientId=robot", ...fields].flatMap((field) => ["--field", field])
      ])
    const nowhere = await oauth()
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toContain('set the field "issuer"')
    const plain = await oauth("issuer=http://login.example.test")
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain("is not an https:// address")
    const loopback = await oauth("tokenEndpoint=http://127.0.0.1:9/token")
    expect(loopback.code).toBe(2)
    expect(loopback.stderr).toContain('set the field "insecureLoopbackIssuer" to true')
    const list = await runCli(["credentials", "list", "--json"])
    expect(JSON.parse(list.stdout)).toEqual([])

    const ok = await oauth("tokenEndpoint=http://127.0.0.1:9/token", "insecureLoopbackIssuer=true")
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain("credentials login idp")
    expect((await runCli(["credentials", "remove", "idp"])).code).toBe(0)
  })

  it("exits 1 from every command when the store cannot be opened or decrypted", async () => {
    await runCli(["credentials", "add", "kept", "--type", "http.bearer", "--field", "token=k3pt"])
    for (const key of [`${"A".repeat(43)}=`, "not-a-key"]) {
      const env = { RPA_INTEGRATIONS_KEY: key }
      const runs = {
        list: await runCli(["credentials", "list"], env),
        add: await runCli(
          ["credentials", "add", "x", "--type", "http.bearer", "--field", "token=t"],
          env
        ),
        remove: await runCli(["credentials", "remove", "kept"], env),
        login: await runCli(["credentials", "login", "kept"], env),
        test: await runCli(["credentials", "test", "kept"], env)
      }
      for (const [command, run] of Object.entries(runs)) {
        expect([command, run.code]).toEqual([command, 1])
        expect(run.stderr).toMatch(/Cannot decrypt the credential store|RPA_INTEGRATIONS_KEY/)
      }
    }
    expect((await runCli(["credentials", "remove", "kept"])).code).toBe(0)
  })
})
