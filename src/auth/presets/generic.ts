/**
 * The generic OAuth2 credential type, `oauth2.generic`: any authorization server that
 * follows the standards, found by discovery from its issuer or by explicit endpoints.
 *
 * @module
 */
import { Schema } from "effect"
import { makeOAuth2CredentialType } from "../oauth2CredentialType.js"
import type { ServerConfig } from "../oauth2Preset.js"
import { defineOAuth2Preset } from "../oauth2Preset.js"

const url = (title: string, description: string) =>
  Schema.optional(
    Schema.String.annotations({
      title,
      description,
      jsonSchema: { type: "string", format: "uri", title, description }
    })
  )

/** The preset of `oauth2.generic`: every grant, endpoints from the credential's fields. */
export const genericPreset = defineOAuth2Preset({
  type: "oauth2.generic",
  title: "OAuth2 (any provider)",
  description:
    "An OAuth 2.0 or OpenID Connect account at any provider: give its issuer to discover the " +
    "endpoints, or the endpoints themselves.",
  settings: {
    grants: [
      "authorization_code",
      "device_code",
      "client_credentials",
      "jwt_bearer",
      "refresh_token"
    ],
    defaultScopes: [],
    pkce: true
  },
  fields: {
    issuer: url(
      "Issuer",
      "The authorization server's issuer URL; its endpoints are read from its metadata unless given below."
    ),
    discovery: Schema.optional(
      Schema.Literal("oidc", "oauth2").annotations({
        title: "Metadata",
        description:
          "Where the issuer publishes its metadata: `oidc` (/.well-known/openid-configuration) or " +
          "`oauth2` (/.well-known/oauth-authorization-server).",
        default: "oidc"
      })
    ),
    authorizationEndpoint: url(
      "Authorization endpoint",
      "Where the user signs in (browser login)."
    ),
    tokenEndpoint: url("Token endpoint", "Where tokens are issued and refreshed."),
    deviceAuthorizationEndpoint: url(
      "Device authorization endpoint",
      "Where a device login starts."
    ),
    revocationEndpoint: url(
      "Revocation endpoint",
      "Where tokens are revoked when the credential is removed."
    ),
    userinfoEndpoint: url("Userinfo endpoint", "The identity call `credentials test` uses."),
    clientAuthentication: Schema.optional(
      Schema.Literal("client_secret_basic", "client_secret_post", "none").annotations({
        title: "Client authentication",
        description: "How the client secret is sent to the token endpoint.",
        default: "client_secret_basic"
      })
    ),
    insecureLoopbackIssuer: Schema.optional(
      Schema.Boolean.annotations({
        title: "Insecure loopback issuer",
        description:
          "Allow plain http:// for an authorization server on 127.0.0.1, ::1 or localhost. " +
          "Tests and local development only; any other host always needs https://.",
        default: false
      })
    )
  },
  server: (fields): ServerConfig => {
    const text = (name: string) => {
      const value = fields[name]
      return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined
    }
    const tokenEndpoint = text("tokenEndpoint")
    const issuer = text("issuer")
    return {
      issuer,
      discovery:
        issuer !== undefined && tokenEndpoint === undefined
          ? fields.discovery === "oauth2"
            ? "oauth2"
            : "oidc"
          : undefined,
      authorizationEndpoint: text("authorizationEndpoint"),
      tokenEndpoint,
      deviceAuthorizationEndpoint: text("deviceAuthorizationEndpoint"),
      revocationEndpoint: text("revocationEndpoint"),
      userinfoEndpoint: text("userinfoEndpoint"),
      insecureLoopbackIssuer: fields.insecureLoopbackIssuer === true
    }
  },
  clientAuthentication: "client_secret_basic"
})

/** The `oauth2.generic` credential type. */
export const oauth2Generic = makeOAuth2CredentialType(genericPreset)

/** The `oauth2.generic` credential type with the encoded fields it has in a sandbox run. */
export const oauth2CredentialTypeOf = (sandbox: Readonly<Record<string, unknown>>) =>
  makeOAuth2CredentialType({ ...genericPreset, sandbox })
