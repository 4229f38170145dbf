/**
 * Where a run finds the credentials its steps name.
 *
 * @module
 */

import type { Effect, Option } from "effect"
import { Context, Data } from "effect"

/** A credential as stored: its type and its encoded fields (secrets as plain strings). */
export interface StoredCredential {
  readonly id: string
  readonly type: string
  readonly fields: Readonly<Record<string, unknown>>
  /** Where it came from, for messages: `environment` or `store`. */
  readonly origin: "environment" | "store" | "sandbox"
}

/** A credential could not be read: missing, unreadable store, wrong key, bad JSON. */
export class CredentialError extends Data.TaggedError("CredentialError")<{
  readonly message: string
  readonly credential: string
}> {
  readonly retryable = false
}

/** Looks up credentials by id, and saves fields that changed (a rotated refresh token). */
export class CredentialSource extends Context.Tag("rpa/CredentialSource")<
  CredentialSource,
  {
    /** The credential with this id, or none. */
    readonly get: (id: string) => Effect.Effect<Option.Option<StoredCredential>, CredentialError>
    /**
     * Saves new field values for a credential, atomically, before they are used. For a
     * credential from the environment this keeps them in memory for the run only.
     */
    readonly update: (
      id: string,
      fields: Readonly<Record<string, unknown>>
    ) => Effect.Effect<void, CredentialError>
    /**
     * Runs an effect while no other process renews this credential's tokens, so two
     * processes sharing a store never spend the same refresh token. A source that no other
     * process writes (the environment) leaves it out.
     */
    readonly exclusive?: <A, E, R>(
      id: string,
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | CredentialError, R>
  }
>() {}
