/**
 * A careless API on 127.0.0.1 for the secret-marker tests: it echoes every credential it
 * receives (the `Authorization` header, the decoded Basic password, the API key header and
 * the query string) back in its bodies, its error messages and its response headers, and
 * records every request exactly as it arrived, so a test can check what each server saw.
 *
 * Routes: `/echo` (JSON), `/text`, `/status/:code`, `/long-error/:code` (the credential at
 * the end of a message longer than an error excerpt), `/throttle?key=` (429 with
 * `Retry-After: 1`, then 200 when `recover=1`), `/redirect-same`, `/redirect-cross` (to
 * the `crossOrigin` server, copying the query string), `/hang` (never answers), `/reset`
 * (drops the connection), `/pages` (three pages linked by a `Link` header that repeats
 * the query string) and `/download` (a binary file that holds the credential).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"

/** A request as the server received it. */
export interface SeenRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  /** Every header line, `name: value`, as sent. */
  readonly headers: ReadonlyArray<string>
  readonly body: string
}

/** A running probe server. */
export interface ProbeServer {
  readonly url: string
  readonly requests: Array<SeenRequest>
  /** Every request as one text, for leak scans. */
  readonly seen: () => string
  readonly close: () => Promise<void>
}

/** The probe's options. */
export interface ProbeOptions {
  /** The origin `/redirect-cross` sends clients to. */
  readonly crossOrigin?: string | undefined
  /** Name of the API key header to echo; default `x-marker-key`. */
  readonly apiKeyHeader?: string | undefined
}

/** The bytes `/download` sends around the credential it echoes. */
export const downloadPrefix = Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x0a, 0x0d])

/** Starts a probe server on 127.0.0.1 with a free port. */
export const startProbe = async (options: ProbeOptions = {}): Promise<ProbeServer> => {
  const requests: Array<SeenRequest> = []
  const sockets = new Set<Socket>()
  const throttled = new Set<string>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: lines(req), body })
      route({ req, res, body, options, throttled })
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    seen: () =>
      requests.map((r) => `${r.method} ${r.url}\n${r.headers.join("\n")}\n\n${r.body}`).join("\n"),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

// ---------------------------------------------------------------------------------------

interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly body: string
  readonly options: ProbeOptions
  readonly throttled: Set<string>
}

const route = (exchange: Exchange) => {
  const { req, res, options } = exchange
  const url = new URL(req.url ?? "/", "http://probe.invalid")
  const [first, second] = url.pathname.split("/").filter((s) => s !== "")
  const echo = echoOf(exchange, url)
  const code = Number(second)
  switch (first) {
    case "echo":
    case "landing":
      return json(res, 200, echo)
    case "text":
      return send(res, 200, "text/plain; charset=utf-8", echoText(echo), echo)
    case "status":
      return json(res, code, { message: `Refused: you sent ${echo.secret}`, echo })
    case "long-error":
      return json(res, code, longError(echo))
    case "throttle":
      return throttle(exchange, url, echo)
    case "redirect-same":
      return redirect(res, `/echo?hop=2`, echo)
    case "redirect-cross":
      return redirect(res, `${options.crossOrigin}/landing${url.search}`, echo)
    case "hang":
      return
    case "reset":
      return req.socket.destroy()
    case "pages":
      return page(exchange, url, echo)
    case "download":
      return download(res, echo)
    default:
      return json(res, 404, { message: `No route ${url.pathname}; you sent ${echo.secret}`, echo })
  }
}

/** What the server echoes: every credential it could find in the request. */
interface Echo {
  readonly authorization: string | undefined
  readonly password: string | undefined
  readonly apiKey: string | undefined
  /** The query string as sent, percent-encoding and all. */
  readonly query: string
  /** The decoded query. */
  readonly params: Record<string, string>
  /** The credential itself, whichever way it came: token, password or key. */
  readonly secret: string
}

