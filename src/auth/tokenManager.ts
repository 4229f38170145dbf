/**
 * The token manager: one credential's access token, kept valid for as long as a run
 * needs it.
 *
 * - The token is renewed before it expires (a configurable skew), and once after the
 *   provider refused it.
 * - Renewals are single flight: any number of concurrent steps on one credential wait for
 *   one token request and share its result.
 * - A rotated refresh token is saved to the credential source, atomically, before the new
 *   access token is handed out. When saving fails, the new tokens stay in memory and are
 *   saved before the next use.
 * - Before refreshing, the manager takes the credential's renewal lock when its source has
 *   one (the store does, for every process on the machine), and reads the credential
 *   again: when another process (or a new login) stored newer tokens, it adopts them
 *   instead of spending a refresh token that may already be revoked.
 * - A refused refresh token (`invalid_grant`), and an expired token without a refresh
 *   token, end in an `AuthenticationError` that says to reconnect the credential. The
 *   manager remembers it and sends no further token request until the credential changes.
 * - A token obtained with client credentials or a service account is simply requested
 *   again; it is kept in memory only.
 * - A credential from the environment (`RPA_CREDENTIAL_<ID>`) keeps working: its renewed
 *   tokens live in memory for the run, and the log says once that they were not saved.
 *
 * @module
 */
import { Clock, Effect, Option, Redacted } from "effect"
import type { Authorization } from "../http/authenticator.js"
import { AuthenticationError } from "../http/errors.js"
import type { CredentialError } from "./credentialSource.js"
import { CredentialSource } from "./credentialSource.js"
import { type OAuth2Error, reconnectError } from "./oauth2Errors.js"
import { sameTokens, type TokenSet, tokenFields, tokenSetFromFields } from "./tokenSet.js"

/** How a credential gets a new access token. */
export type TokenSource =
  /** A user's grant: renewed with its refresh token, and saved. */
  | {
      readonly _tag: "RefreshToken"
      readonly refresh: (
        tokens: TokenSet & { readonly refreshToken: Redacted.Redacted<string> }
      ) => Effect.Effect<TokenSet, OAuth2Error>
    }
  /** A grant the client can repeat alone (client credentials, JWT bearer); not saved. */
  | { readonly _tag: "Request"; readonly request: Effect.Effect<TokenSet, OAuth2Error> }

/** What a token manager is made from. */
export interface TokenManagerOptions {
  readonly credentialId: string
  /** The tokens the credential holds now, if any. */
  readonly initial: Option.Option<TokenSet>
  readonly source: TokenSource
  /** Renew a token this long before it expires. Default 60 seconds. */
  readonly refreshSkewMs?: number | undefined
}

/** One credential's access token, renewed as needed. */
export interface TokenManager {
  readonly credentialId: string
  /** The `Authorization` header of a valid access token; renews it when it is due. */
  readonly authorization: Effect.Effect<Authorization, AuthenticationError>
  /**
   * Renews the token after the provider refused it. True when the caller should send its
   * request again; fails when only reconnecting can help.
   */
  readonly refreshAfterRefusal: Effect.Effect<boolean, AuthenticationError>
}

/**
 * Makes a token manager for a credential, saving through the run's credential source.
 * Nothing is sent until a token is needed.
 */
export const makeTokenManager = (
  options: TokenManagerOptions
): Effect.Effect<TokenManager, never, CredentialSource> =>
  Effect.map(CredentialSource, (source) => createTokenManager(options, source))

/**
 * The token manager of a credential for this run: every step of the run that uses the
 * credential shares one manager (and so one refresh), keyed by the run's credential
 * source and `key`.
 */
export const sharedTokenManager = (
  key: string,
  options: TokenManagerOptions
): Effect.Effect<TokenManager, never, CredentialSource> =>
  Effect.map(CredentialSource, (source) => {
    let managers = managersBySource.get(source)
    if (managers === undefined) {
      managers = new Map()
      managersBySource.set(source, managers)
    }
    const existing = managers.get(key)
    if (existing !== undefined) return existing
    const created = createTokenManager(options, source)
    managers.set(key, created)
    return created
  })

// ---------------------------------------------------------------------------------------

type Source = CredentialSource["Type"]

const managersBySource = new WeakMap<Source, Map<string, TokenManager>>()

/** A token obtained this recently was renewed by a concurrent caller after a refusal. */
const recentlyRenewedMs = 5_000

type State =
  | { readonly _tag: "Empty" }
  | {
      readonly _tag: "Ready"
      readonly tokens: TokenSet
      readonly authorization: Authorization
      /** True while the tokens are not yet saved (saving failed). */
      readonly unsaved: boolean
    }
  | { readonly _tag: "Reconnect"; readonly error: AuthenticationError }

