/**
 * Connecting an account from a machine without a browser: the device authorization grant
 * (RFC 8628).
 *
 * The provider hands out a user code and a verification URL, which the user opens on any
 * other device. Meanwhile the token endpoint is polled at the interval the provider gave
 * (5 seconds when it gave none), 5 seconds slower after each `slow_down`, until the user
 * approves, declines (`access_denied`), or the code expires (`expired_token`, or the
 * announced lifetime passes). Network failures while polling back off and keep polling
 * until the code expires.
 *
 * @module
 */
import { Clock, Duration, Effect } from "effect"
import * as oauth from "oauth4webapi"
import { AuthenticationError } from "../http/errors.js"
import {
  authorizationServer,
  callServer,
  clientAuth,
  type OAuth2Client,
  oauthClient
} from "./authorizationServer.js"
import { configurationError, type OAuth2Error } from "./oauth2Errors.js"
import { joinScopes } from "./oauth2Preset.js"
import { type TokenSet, tokenSetFromResponse } from "./tokenSet.js"

/** What the user needs to approve the sign-in on another device. */
export interface DeviceCodePrompt {
  /** The code to type in at the verification URL. */
  readonly userCode: string
  readonly verificationUri: string
  /** The verification URL with the code filled in, when the provider gives one. */
  readonly verificationUriComplete?: string | undefined
  /** How long the code stays valid, in seconds. */
  readonly expiresInSeconds: number
}

/**
 * Refuses, before anything is sent, a device sign-in that asks for scopes the provider's
 * device flow does not grant (its preset's `deviceScopes`): the provider would only
 * answer `invalid_scope` after the user typed the code.
 */
export const deviceScopesAllowed = (client: OAuth2Client): Effect.Effect<void, OAuth2Error> => {
  const allowed = client.preset.deviceScopes
  if (allowed === undefined) return Effect.void
  const outside = client.scopes.filter((scope) => !allowed.includes(scope))
  if (outside.length === 0) return Effect.void
  const them = outside.length === 1 ? "it" : "them"
  return Effect.fail(
    configurationError(
      client.credentialId,
      `Credential '${client.credentialId}' needs ${outside.join(", ")}, which a device ` +
        `sign-in cannot grant for a ${client.preset.title}: it grants only ` +
        `${allowed.join(", ")}. Sign in in a browser instead (without --device), which can ` +
        `grant ${them}.`
    )
  )
}

/** Options of {@link deviceSignIn}. */
export interface DeviceSignInOptions {
  /** Shows the user code and the verification URL to the user. */
  readonly showCode: (prompt: DeviceCodePrompt) => Effect.Effect<void>
}

/**
 * Runs the device authorization grant and returns the tokens once the user approved.
 * Fails with a message that says what to do when the user declines or the code expires.
 */
