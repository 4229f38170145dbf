/**
 * Credential types: what a credential holds and how it signs requests.
 *
 * @module
 */
import type { Effect, Schema } from "effect"
import type { Authenticator } from "../http/authenticator.js"
import type { AuthenticationError } from "../http/errors.js"
import type { HttpRequest } from "../http/request.js"

/** OAuth2 settings a runtime needs to draw a "Connect" button; listed in the manifest. */
export interface OAuth2Settings {
  readonly grants: ReadonlyArray<
    "authorization_code" | "device_code" | "client_credentials" | "refresh_token" | "jwt_bearer"
  >
  readonly issuer?: string | undefined
  readonly authorizationEndpoint?: string | undefined
  readonly tokenEndpoint?: string | undefined
  readonly deviceAuthorizationEndpoint?: string | undefined
  readonly revocationEndpoint?: string | undefined
  readonly defaultScopes: ReadonlyArray<string>
  readonly pkce: boolean
}

/**
 * The provider's cheapest identity call, which `credentials test` sends with a credential
 * to show that it works (for example `GET https://api.github.com/user`).
 */
export interface CredentialTest {
  /** The request; the credential's authenticator signs it. */
  readonly request: HttpRequest
  /**
   * Reads who the credential belongs to from a 2xx JSON body, or why the body says the
   * call failed (for APIs that report errors with status 200).
   */
  readonly identify?:
    | ((body: unknown) => {
        readonly identity?: string | undefined
        readonly error?: string | undefined
      })
    | undefined
}

/** A stored credential after its fields were decoded (secrets are `Redacted`). */
export interface Credential<Fields = unknown> {
  /** The id a flow step names in `credential`, for example `gh`. */
  readonly id: string
  readonly type: string
  readonly fields: Fields
}

/** A kind of credential, for example `http.bearer` or `google.oauth2`. */
export interface CredentialType<Fields = any, R = never> {
  /** Stable type name, `<integration>.<kind>`. */
  readonly type: string
  readonly title: string
  readonly description: string
  /** Field schema; secret fields use `Secret`. Its JSON Schema drives the settings form. */
  readonly fields: Schema.Schema<Fields, any>
  /** Present for OAuth2 credential types. */
  readonly oauth2?: OAuth2Settings | undefined
  /** Turns a decoded credential into the authenticator the kernel signs requests with. */
  readonly authenticate: (
    credential: Credential<Fields>
  ) => Effect.Effect<Authenticator, AuthenticationError, R>
  /** The identity call `credentials test` sends; OAuth2 types fall back to userinfo. */
  readonly test?: CredentialTest | undefined
  /** Encoded fields of a credential that works against the sandbox fake. */
  readonly sandbox?: Readonly<Record<string, unknown>> | undefined
}

/** Declares a credential type; the identity function that gives it its type. */
export const defineCredentialType = <Fields, R = never>(
  definition: CredentialType<Fields, R>
): CredentialType<Fields, R> => definition
