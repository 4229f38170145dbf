/**
 * An in-memory credential source for tests: records every update, and can fail the next
 * updates on demand (a full disk, a locked store).
 *
 * @module
 */
import { Effect, Layer, Option } from "effect"
import type { StoredCredential } from "../../src/auth/credentialSource.js"
import { CredentialError, CredentialSource } from "../../src/auth/credentialSource.js"

/** A credential source backed by a map, and what happened to it. */
export interface MemorySource {
  readonly layer: Layer.Layer<CredentialSource>
  readonly service: CredentialSource["Type"]
  /** Updates that succeeded, oldest first. */
  readonly updates: Array<{
    readonly id: string
    readonly fields: Readonly<Record<string, unknown>>
  }>
  /** The fields a credential holds now. */
  readonly fields: (id: string) => Readonly<Record<string, unknown>>
  /** Changes fields behind the token manager's back (another process, a new login). */
  readonly set: (id: string, fields: Readonly<Record<string, unknown>>) => void
  /** Makes the next `count` updates fail. */
  readonly failUpdates: (count: number) => void
}

/** A memory source holding the given credentials. */
export const memorySource = (credentials: ReadonlyArray<StoredCredential>): MemorySource => {
  const entries = new Map(credentials.map((credential) => [credential.id, credential]))
  const updates: MemorySource["updates"] = []
  let failing = 0
  const service: CredentialSource["Type"] = {
    get: (id) => Effect.sync(() => Option.fromNullable(entries.get(id))),
    update: (id, fields) =>
      Effect.suspend(() => {
        const entry = entries.get(id)
        if (failing > 0 || entry === undefined) {
          failing = Math.max(0, failing - 1)
          return Effect.fail(new CredentialError({ credential: id, message: "The disk is full." }))
        }
        entries.set(id, { ...entry, fields: { ...entry.fields, ...fields } })
        updates.push({ id, fields })
        return Effect.void
      })
  }
  return {
    layer: Layer.succeed(CredentialSource, service),
    service,
    updates,
    fields: (id) => entries.get(id)?.fields ?? {},
    set: (id, fields) => {
      const entry = entries.get(id)
      if (entry !== undefined) entries.set(id, { ...entry, fields: { ...entry.fields, ...fields } })
    },
    failUpdates: (count) => {
      failing = count
    }
  }
}