const createTokenManager = (options: TokenManagerOptions, source: Source): TokenManager => {
  const { credentialId } = options
  const skewMs = options.refreshSkewMs ?? 60_000
  const lock = Effect.unsafeMakeSemaphore(1)
  let state: State = Option.match(options.initial, {
    onNone: () => ({ _tag: "Empty" }),
    onSome: (tokens) => ready(tokens, false)
  })
  let lastStored: TokenSet | undefined = Option.getOrUndefined(options.initial)
  let origin: "environment" | "store" | "sandbox" | undefined
  let toldNotSaved = false

  const isFresh = (tokens: TokenSet, now: number): boolean => {
    if (tokens.expiresAt === undefined) return true
    const lifetime =
      tokens.obtainedAt === undefined ? Infinity : tokens.expiresAt - tokens.obtainedAt
    return now < tokens.expiresAt - Math.min(skewMs, lifetime / 2)
  }

  const currentTokens = (): TokenSet | undefined =>
    state._tag === "Ready" ? state.tokens : undefined

  /** Adopts tokens that reached the store since we last looked (a new login, another run). */
  const adoptStored = Effect.gen(function* () {
    const found = yield* source.get(credentialId).pipe(Effect.mapError(storeFailure(credentialId)))
    if (Option.isNone(found)) return false
    origin = found.value.origin
    if (origin !== "store") return false
    const stored = Option.getOrUndefined(tokenSetFromFields(found.value.fields))
    if (sameTokens(stored, lastStored)) return false
    lastStored = stored
    if (stored === undefined || sameTokens(stored, currentTokens())) return false
    yield* Effect.logDebug("using tokens saved by another process").pipe(
      Effect.annotateLogs({ credential: credentialId })
    )
    state = ready(stored, false)
    return true
  })

  const save = (tokens: TokenSet) =>
    Effect.gen(function* () {
      state = ready(tokens, true)
      yield* source
        .update(credentialId, tokenFields(tokens))
        .pipe(Effect.mapError(saveFailure(credentialId)))
      lastStored = tokens
      state = ready(tokens, false)
      if (origin === "environment" && !toldNotSaved) {
        toldNotSaved = true
        yield* Effect.logInfo(
          `Credential '${credentialId}' comes from the environment: its renewed token is used ` +
            "for this run only and was not saved."
        ).pipe(Effect.annotateLogs({ credential: credentialId }))
      }
    })

  const obtain = (reason: "expiring" | "refused") =>
    Effect.gen(function* () {
      const { source: tokenSource } = options
      if (state._tag === "Reconnect") return yield* Effect.fail(state.error)
      if (tokenSource._tag === "Request") {
        const tokens = yield* tokenSource.request.pipe(
          Effect.tapError((error) =>
            error._tag === "AuthenticationError" ? Effect.sync(() => remember(error)) : Effect.void
          ),
          Effect.mapError(renewalFailure(credentialId, "request an access token"))
        )
        state = ready(tokens, false)
        return state
      }

      const tokens = currentTokens()
      if (tokens === undefined) return yield* Effect.fail(remember(notConnected(credentialId)))
      const refreshToken = tokens.refreshToken
      if (refreshToken === undefined) {
        return yield* Effect.fail(remember(cannotRenew(credentialId, tokens, reason)))
      }

      yield* Effect.logDebug("refreshing the access token").pipe(
        Effect.annotateLogs({ credential: credentialId, reason })
      )
      const renewed = yield* tokenSource.refresh({ ...tokens, refreshToken }).pipe(
        Effect.mapError(renewalFailure(credentialId, "refresh the access token")),
        Effect.tapError((error) =>
          error.reconnect === true ? Effect.sync(() => remember(error)) : Effect.void
        )
      )
      const rotated = !sameSecret(renewed.refreshToken, refreshToken)
      yield* save(renewed)
      yield* Effect.logInfo("refreshed the access token").pipe(
        Effect.annotateLogs({
          credential: credentialId,
          rotated,
          expiresAt:
            renewed.expiresAt === undefined ? "never" : new Date(renewed.expiresAt).toISOString()
        })
      )
      if (rotated && origin === "environment") {
        yield* Effect.logWarning(
          `The provider rotated the refresh token of credential '${credentialId}', which comes ` +
            "from the environment: the old one may stop working after this run. Save the " +
            `credential with \`rpa-integrations credentials add ${credentialId}\` to keep it current.`
        ).pipe(Effect.annotateLogs({ credential: credentialId }))
      }
      return state
    })

  const remember = (error: AuthenticationError): AuthenticationError => {
    state = { _tag: "Reconnect", error }
    return error
  }

  /** Under the lock: saves pending tokens, adopts stored ones, then renews if still needed. */
  const renew = (reason: "expiring" | "refused") =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const before = state
      if (before._tag === "Ready" && before.unsaved) yield* save(before.tokens)
      if (state._tag === "Ready" && reason === "expiring" && isFresh(state.tokens, now)) {
        return { state, renewed: false }
      }
      if (state._tag === "Ready" && reason === "refused" && isRecent(state.tokens, now)) {
        return { state, renewed: true }
      }
      if (options.source._tag === "Request") return { state: yield* obtain(reason), renewed: true }
      return yield* acrossProcesses(
        Effect.gen(function* () {
          const adopted = yield* adoptStored
          const later = yield* Clock.currentTimeMillis
          if (adopted && state._tag === "Ready" && isFresh(state.tokens, later)) {
            return { state, renewed: true }
          }
          return { state: yield* obtain(reason), renewed: true }
        })
      )
    }).pipe(lock.withPermits(1))

  /** Holds the source's renewal lock, when it has one, so other processes wait for us. */
  const acrossProcesses = <A>(
    effect: Effect.Effect<A, AuthenticationError>
  ): Effect.Effect<A, AuthenticationError> =>
    source.exclusive === undefined
      ? effect
      : source
          .exclusive(credentialId, effect)
          .pipe(
            Effect.mapError((error) =>
              error._tag === "CredentialError" ? storeFailure(credentialId)(error) : error
            )
          )

  const authorization: Effect.Effect<Authorization, AuthenticationError> = Effect.flatMap(
    Clock.currentTimeMillis,
    (now) => {
      const current = state
      if (current._tag === "Ready" && !current.unsaved && isFresh(current.tokens, now)) {
        return Effect.succeed(current.authorization)
      }
      return Effect.flatMap(renew("expiring"), ({ state: renewed }) =>
        renewed._tag === "Ready"
          ? Effect.succeed(renewed.authorization)
          : Effect.fail(notConnected(credentialId))
      )
    }
  )

  return {
    credentialId,
    authorization,
    refreshAfterRefusal: Effect.map(renew("refused"), ({ renewed }) => renewed)
  }
}

