/**
 * Testing a credential: the provider's cheapest identity call, signed with it.
 *
 * The call is the credential type's `test` request when it declares one; for an OAuth2
 * credential of a user, the server's userinfo endpoint; for a client credentials or
 * service account credential, getting an access token is the test. The call goes through
 * the HTTP kernel, so a refused answer is sent again once after the authenticator
 * refreshed the token, as in a run.
 *
 * @module
 */
import { Effect } from "effect"
import type { Authenticator, RefusedResponse } from "../http/authenticator.js"
import type { AuthenticationError, KernelError } from "../http/errors.js"
import { HttpKernel } from "../http/kernel.js"
import type { HttpRequest } from "../http/request.js"
import type { Credential } from "../node/credentialType.js"
import { authorizationServer } from "./authorizationServer.js"
import type { CredentialSource } from "./credentialSource.js"
import {
  type AnyCredentialType,
  grantOf,
  isOAuth2CredentialType,
  isUserGrant,
  type OAuth2Fields,
  oauth2ClientOf
} from "./oauth2CredentialType.js"
import type { OAuth2Error } from "./oauth2Errors.js"

/** How a credential test ended. */
export interface CredentialTestResult {
  /** `Passed`, `Failed`, or `Untestable` when the type declares no way to test it. */
  readonly status: "Passed" | "Failed" | "Untestable"
  /** What was checked, for example `GET https://api.github.com/user: 200`. */
  readonly checked: string
  /** Who the credential belongs to, when the provider said. */
  readonly identity?: string | undefined
  /** Why it failed, or what to do. */
  readonly message?: string | undefined
}

/** Runs the credential type's identity call with a credential. */
export const testCredential = (
  type: AnyCredentialType,
  credential: Credential<unknown>
): Effect.Effect<
  CredentialTestResult,
  AuthenticationError | OAuth2Error | KernelError,
  CredentialSource | HttpKernel
> =>
  Effect.gen(function* () {
    const authenticator = yield* type.authenticate(credential) as Effect.Effect<
      Authenticator,
      AuthenticationError,
      CredentialSource | HttpKernel
    >
    const request = yield* identityRequest(type, credential as Credential<OAuth2Fields>)
    if (request === "TokenOnly") {
      yield* authenticator.authorize
      return { status: "Passed", checked: "an access token was issued" } as const
    }
    if (request === undefined) {
      return {
        status: "Untestable",
        checked: "nothing",
        message: `Credential type ${type.type} declares no identity call to test it with.`
      } as const
    }
    const answer = yield* send(type, authenticator, request)
    const refused =
      authenticator.isRefused ?? ((response: RefusedResponse) => response.status === 401)
    return judge(type, request, answer, refused(answer))
  })

// ---------------------------------------------------------------------------------------

interface Answer extends RefusedResponse {
  readonly json: unknown
}

const identityRequest = (
  type: AnyCredentialType,
  credential: Credential<OAuth2Fields>
): Effect.Effect<HttpRequest | "TokenOnly" | undefined, OAuth2Error> => {
  if (type.test !== undefined) return Effect.succeed(type.test.request)
  if (!isOAuth2CredentialType(type)) return Effect.succeed(undefined)
  if (!isUserGrant(grantOf(type.preset, credential.fields))) return Effect.succeed("TokenOnly")
  return Effect.gen(function* () {
    const client = yield* oauth2ClientOf(type.preset, credential)
    const userinfo =
      client.server.userinfoEndpoint ?? (yield* authorizationServer(client)).userinfo_endpoint
    return userinfo === undefined ? undefined : ({ method: "GET", url: userinfo } as const)
  })
}

/** Every status the identity call returns as an answer instead of an error, to judge it. */
const everyFailureStatus = Array.from({ length: 200 }, (_, i) => 400 + i)

/**
 * Sends the identity call through the kernel, signed by the credential: timeouts,
 * redirects that drop the credential off its origin, one refresh after a refusal, and the
 * sandbox's routes all apply as in a run.
 */
const send = (
  type: AnyCredentialType,
  authenticator: Authenticator,
  request: HttpRequest
): Effect.Effect<Answer, KernelError, HttpKernel> =>
  Effect.gen(function* () {
    const kernel = yield* HttpKernel
    const client = kernel.client({ integration: integrationOf(type), authenticator })
    const response = yield* client.request({
      ...request,
      headers: { accept: "application/json", ...request.headers },
      acceptStatus: everyFailureStatus,
      maxResponseBytes: 1024 * 1024
    })
    const bodyText = Buffer.from(response.body).toString("utf8", 0, 65_536)
    return {
      status: response.status,
      headers: response.headers,
      bodyText,
      json: parseJson(bodyText)
    }
  })

/** The integration part of a credential type (`github` of `github.app`), for logs. */
const integrationOf = (type: AnyCredentialType): string => type.type.split(".")[0] ?? type.type

const judge = (
  type: AnyCredentialType,
  request: HttpRequest,
  answer: Answer,
  refused: boolean
): CredentialTestResult => {
  const checked = `${request.method} ${request.url}: ${answer.status}`
  if (refused || answer.status < 200 || answer.status >= 300) {
    return {
      status: "Failed",
      checked,
      message: refused
        ? "The provider refused the credential; reconnect it or check its fields."
        : `The provider answered ${answer.status}${providerMessage(answer.json)}.`
    }
  }
  const identified = type.test?.identify?.(answer.json) ?? { identity: identityOf(answer.json) }
  if (identified.error !== undefined) {
    return { status: "Failed", checked, message: `The provider said: ${identified.error}.` }
  }
  return { status: "Passed", checked, identity: identified.identity }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A readable name from a userinfo-like body. */
const identityOf = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const record = body as Record<string, unknown>
  for (const key of ["email", "preferred_username", "login", "userPrincipalName", "name", "sub"]) {
    if (typeof record[key] === "string" && record[key] !== "") return record[key] as string
  }
  return undefined
}

const providerMessage = (body: unknown): string => {
  if (typeof body !== "object" || body === null) return ""
  const record = body as Record<string, unknown>
  const message = record.error_description ?? record.message ?? record.error
  return typeof message === "string" ? `: ${message.slice(0, 200)}` : ""
}
