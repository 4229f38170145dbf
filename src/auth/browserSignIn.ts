/**
 * Connecting an account in a browser: the authorization code grant with PKCE through a
 * loopback redirect (RFC 8252).
 *
 * A one-shot HTTP server listens on 127.0.0.1 on a random port; the authorization request
 * carries a fresh `state` and an S256 code challenge, and names that server as its
 * redirect URI. Any local process can reach that server, so only a request to the callback
 * path that carries this login's `state` is taken as the browser coming back: another
 * state gets a small error page and is ignored, another path a 404, and the login keeps
 * waiting (up to its timeout). When the browser comes back, the response is checked
 * (`state`, and `iss` where the server sends or announces it; an error from the server
 * ends the login), the code is exchanged with the code verifier, and the browser is shown
 * a small page that says whether it worked. The server is closed when the sign-in ends,
 * whatever the outcome.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { Scope } from "effect"
import { Deferred, Duration, Effect, Exit, Redacted, Runtime } from "effect"
import * as oauth from "oauth4webapi"
import { AuthenticationError } from "../http/errors.js"
import { authorizationServer, type OAuth2Client, oauthClient } from "./authorizationServer.js"
import { exchangeAuthorizationCode } from "./grants.js"
import { configurationError, fromOAuthFailure, type OAuth2Error } from "./oauth2Errors.js"
import { joinScopes } from "./oauth2Preset.js"
import type { TokenSet } from "./tokenSet.js"

/** Options of {@link browserSignIn}. */
export interface BrowserSignInOptions {
  /** Shows the authorization URL to the user and opens a browser where one exists. */
  readonly openUrl: (url: string) => Effect.Effect<void>
  /** How long to wait for the user to finish signing in. Default 5 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Runs the authorization code flow with PKCE through a loopback redirect and returns the
 * tokens. Fails when the user declines, the response does not match the request, the
 * code exchange fails, or nobody signs in before the timeout.
 */
export const browserSignIn = (
  client: OAuth2Client,
  options: BrowserSignInOptions
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.scoped(
    Effect.gen(function* () {
      const as = yield* authorizationServer(client)
      if (as.authorization_endpoint === undefined) {
        return yield* Effect.fail(
          configurationError(
            client.credentialId,
            `The provider of credential '${client.credentialId}' has no authorization endpoint, so ` +
              "it cannot be connected in a browser; use the device flow instead."
          )
        )
      }
      const state = oauth.generateRandomState()
      const callback = yield* startCallbackServer(state)
      const verifier = Redacted.make(oauth.generateRandomCodeVerifier())
      const challenge = yield* Effect.promise(() =>
        oauth.calculatePKCECodeChallenge(Redacted.value(verifier))
      )
      const url = authorizationUrl(
        client,
        as.authorization_endpoint,
        callback.redirectUri,
        state,
        challenge
      )

      yield* Effect.logDebug("waiting for the browser sign-in").pipe(
        Effect.annotateLogs({ credential: client.credentialId, redirectUri: callback.redirectUri })
      )
      yield* options.openUrl(url)
      const outcome = yield* Deferred.await(callback.received).pipe(
        Effect.timeoutFail({
          duration: options.timeout ?? Duration.minutes(5),
          onTimeout: () =>
            new AuthenticationError({
              message:
                `Nobody finished signing in for credential '${client.credentialId}' in time; run ` +
                "the login again and complete it in the browser.",
              credential: client.credentialId
            })
        }),
        Effect.flatMap((received) =>
          Effect.flatMap(validateResponse(client, as, received, state), (parameters) =>
            exchangeAuthorizationCode(client, parameters, callback.redirectUri, verifier)
          )
        ),
        Effect.exit
      )
      yield* callback.finish(
        Exit.isSuccess(outcome)
          ? { ok: true, message: "The account is connected. You can close this window." }
          : { ok: false, message: `The account was not connected: ${failureMessage(outcome)}` }
      )
      return yield* outcome
    })
  )

// ---------------------------------------------------------------------------------------

interface CallbackServer {
  readonly redirectUri: string
  /** The URL the browser was redirected to with this login's state, once it arrives. */
  readonly received: Deferred.Deferred<URL>
  /** Shows the outcome to the browser that is waiting, then lets the server close. */
  readonly finish: (page: { readonly ok: boolean; readonly message: string }) => Effect.Effect<void>
}

const callbackPath = "/callback"

/**
 * Starts the loopback server. Only a GET of the callback path with this login's `state`
 * settles `received`; anything else is answered and ignored.
 */
const startCallbackServer = (state: string): Effect.Effect<CallbackServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const received = yield* Deferred.make<URL>()
    const page = yield* Deferred.make<{ readonly ok: boolean; readonly message: string }>()
    const sent = yield* Deferred.make<void>()
    const run = Runtime.runFork(runtime)

    const handle = (request: IncomingMessage, response: ServerResponse, redirectUri: string) => {
      const url = new URL(request.url ?? "/", redirectUri)
      if (request.method !== "GET" || url.pathname !== callbackPath) {
        response.writeHead(404, { "content-type": "text/plain" }).end("Not found")
        return
      }
      if (!isState(url.searchParams.get("state"), state)) {
        writePage(response, {
          ok: false,
          title: "Not this sign-in",
          message:
            "This response does not belong to the sign-in in progress, so it was ignored. " +
            "Finish signing in in the window the login opened, or start the login again."
        })
        run(
          Effect.logWarning(
            "Ignored a request to the sign-in callback that does not carry this login's state; " +
              "still waiting for the browser."
          )
        )
        return
      }
      run(
        Effect.gen(function* () {
          const first = yield* Deferred.succeed(received, url)
          if (!first) {
            writePage(response, { ok: false, message: "This sign-in was already handled." })
            return
          }
          const outcome = yield* Deferred.await(page)
          response.on("finish", () => run(Deferred.succeed(sent, undefined)))
          writePage(response, outcome)
        })
      )
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<Server>((resume) => {
        const server = createServer()
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as AddressInfo
    const redirectUri = `http://127.0.0.1:${port}${callbackPath}`
    server.on("request", (request, response) => handle(request, response, redirectUri))

    return {
      redirectUri,
      received,
      finish: (outcome) =>
        Effect.gen(function* () {
          yield* Deferred.succeed(page, outcome)
          if (yield* Deferred.isDone(received)) {
            yield* Deferred.await(sent).pipe(Effect.timeout("5 seconds"), Effect.ignore)
          }
        })
    }
  })

/** Whether a redirect's `state` is this login's (compared in constant time). */
const isState = (received: string | null, expected: string): boolean => {
  if (received === null) return false
  const a = Buffer.from(received)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const authorizationUrl = (
  client: OAuth2Client,
  endpoint: string,
  redirectUri: string,
  state: string,
  challenge: string
): string => {
  const url = new URL(endpoint)
  const parameters: Record<string, string> = {
    ...client.preset.authorizationParameters,
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256"
  }
  if (client.scopes.length > 0) {
    parameters[client.preset.scopeParameter ?? "scope"] = joinScopes(client.preset, client.scopes)
  }
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value)
  return url.href
}

/** Checks `state` and `iss` of the redirect, and turns an error redirect into a failure. */
const validateResponse = (
  client: OAuth2Client,
  as: oauth.AuthorizationServer,
  received: URL,
  state: string
): Effect.Effect<URLSearchParams, OAuth2Error> =>
  Effect.try({
    try: () => oauth.validateAuthResponse(as, oauthClient(client), received.searchParams, state),
    catch: (cause) =>
      cause instanceof oauth.OperationProcessingError
        ? new AuthenticationError({
            message:
              `The sign-in response for credential '${client.credentialId}' does not match this ` +
              `login (${cause.message}); start the login again.`,
            credential: client.credentialId
          })
        : fromOAuthFailure(cause, { credentialId: client.credentialId, step: "sign in" })
  })

const failureMessage = (exit: Exit.Exit<unknown, OAuth2Error>): string =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail"
    ? exit.cause.error.message
    : "the sign-in failed."

const writePage = (
  response: ServerResponse,
  outcome: { readonly ok: boolean; readonly message: string; readonly title?: string }
): void => {
  const title = outcome.title ?? (outcome.ok ? "Connected" : "Not connected")
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}` +
    `h1{font-size:1.4rem}</style></head><body><h1>${title}</h1><p>${escapeHtml(outcome.message)}</p>` +
    `</body></html>`
  response
    .writeHead(outcome.ok ? 200 : 400, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer"
    })
    .end(html)
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
