/**
 * Nodes: the operations a workflow author drags into a flow.
 *
 * A node is a value: its identity (`type`, `version`), how it looks in a palette, which
 * credential types it accepts, an input and an output schema, and `run`. The runner
 * decodes the input before anything is sent and checks the output after.
 *
 * @module
 */
import type { Effect, Schema } from "effect"
import type { NodeError } from "../http/errors.js"

/** What a node's `run` knows about the step it runs in. */
export interface StepContext {
  /** The step's id in the flow, for example `post`. */
  readonly stepId: string
  /** The credential id the step uses, when it uses one. */
  readonly credentialId?: string | undefined
}

/** A node: one operation of an integration. */
export interface NodeDefinition<I = any, O = any, R = any> {
  /** `<integration>.<operation>`, for example `slack.postMessage`. */
  readonly type: string
  /** Integer version; a flow may pin one (`slack.postMessage@1`); old versions stay. */
  readonly version: number
  readonly title: string
  /** One or two sentences: what the node does, in the workflow author's words. */
  readonly description: string
  /** Palette group, for example `Communication` or `Data`. */
  readonly category: string
  /** Credential types the node accepts, and whether it needs one. */
  readonly credentials: {
    readonly types: ReadonlyArray<string>
    readonly required: boolean
  }
  /** The provider's documentation of the operation. */
  readonly docsUrl?: string | undefined
  /**
   * OAuth scopes the node's calls need, the narrowest that work (a broader scope the
   * provider documents works too). Connecting a credential for a flow asks for the
   * scopes of the flow's nodes, and only the new ones when the flow gains a node.
   */
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly input: Schema.Schema<I, any>
  readonly output: Schema.Schema<O, any>
  readonly run: (input: I, context: StepContext) => Effect.Effect<O, NodeError, R>
}

/** Declares a node; the identity function that gives it its type. */
export const defineNode = <I, IE, O, OE, R>(definition: {
  readonly type: string
  readonly version: number
  readonly title: string
  readonly description: string
  readonly category: string
  readonly credentials: { readonly types: ReadonlyArray<string>; readonly required: boolean }
  readonly docsUrl?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly input: Schema.Schema<I, IE>
  readonly output: Schema.Schema<O, OE>
  readonly run: (input: I, context: StepContext) => Effect.Effect<O, NodeError, R>
}): NodeDefinition<I, O, R> => definition
