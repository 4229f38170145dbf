import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { root, runCli, scratch, startServer, writeFlow } from "./cli.js"

type Server = Awaited<ReturnType<typeof startServer>>

const token = "tok_7Hq2-unit-secret-Zx91"

let server: Server

beforeAll(async () => {
  server = await startServer((req, res) => {
    const status = Number(/^\/status\/(\d+)/.exec(req.url ?? "")?.[1] ?? 200)
    // Echoes the credential back, as careless APIs do, to check the scrubber.
    res.writeHead(status, {
      "content-type": "application/json",
      "x-echo": String(req.headers.authorization)
    })
    res.end(
      JSON.stringify({
        status,
        authorization: req.headers.authorization,
        error: `bad ${req.headers.authorization}`
      })
    )
  })
})

afterAll(() => server.close())

const request = (id: string, path: string, extra: Record<string, unknown> = {}) => ({
  id,
  node: "http.request",
  input: { url: `${server.url}${path}`, ...extra }
})

describe("rpa-integrations run", () => {
  it("exits 2 naming the step and field of a schema-invalid input, and sends nothing", async () => {
    const before = server.requests.length
    const flow = writeFlow("invalid-input", {
      version: 1,
      name: "Invalid input",
      steps: [
        request("first", "/status/200"),
        request("second", "/status/200", { method: "FETCH" })
      ]
    })
    const run = await runCli(["run", flow])
    expect(run.code).toBe(2)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ status: "invalid", error: { _tag: "FlowError" } })
    expect(result.error.issues).toContainEqual({
      path: "steps[1].input.method",
      message: expect.stringContaining('step "second" (http.request)')
    })
    expect(run.stderr).toContain("steps[1].input.method")
    expect(server.requests.length).toBe(before)
  })

  it("exits 2 for a credential reference that is defined nowhere", async () => {
    const flow = writeFlow("bad-credential", {
      version: 1,
      name: "Bad credential",
      steps: [{ ...request("call", "/status/200"), credential: "crm-bot" }]
    })
    const run = await runCli(["run", flow])
    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout).error.issues).toEqual([
      { path: "steps[0].credential", message: expect.stringContaining("RPA_CREDENTIAL_CRM_BOT") }
    ])
  })

  it("exits 2 for an undeclared --input and a malformed one", async () => {
    const flow = writeFlow("inputs", {
      version: 1,
      name: "Inputs",
      inputs: { path: { default: "/status/200" } },
      steps: [
        { id: "call", node: "http.request", input: { url: `${server.url}{{ inputs.path }}` } }
      ]
    })
    const undeclared = await runCli(["run", flow, "--input", "paht=/x"])
    expect(undeclared.code).toBe(2)
    expect(undeclared.stderr).toContain('declares no input "paht"')
    const malformed = await runCli(["run", flow, "--input", "path"])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain("write name=value")
  })

  it("exits 1 with the failed step's typed error, and skips the steps after it", async () => {
    const flow = writeFlow("failing", {
      version: 1,
      name: "Failing",
      inputs: { path: { default: "/status/200" } },
      steps: [
        request("ok", "/status/200"),
        { id: "missing", node: "http.request", input: { url: `${server.url}{{ inputs.path }}` } },
        request("never", "/status/200")
      ]
    })
    const run = await runCli(["run", flow, "--input", "path=/status/404"])
    expect(run.code).toBe(1)
    const result = JSON.parse(run.stdout)
    expect(result.status).toBe("failed")
    expect(result.steps.ok).toMatchObject({
      status: "succeeded",
      attempts: 1,
      output: { status: 200 }
    })
    expect(result.steps.missing).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { _tag: "NotFoundError", status: 404, retryable: false, method: "GET" }
    })
    expect(result.steps.missing.error.message).toEqual(expect.any(String))
    expect(result.steps.never).toEqual({ status: "skipped", attempts: 0, durationMs: 0 })
    expect(run.stderr).toMatch(/✗ \[2\/3\] missing {2}http\.request {2}failed in .*NotFoundError/)
  })

  it("never prints a credential's token, at debug level, whatever the responses", async () => {
    const flow = writeFlow("secret", {
      version: 1,
      name: "Secret",
      steps: [
        { ...request("echo", "/status/200"), credential: "x" },
        { ...request("unauthorized", "/status/401"), credential: "x", onError: "continue" },
        { ...request("missing", "/status/404"), credential: "x", onError: "continue" },
        {
          ...request("broken", "/status/500", { retry: { maxAttempts: 2 } }),
          credential: "x",
          onError: "continue"
        }
      ]
    })
    const output = join(scratch, "secret-result.json")
    const credential = JSON.stringify({ type: "http.bearer", token })
    for (const format of ["pretty", "json"]) {
      const run = await runCli(["run", flow, "--log-level", "debug", "--log-format", format], {
        RPA_CREDENTIAL_X: credential
      })
      expect(run.code).toBe(0)
      const result = JSON.parse(run.stdout)
      expect(result.steps.echo.output.body.authorization).toBe("***")
      expect(result.steps.unauthorized.error._tag).toBe("AuthenticationError")
      expect(result.steps.missing.error._tag).toBe("NotFoundError")
      expect(result.steps.broken).toMatchObject({ attempts: 2, error: { _tag: "ServerError" } })
      expect(run.stderr.match(/http attempt/g)).toHaveLength(5)
      expect(`${run.stdout}\n${run.stderr}`).not.toContain(token)
    }
    const withFile = await runCli(["run", flow, "--output", output], {
      RPA_CREDENTIAL_X: credential
    })
    expect(withFile.stdout).toBe("")
    expect(readFileSync(output, "utf8")).toContain(`"authorization": "***"`)
    expect(readFileSync(output, "utf8")).not.toContain(token)
  })

  it("exits 2 before sending anything when --output names a missing directory", async () => {
    const before = server.requests.length
    const flow = writeFlow("unwritable-output", {
      version: 1,
      name: "Unwritable output",
      steps: [request("first", "/status/200")]
    })
    const missing = join(scratch, "no-such-directory", "result.json")
    const run = await runCli(["run", flow, "--output", missing])
    expect(run.code).toBe(2)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ status: "invalid", error: { _tag: "FlowError" } })
    expect(result.error.issues[0]).toEqual({
      path: `--output ${missing}`,
      message: expect.stringContaining("does not exist; create it first")
    })
    expect(server.requests.length).toBe(before)

    const directory = await runCli(["run", flow, "--output", scratch])
    expect(directory.code).toBe(2)
    expect(JSON.parse(directory.stdout).error.issues[0].message).toContain("it is a directory")
    expect(server.requests.length).toBe(before)
  })

  it("blocks a sandbox run from reaching an origin that is not faked", async () => {
    const flow = writeFlow("sandbox-escape", {
      version: 1,
      name: "Escape",
      steps: [{ id: "out", node: "http.request", input: { url: "https://api.example.com/items" } }]
    })
    const run = await runCli(["run", flow, "--sandbox"])
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).steps.out.error).toMatchObject({
      _tag: "TransportError",
      requestSent: false,
      url: "https://api.example.com"
    })
  })

  it.each(readdirSync(join(root, "examples", "flows")).filter((file) => file.endsWith(".json")))(
    "runs the example flow %s in the sandbox",
    async (file) => {
      const run = await runCli([
        "run",
        join("examples", "flows", file),
        "--sandbox",
        "--files-dir",
        join(scratch, file)
      ])
      expect(run.stderr).not.toContain("✗")
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: "succeeded",
        filesDir: join(scratch, file)
      })
    }
  )
})
