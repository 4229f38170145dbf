/**
 * Runs Slack nodes against the Slack fake, the way a flow step runs them: the input is
 * decoded with the node's schema, the node runs on the kernel (routed to the fake), and
 * the output is encoded with the node's output schema.
 */

import type { Scope } from "effect"
import { type Context, Effect, Layer, Schema } from "effect"
import { botToken } from "../../../nodes/slack/credentials.js"
import {
  type SlackFake,
  type SlackFakeOptions,
  slackOrigins,
  startSlackFake
} from "../../../nodes/slack/fake.js"
import { sandboxBotToken } from "../../../nodes/slack/fakeWorkspace.js"
import { Slack } from "../../../nodes/slack/service.js"
import type { NodeError } from "../../../src/http/errors.js"
import { InputError } from "../../../src/http/errors.js"
import type { KernelDefaults } from "../../../src/http/kernel.js"
import { HttpKernel } from "../../../src/http/kernel.js"
import type { NodeDefinition } from "../../../src/node/defineNode.js"

/** A started fake and a way to run Slack nodes against it with one shared kernel. */
export interface SlackHarness {
  readonly fake: SlackFake
  readonly run: (node: NodeDefinition, input: unknown) => Effect.Effect<unknown, NodeError>
}

/** Starts the fake and builds the kernel and the Slack service for one bot token. */
export const slackHarness = (
  options: {
    readonly fake?: SlackFakeOptions
    readonly token?: string
    readonly kernel?: KernelDefaults
  } = {}
): Effect.Effect<SlackHarness, never, Scope.Scope> =>
  Effect.gen(function* () {
    const fake = yield* startSlackFake(options.fake)
    const routes = new Map(slackOrigins.map((origin) => [origin, fake.url]))
    const authenticator = yield* Effect.orDie(
      botToken.authenticate({
        id: "slack-bot",
        type: "slack.botToken",
        fields: yield* Effect.orDie(
          Schema.decodeUnknown(botToken.fields)({ token: options.token ?? sandboxBotToken })
        )
      })
    )
    const services = yield* Layer.build(
      Slack.layer({ authenticator }).pipe(
        Layer.provideMerge(HttpKernel.layer({ routes, defaults: options.kernel }))
      )
    )
    return {
      fake,
      run: (node, input) => runNode(node, input, services)
    }
  })

/** Decodes, runs and encodes like the runner; a bad input is an `InputError`. */
export const runNode = (
  node: NodeDefinition,
  input: unknown,
  services: Context.Context<Slack | HttpKernel>
): Effect.Effect<unknown, NodeError> =>
  Schema.decodeUnknown(node.input)(input).pipe(
    Effect.mapError(
      (error) =>
        new InputError({ message: error.message, issues: [{ path: "", message: error.message }] })
    ),
    Effect.flatMap((decoded) => node.run(decoded, { stepId: "test", credentialId: "slack-bot" })),
    Effect.flatMap((output) => Effect.orDie(Schema.encode(node.output)(output))),
    Effect.provide(services)
  ) as Effect.Effect<unknown, NodeError>
