/**
 * Credential types of the `github` integration: a personal access token (classic or
 * fine-grained), a GitHub account connected with OAuth (in a browser or with a device
 * code), and a GitHub App installation.
 *
 * @module
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { makeOAuth2CredentialType } from "../../src/auth/oauth2CredentialType.js"
import { githubPreset } from "../../src/auth/presets/github.js"
import { sharedTokenManager } from "../../src/auth/tokenManager.js"
import type { Authenticator } from "../../src/http/authenticator.js"
import { HttpKernel } from "../../src/http/kernel.js"
import { defineCredentialType } from "../../src/node/credentialType.js"
import { Secret } from "../../src/node/secret.js"
import { readPrivateKey, requestInstallationToken } from "./appToken.js"
import { classifyGitHubResponse } from "./errors.js"
import { sandboxClassicToken, sandboxOAuthToken } from "./fakeData.js"
import { sandboxApp, sandboxAppKeys } from "./sandboxApp.js"
import { githubApiUrl, githubApiVersion } from "./service.js"

/** Headers of GitHub's REST API for the credential tests. */
const apiHeaders = {
  accept: "application/vnd.github+json",
  "x-github-api-version": githubApiVersion
}

/** Prefixes of GitHub's tokens: classic, fine-grained, OAuth, user-to-server, installation. */
const tokenPattern = /^(ghp_|github_pat_|gho_|ghu_|ghs_)[A-Za-z0-9_]+$|^[0-9a-f]{40}$/

/** Fields of a `github.token` credential. */
export const TokenFields = Schema.Struct({
  token: Secret.pipe(
    Schema.filter((token) => tokenPattern.test(Redacted.value(token)), {
      message: () =>
        "A GitHub token starts with ghp_ (classic) or github_pat_ (fine-grained); copy it from Settings → Developer settings → Personal access tokens.",
      jsonSchema: { pattern: tokenPattern.source }
    })
  ).annotations({
    title: "Token",
    description:
      "A personal access token. Classic tokens need the repo scope for private repositories; fine-grained tokens need access to each repository and the permissions of the nodes you use (Issues, Contents, Pull requests)."
  })
}).annotations({ title: "GitHub personal access token" })

/** A personal access token, classic (`ghp_`) or fine-grained (`github_pat_`), sent as a bearer token. */
export const token = defineCredentialType({
  type: "github.token",
  title: "GitHub personal access token",
  description: "A classic or fine-grained personal access token of a GitHub account.",
  fields: TokenFields,
  authenticate: (credential) => {
    const authorization = {
      headers: { authorization: Redacted.make(`Bearer ${Redacted.value(credential.fields.token)}`) }
    }
    return Effect.succeed<Authenticator>({
      credentialId: credential.id,
      credentialType: "github.token",
      authorize: Effect.succeed(authorization),
      secretNames: ["authorization"]
    })
  },
  test: {
    request: { method: "GET", url: `${githubApiUrl}/user`, headers: apiHeaders },
    identify: (body) => {
      const login = (body as { login?: unknown } | undefined)?.login
      return { identity: typeof login === "string" ? login : undefined }
    }
  },
  sandbox: { token: sandboxClassicToken }
})

/** Scopes the GitHub nodes use, requested when an account is connected with OAuth. */
export const githubScopes = ["repo", "read:org"] as const

/**
 * A GitHub account connected through an OAuth app or a GitHub app, in a browser (web
 * flow) or with a device code; tokens of GitHub apps are renewed with their refresh token.
 */
export const oauth = makeOAuth2CredentialType({
  ...githubPreset({ type: "github.oauth", scopes: githubScopes }),
  sandbox: { clientId: "sandbox-client", accessToken: sandboxOAuthToken }
})

/** Fields of a `github.app` credential. */
export const AppFields = Schema.Struct({
  appId: Schema.NonEmptyTrimmedString.annotations({
    title: "App id",
    description: "The App ID (or Client ID) from the GitHub App's settings page.",
    examples: ["424242", "Iv23liExample"]
  }),
  installationId: Schema.String.pipe(Schema.pattern(/^\d+$/)).annotations({
    title: "Installation id",
    description:
      "The number at the end of the installation's settings URL (…/settings/installations/12345678).",
    examples: ["12345678"]
  }),
  privateKey: Secret.annotations({
    title: "Private key",
    description: "The whole .pem private key the app's settings page generated."
  })
}).annotations({ title: "GitHub App installation" })

/** Renew an installation token this long before it expires (it lasts an hour). */
const installationTokenSkewMs = 5 * 60_000

/**
 * A GitHub App installation: requests sign a JWT with the app's private key, trade it for
 * an installation token, and renew the token five minutes before it expires (or once
 * after GitHub refused it). Every step of a run that uses the credential shares the token.
 */
export const app = defineCredentialType({
  type: "github.app",
  title: "GitHub App installation",
  description:
    "Acts as a GitHub App installed on an account or organisation, with the app's permissions on the repositories it was given.",
  fields: AppFields,
  authenticate: (credential) =>
    Effect.gen(function* () {
      const kernel = yield* HttpKernel
      const { appId, installationId, privateKey } = credential.fields
      const key = yield* readPrivateKey(credential.id, privateKey)
      const client = kernel.client({
        integration: "github",
        baseUrl: githubApiUrl,
        classify: classifyGitHubResponse(credential.id)
      })
      const identity = { credentialId: credential.id, appId, installationId, privateKey: key }
      const manager = yield* sharedTokenManager(
        `github.app\u0000${credential.id}\u0000${appId}\u0000${installationId}`,
        {
          credentialId: credential.id,
          initial: Option.none(),
          source: { _tag: "Request", request: requestInstallationToken(client, identity) },
          refreshSkewMs: installationTokenSkewMs
        }
      )
      return {
        credentialId: credential.id,
        credentialType: "github.app",
        authorize: manager.authorization,
        refresh: () => manager.refreshAfterRefusal,
        secretNames: ["authorization"]
      } satisfies Authenticator
    }),
  test: {
    request: {
      method: "GET",
      url: `${githubApiUrl}/installation/repositories`,
      headers: apiHeaders
    },
    identify: (body) => {
      const count = (body as { total_count?: unknown } | undefined)?.total_count
      return {
        identity:
          typeof count === "number" ? `an installation with ${count} repositories` : undefined
      }
    }
  },
  sandbox: sandboxAppFields()
})

/** The sandbox app's fields; its key pair is made only when the key is read. */
function sandboxAppFields(): Readonly<Record<string, unknown>> {
  return Object.defineProperty(
    { appId: sandboxApp.appId, installationId: sandboxApp.installationId },
    "privateKey",
    {
      enumerable: true,
      get: () => sandboxAppKeys().privateKeyPem
    }
  )
}