export const deviceSignIn = (
  client: OAuth2Client,
  options: DeviceSignInOptions
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.gen(function* () {
    yield* deviceScopesAllowed(client)
    const as = yield* authorizationServer(client)
    if (as.device_authorization_endpoint === undefined) {
      return yield* Effect.fail(
        configurationError(
          client.credentialId,
          `The provider of credential '${client.credentialId}' has no device authorization ` +
            "endpoint; connect it in a browser instead."
        )
      )
    }
    const parameters: Record<string, string> = {}
    if (client.scopes.length > 0) parameters.scope = joinScopes(client.preset, client.scopes)
    const started = yield* Clock.currentTimeMillis
    const device = yield* callServer(
      client,
      "device_authorization",
      "start the device sign-in",
      (requestOptions) =>
        oauth
          .deviceAuthorizationRequest(
            as,
            oauthClient(client),
            clientAuth(client),
            parameters,
            requestOptions
          )
          .then((response) =>
            oauth.processDeviceAuthorizationResponse(as, oauthClient(client), response)
          ),
      as.device_authorization_endpoint
    )
    yield* options.showCode({
      userCode: device.user_code,
      verificationUri: device.verification_uri,
      verificationUriComplete: device.verification_uri_complete,
      expiresInSeconds: device.expires_in
    })
    return yield* pollForTokens(client, as, device, started + device.expires_in * 1000)
  })

// ---------------------------------------------------------------------------------------

type PollResult =
  | { readonly _tag: "Tokens"; readonly response: oauth.TokenEndpointResponse }
  | { readonly _tag: "Pending" }
  | { readonly _tag: "SlowDown"; readonly interval?: number | undefined }
  | { readonly _tag: "Expired" }
  | { readonly _tag: "Denied" }
  | { readonly _tag: "Transient" }

/** Seconds added to the interval on each `slow_down` (RFC 8628, section 3.5). */
const slowDownSeconds = 5

const pollForTokens = (
  client: OAuth2Client,
  as: oauth.AuthorizationServer,
  device: oauth.DeviceAuthorizationResponse,
  deadline: number
): Effect.Effect<TokenSet, OAuth2Error> =>
  Effect.gen(function* () {
    let interval = device.interval !== undefined && device.interval > 0 ? device.interval : 5
    const maxPolls = Math.ceil(device.expires_in) + 1
    for (let poll = 1; poll <= maxPolls; poll++) {
      yield* Effect.logDebug("waiting before polling for the device sign-in").pipe(
        Effect.annotateLogs({ credential: client.credentialId, intervalSeconds: interval, poll })
      )
      yield* Effect.sleep(Duration.seconds(interval))
      if ((yield* Clock.currentTimeMillis) >= deadline) return yield* Effect.fail(expired(client))
      const result = yield* pollOnce(client, as, device.device_code)
      switch (result._tag) {
        case "Tokens":
          return tokenSetFromResponse(result.response, yield* Clock.currentTimeMillis)
        case "Pending":
          continue
        case "SlowDown":
          interval =
            result.interval !== undefined && result.interval > interval
              ? result.interval
              : interval + slowDownSeconds
          continue
        case "Transient":
          interval = Math.min(interval * 2, 60)
          continue
        case "Denied":
          return yield* Effect.fail(
            new AuthenticationError({
              message:
                `The device sign-in for credential '${client.credentialId}' was declined ` +
                `(access_denied). Run \`rpa-integrations credentials login ${client.credentialId} ` +
                "--device` again and approve the access.",
              credential: client.credentialId
            })
          )
        case "Expired":
          return yield* Effect.fail(expired(client))
      }
    }
    return yield* Effect.fail(expired(client))
  })

const expired = (client: OAuth2Client): AuthenticationError =>
  new AuthenticationError({
    message:
      `The device code for credential '${client.credentialId}' expired before the sign-in was ` +
      `approved (expired_token). Run \`rpa-integrations credentials login ${client.credentialId} ` +
      "--device` again and enter the new code in time.",
    credential: client.credentialId
  })

const pendingCodes = new Set([
  "authorization_pending",
  "slow_down",
  "expired_token",
  "access_denied"
])

const pollOnce = (
  client: OAuth2Client,
  as: oauth.AuthorizationServer,
  deviceCode: string
): Effect.Effect<PollResult, OAuth2Error> =>
  callServer(
    client,
    "token",
    "poll for the device sign-in",
    (options) =>
      oauth
        .deviceCodeGrantRequest(as, oauthClient(client), clientAuth(client), deviceCode, options)
        .then((response) => oauth.processDeviceCodeResponse(as, oauthClient(client), response))
        .then(
          (response): PollResult => ({ _tag: "Tokens", response }),
          (cause: unknown): PollResult => {
            if (cause instanceof oauth.ResponseBodyError && pendingCodes.has(cause.error)) {
              return pollResultOf(cause)
            }
            throw cause
          }
        ),
    as.token_endpoint
  ).pipe(
    Effect.catchIf(
      (error) =>
        error._tag === "TransportError" ||
        error._tag === "TimeoutError" ||
        error._tag === "ServerError" ||
        error._tag === "RateLimitError",
      () => Effect.succeed<PollResult>({ _tag: "Transient" })
    )
  )

const pollResultOf = (cause: oauth.ResponseBodyError): PollResult => {
  switch (cause.error) {
    case "authorization_pending":
      return { _tag: "Pending" }
    case "slow_down": {
      const interval = Number(cause.cause.interval)
      return { _tag: "SlowDown", interval: Number.isFinite(interval) ? interval : undefined }
    }
    case "access_denied":
      return { _tag: "Denied" }
    default:
      return { _tag: "Expired" }
  }
}
