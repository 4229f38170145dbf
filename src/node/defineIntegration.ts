/**
 * Integrations: one external API, its credential types, its nodes, and its fake.
 *
 * @module
 */
import type { Effect, Layer, Scope } from "effect"
import type { Authenticator } from "../http/authenticator.js"
import type { HttpKernel } from "../http/kernel.js"
import type { Workspace } from "../http/workspace.js"
import type { CredentialType } from "./credentialType.js"
import type { NodeDefinition } from "./defineNode.js"

/** What an integration's layer is built from for one step's credential. */
export interface IntegrationContext {
  /** Signs requests with the step's credential; absent when the step uses none. */
  readonly authenticator?: Authenticator | undefined
}

/** A fake server that follows the provider's contract, for tests and `--sandbox`. */
export interface SandboxDefinition {
  /**
   * Origins the fake answers for, for example `https://slack.com`. In a sandbox run the
   * kernel routes requests for them to the fake; origins stay distinct for redirect rules.
   */
  readonly origins: ReadonlyArray<string>
  /** Starts the fake on 127.0.0.1 and returns its base URL; stopped with the scope. */
  readonly start: Effect.Effect<{ readonly url: string }, never, Scope.Scope>
}

/** An integration: one API, wrapped as an Effect service used by its nodes. */
export interface IntegrationDefinition<S = any> {
  /** Short stable name, the prefix of its node types, for example `slack`. */
  readonly name: string
  readonly title: string
  readonly description: string
  /** SVG icon, relative to the repository root, for example `nodes/slack/icon.svg`. */
  readonly icon: string
  readonly credentialTypes: ReadonlyArray<CredentialType<any, any>>
  readonly nodes: ReadonlyArray<NodeDefinition<any, any, S | Workspace>>
  /** Builds the integration's service for one credential; scoped to the run. */
  readonly layer: (context: IntegrationContext) => Layer.Layer<S, never, HttpKernel>
  readonly sandbox?: SandboxDefinition | undefined
}

/** Declares an integration; the identity function that gives it its type. */
export const defineIntegration = <S>(
  definition: IntegrationDefinition<S>
): IntegrationDefinition<S> => definition