const echoOf = ({ req, options }: Exchange, url: URL): Echo => {
  const authorization = req.headers.authorization
  const basic = /^Basic (.+)$/.exec(authorization ?? "")?.[1]
  const password =
    basic === undefined
      ? undefined
      : Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":")
  const bearer = /^Bearer (.+)$/.exec(authorization ?? "")?.[1]
  const header = req.headers[options.apiKeyHeader ?? "x-marker-key"]
  const apiKey = typeof header === "string" ? header : undefined
  const params = Object.fromEntries(url.searchParams)
  const secret = bearer ?? password ?? apiKey ?? params.marker_key ?? "nothing"
  return { authorization, password, apiKey, query: url.search, params, secret }
}

const echoHeaders = (echo: Echo): Record<string, string> => ({
  "x-echo-authorization": echo.authorization ?? "",
  "x-echo-secret": echo.secret,
  "x-echo-query": echo.query
})

const json = (res: ServerResponse, status: number, body: unknown, echo?: Echo) => {
  const found = echo ?? (body as { echo?: Echo }).echo ?? (body as Echo)
  send(res, status, "application/json", JSON.stringify(body), found)
}

const send = (
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  echo: Echo,
  extra: Record<string, string> = {}
) => {
  res.writeHead(status, { "content-type": contentType, ...echoHeaders(echo), ...extra })
  res.end(body)
}

const echoText = (echo: Echo) =>
  [`authorization: ${echo.authorization}`, `secret: ${echo.secret}`, `query: ${echo.query}`].join(
    "\n"
  )

/**
 * An error whose message is longer than an excerpt and ends with the credential, placed so
 * that a 200-character excerpt cuts it three quarters of the way through.
 */
const longError = (echo: Echo) => {
  const kept = Math.ceil(echo.secret.length * 0.75)
  const lead = "The request was refused because the key is not valid for this resource. "
  const padding = ".".repeat(Math.max(0, 199 - lead.length - kept))
  const message = `${lead}${padding}${echo.secret} (check the key and try again)`
  return { message, errors: [{ field: "key", message }], echo }
}

const throttle = ({ res, throttled }: Exchange, url: URL, echo: Echo) => {
  const key = url.searchParams.get("key") ?? "default"
  if (url.searchParams.get("recover") === "1" && throttled.has(key)) return json(res, 200, echo)
  throttled.add(key)
  send(
    res,
    429,
    "application/json",
    JSON.stringify({ message: `Slow down, ${echo.secret}`, echo }),
    echo,
    { "retry-after": "1" }
  )
}

const redirect = (res: ServerResponse, location: string, echo: Echo) => {
  res.writeHead(302, { location, ...echoHeaders(echo) })
  res.end()
}

/** Three pages of two items; the `Link` to the next page repeats the query string. */
const page = ({ res }: Exchange, url: URL, echo: Echo) => {
  const n = Number(url.searchParams.get("page") ?? "1")
  const items = [1, 2].map((i) => ({ id: (n - 1) * 2 + i, page: n, echo }))
  const headers: Record<string, string> = {}
  if (n < 3) {
    const next = new URL(url.href)
    next.searchParams.delete("page")
    const search = next.search === "" ? "?" : `${next.search}&`
    headers.link = `<${`http://${res.req.headers.host}`}/pages${search}page=${n + 1}>; rel="next"`
  }
  send(res, 200, "application/json", JSON.stringify(items), echo, headers)
}

/** A binary file with the credential inside, as a careless export would include it. */
const download = (res: ServerResponse, echo: Echo) => {
  const body = Buffer.concat([
    downloadPrefix,
    Buffer.from(`secret=${echo.secret}\n`),
    downloadPrefix
  ])
  send(res, 200, "application/octet-stream", body, echo, {
    "content-disposition": 'attachment; filename="export.bin"'
  })
}

const lines = (req: IncomingMessage): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    out.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
  }
  return out
}