const ready = (tokens: TokenSet, unsaved: boolean): State => ({
  _tag: "Ready",
  tokens,
  unsaved,
  authorization: {
    headers: { authorization: Redacted.make(`Bearer ${Redacted.value(tokens.accessToken)}`) }
  }
})

const isRecent = (tokens: TokenSet, now: number): boolean =>
  tokens.obtainedAt !== undefined && now - tokens.obtainedAt < recentlyRenewedMs

const sameSecret = (
  a: Redacted.Redacted<string> | undefined,
  b: Redacted.Redacted<string> | undefined
): boolean =>
  a === undefined ? b === undefined : b !== undefined && Redacted.value(a) === Redacted.value(b)

const notConnected = (credentialId: string): AuthenticationError =>
  reconnectError(credentialId, `Credential '${credentialId}' holds no access token yet.`)

const cannotRenew = (
  credentialId: string,
  tokens: TokenSet,
  reason: "expiring" | "refused"
): AuthenticationError =>
  reconnectError(
    credentialId,
    reason === "expiring" && tokens.expiresAt !== undefined
      ? `The access token of credential '${credentialId}' expired at ` +
          `${new Date(tokens.expiresAt).toISOString()}, and the provider gave no refresh token to renew it.`
      : `The provider refused the access token of credential '${credentialId}', and there is ` +
          "no refresh token to renew it."
  )

const renewalFailure =
  (credentialId: string, step: string) =>
  (error: OAuth2Error): AuthenticationError =>
    error._tag === "AuthenticationError"
      ? error
      : new AuthenticationError({
          message: `Could not ${step} of credential '${credentialId}': ${error.message}`,
          credential: credentialId,
          reconnect: false,
          status: error.status,
          url: error.url
        })

const storeFailure =
  (credentialId: string) =>
  (error: CredentialError): AuthenticationError =>
    new AuthenticationError({
      message: `Could not read credential '${credentialId}' to renew its token: ${error.message}`,
      credential: credentialId,
      reconnect: false
    })

const saveFailure =
  (credentialId: string) =>
  (error: CredentialError): AuthenticationError =>
    new AuthenticationError({
      message:
        `Could not save the renewed token of credential '${credentialId}', so it was not used: ` +
        `${error.message} The token is kept in memory and saved before its next use.`,
      credential: credentialId,
      reconnect: false
    })
