/**
 * A small in-memory integration for the node-model tests: two versions of one node, a
 * second node with secrets and files, and a token and an OAuth2 credential type.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { FileRef } from "../../src/http/files.js"
import { defineCredentialType } from "../../src/node/credentialType.js"
import type { IntegrationDefinition } from "../../src/node/defineIntegration.js"
import { defineIntegration } from "../../src/node/defineIntegration.js"
import type { NodeDefinition } from "../../src/node/defineNode.js"
import { defineNode } from "../../src/node/defineNode.js"
import { Secret } from "../../src/node/secret.js"

/** The fake integration's service; it does nothing. */
class FakeApi extends Context.Tag("test/FakeApi")<FakeApi, { readonly name: string }>() {}

const fakeLayer = () => Layer.succeed(FakeApi, { name: "fake" })

/** A token credential. */
export const token = defineCredentialType({
  type: "fake.token",
  title: "Fake token",
  description: "A token for the fake API.",
  fields: Schema.Struct({
    token: Secret.annotations({ title: "Token", description: "The API token." })
  }),
  authenticate: (credential) =>
    Effect.succeed({
      credentialId: credential.id,
      credentialType: credential.type,
      authorize: Effect.succeed({}),
      secretNames: ["authorization"]
    })
})

/** An OAuth2 credential with only some endpoints set. */
export const oauth = defineCredentialType({
  type: "fake.oauth2",
  title: "Fake account",
  description: "Connect a fake account.",
  fields: Schema.Struct({
    clientId: Schema.String.annotations({ title: "Client ID" }),
    clientSecret: Secret.annotations({ title: "Client secret" }),
    refreshToken: Schema.optional(Secret)
  }),
  oauth2: {
    grants: ["authorization_code", "refresh_token"],
    authorizationEndpoint: "https://fake.test/authorize",
    tokenEndpoint: "https://fake.test/token",
    defaultScopes: ["read"],
    pkce: true
  },
  authenticate: (credential) =>
    Effect.succeed({
      credentialId: credential.id,
      credentialType: credential.type,
      authorize: Effect.succeed({}),
      secretNames: ["authorization"]
    })
})

const EchoInput = Schema.Struct({
  text: Schema.String.annotations({ title: "Text", description: "What to echo." })
})

/** `fake.echo@1`: the old version. */
export const echoV1 = defineNode({
  type: "fake.echo",
  version: 1,
  title: "Echo (old)",
  description: "Returns the text.",
  category: "Testing",
  credentials: { types: [], required: false },
  input: EchoInput,
  output: Schema.Struct({ text: Schema.String }),
  run: (input) => Effect.succeed({ text: input.text })
})

/** `fake.echo@2`: the latest version, with defaults and examples. */
export const echo = defineNode({
  type: "fake.echo",
  version: 2,
  title: "Echo",
  description: "Returns the text, repeated.",
  category: "Testing",
  credentials: { types: ["fake.token"], required: false },
  docsUrl: "https://fake.test/docs/echo",
  input: Schema.Struct({
    text: Schema.String.annotations({
      title: "Text",
      description: "What to echo.",
      examples: ["hello"]
    }),
    times: Schema.optionalWith(
      Schema.Int.pipe(Schema.between(1, 10)).annotations({ title: "Times" }),
      { default: () => 1 }
    )
  }),
  output: Schema.Struct({ text: Schema.String, times: Schema.Number }),
  run: (input) => Effect.succeed({ text: input.text.repeat(input.times), times: input.times })
})

/** `fake.upload@1`: a node that needs a credential and takes a file. */
export const upload = defineNode({
  type: "fake.upload",
  version: 1,
  title: "Upload file",
  description: "Uploads a file to the fake API.",
  category: "Files",
  credentials: { types: ["fake.oauth2", "fake.token"], required: true },
  scopes: ["files.write"],
  input: Schema.Struct({
    file: FileRef,
    folder: Schema.optional(Schema.String.annotations({ title: "Folder" })),
    metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  }),
  output: Schema.Union(
    Schema.Struct({
      id: Schema.String.annotations({ title: "File id" }),
      size: Schema.Number
    }).annotations({
      title: "Uploaded"
    }),
    Schema.Struct({ id: Schema.String, duplicateOf: Schema.String }).annotations({
      title: "Duplicate"
    })
  ),
  run: () => Effect.succeed({ id: "f1", size: 1 })
})

/** Builds a fake integration from nodes and credential types (all of them by default). */
export const fakeIntegration = (
  overrides: Partial<Pick<IntegrationDefinition, "name" | "nodes" | "credentialTypes">> = {}
): IntegrationDefinition =>
  defineIntegration({
    name: "fake",
    title: "Fake",
    description: "A fake API for tests.",
    icon: "nodes/fake/icon.svg",
    credentialTypes: [token, oauth],
    nodes: [echoV1, echo, upload] as ReadonlyArray<NodeDefinition>,
    layer: fakeLayer,
    ...overrides
  })

/** A second integration with one node and no credential types. */
export const otherIntegration: IntegrationDefinition = defineIntegration({
  name: "other",
  title: "Other",
  description: "Another fake API.",
  icon: "nodes/other/icon.svg",
  credentialTypes: [],
  nodes: [
    defineNode({
      type: "other.ping",
      version: 1,
      title: "Ping",
      description: "Answers pong.",
      category: "Testing",
      credentials: { types: [], required: false },
      input: Schema.Struct({}),
      output: Schema.Struct({ pong: Schema.Boolean }),
      run: () => Effect.succeed({ pong: true })
    })
  ],
  layer: fakeLayer
})
