/**
 * What the provider fakes share: a recording HTTP server on 127.0.0.1, request helpers,
 * a PKCE check, and a user agent that follows an authorization URL back to the loopback
 * redirect the way a browser would after the user approved.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { Scope } from "effect"
import { Effect, Fiber, TestClock } from "effect"

/** One request a fake received. */
export interface Recorded {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage["headers"]
  readonly form: URLSearchParams
}

/** What a route handler gets. */
export interface FakeRequest extends Recorded {
  readonly response: ServerResponse
}

/** A running fake provider. */
export interface FakeHttp {
  readonly origin: string
  /** Requests received, oldest first; filtered by path when given. */
  readonly received: (path?: string) => ReadonlyArray<Recorded>
}

/** Starts a fake provider with one handler for every request; closed with the scope. */
export const startFake = (
  handle: (request: FakeRequest) => void | Promise<void>
): Effect.Effect<FakeHttp, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const received: Array<Recorded> = []
      const server = createServer((request, response) => {
        readBody(request)
          .then(async (body) => {
            const url = new URL(request.url ?? "/", "http://127.0.0.1")
            const recorded: Recorded = {
              method: request.method ?? "GET",
              path: url.pathname,
              query: url.searchParams,
              headers: request.headers,
              form: new URLSearchParams(body)
            }
            received.push(recorded)
            await handle({ ...recorded, response })
          })
          .catch(() => response.destroy())
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      return {
        server,
        fake: {
          origin,
          received: (path?: string) => received.filter((r) => path === undefined || r.path === path)
        }
      }
    }),
    ({ server }) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          })
      )
  ).pipe(Effect.map(({ fake }) => fake))

/** Answers with JSON. */
export const json = (response: ServerResponse, status: number, body: unknown): void => {
  response
    .writeHead(status, { "content-type": "application/json; charset=utf-8" })
    .end(JSON.stringify(body))
}

/** Answers with a form-encoded body. */
export const form = (
  response: ServerResponse,
  status: number,
  body: Record<string, string | number>
): void => {
  const encoded = new URLSearchParams(
    Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])
  )
  response
    .writeHead(status, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" })
    .end(encoded.toString())
}

/** A random token with a recognisable prefix. */
export const token = (prefix: string): string => `${prefix}${randomBytes(12).toString("hex")}`

/** Whether a PKCE code verifier matches an S256 code challenge. */
export const pkceMatches = (verifier: string | null, challenge: string | undefined): boolean =>
  verifier !== null &&
  challenge !== undefined &&
  createHash("sha256").update(verifier).digest("base64url") === challenge

/** The client id and secret of a token request, from HTTP Basic or the form. */
export const clientOf = (
  request: Recorded
): { readonly id?: string | null; readonly secret?: string | null } => {
  const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1]
  if (basic !== undefined) {
    const [id, secret] = Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
    return { id, secret }
  }
  return { id: request.form.get("client_id"), secret: request.form.get("client_secret") }
}

/**
 * Follows an authorization URL like a browser whose user approves at once: requests it,
 * follows its redirect to the loopback callback, and resolves with the page shown there.
 */
export const approveInFakeBrowser = (url: string): Promise<string> =>
  fetch(url, { redirect: "manual" }).then(async (answer) => {
    const location = answer.headers.get("location")
    if (location === null) return `no redirect: ${answer.status} ${await answer.text()}`
    return (await fetch(location)).text()
  })

/** The `openUrl` of a login whose user approves in the fake browser, and the page it saw. */
export const fakeBrowserUser = () => {
  let page: Promise<string> = Promise.resolve("")
  const opened: Array<URL> = []
  return {
    opened,
    openUrl: (url: string) =>
      Effect.sync(() => {
        opened.push(new URL(url))
        page = approveInFakeBrowser(url)
      }),
    showCode: () => Effect.void,
    page: () => Effect.promise(() => page)
  }
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** Waits (in real time, at most 2 seconds) until a condition holds. */
export const waitUntil = (condition: () => boolean): Effect.Effect<void> =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && !condition(); i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
  })

/**
 * Runs an effect that sleeps on the test clock while it talks to a fake over the real
 * network: moves the clock `stepSeconds` at a time, letting the network answer between
 * steps, until the effect ends (at most `maxSteps` steps).
 */
export const runWithTestClock = <A, E>(
  effect: Effect.Effect<A, E>,
  stepSeconds = 1,
  maxSteps = 200
): Effect.Effect<A, E> =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let step = 0; step < maxSteps; step++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 15)))
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") break
      yield* TestClock.adjust(`${stepSeconds} seconds`)
    }
    return yield* Fiber.join(fiber)
  })
