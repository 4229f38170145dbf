/**
 * A real OAuth 2.0 / OpenID Connect authorization server (`oidc-provider`) on 127.0.0.1,
 * for the OAuth tests: authorization code with PKCE through its login and consent pages,
 * device authorization, client credentials, refresh tokens that rotate (a reused refresh
 * token revokes the grant), revocation and userinfo.
 *
 * The server counts token requests per grant type, so a test can tell how often a token
 * manager went to the token endpoint, and it records every secret it issued or received
 * (tokens, codes, code verifiers), so a test can check that none of them reached a log.
 *
 * Clients:
 * - `native-app`: public client (PKCE, no secret), loopback redirect on any port,
 *   authorization code, device code and refresh token grants.
 * - `web-app`: confidential client (`client_secret_basic`), the same grants.
 * - `robot`: confidential client for the client credentials grant.
 *
 * @module
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import Provider from "oidc-provider"

/** Secret of the `web-app` client. */
export const webAppSecret = "web-app-secret-7d1f0c2e9b4a"
/** Secret of the `robot` client. */
export const robotSecret = "robot-secret-3a8e5f61c0d2"
/** Login the consent pages accept (any password works). */
export const testLogin = "ada"

/** A running authorization server. */
export interface OidcServer {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string
  /** Token requests received so far, per grant type (failed ones included). */
  readonly tokenRequests: (grantType?: string) => number
  /**
   * Every secret the server handed out or received: tokens, authorization and device
   * codes, PKCE code verifiers, client secrets. For leak checks.
   */
  readonly secrets: () => ReadonlyArray<string>
  /** Revocation requests received so far. */
  readonly revocations: () => number
  /** Whether a refresh token is still valid (not consumed, revoked or expired). */
  readonly isRefreshTokenActive: (token: string) => Promise<boolean>
  /** Whether an access token (of a user, or of a client credentials grant) is still valid. */
  readonly isAccessTokenActive: (token: string) => Promise<boolean>
  readonly close: () => Promise<void>
}

/** Options of {@link startOidcServer}. */
export interface OidcServerOptions {
  /** Lifetime of access tokens, in seconds. Default 3600. */
  readonly accessTokenTtl?: number
  /** Polling interval announced by the device authorization endpoint, in seconds. */
  readonly deviceInterval?: number
}

/** Starts the authorization server on 127.0.0.1 on a free port. */
export const startOidcServer = async (options: OidcServerOptions = {}): Promise<OidcServer> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  const grants = [
    "authorization_code",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code"
  ]
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "native-app",
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: ["http://127.0.0.1/callback"],
        grant_types: grants,
        response_types: ["code"],
        scope: "openid offline_access profile email api:read api:write"
      },
      {
        client_id: "web-app",
        client_secret: webAppSecret,
        application_type: "native",
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: ["http://127.0.0.1/callback"],
        grant_types: grants,
        response_types: ["code"],
        scope: "openid offline_access profile email api:read api:write"
      },
      {
        client_id: "robot",
        client_secret: robotSecret,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        grant_types: ["client_credentials"],
        response_types: [],
        scope: "api:read api:write"
      }
    ],
    scopes: ["openid", "offline_access", "profile", "email", "api:read", "api:write"],
    claims: { openid: ["sub"], profile: ["name"], email: ["email"] },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true }
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      ClientCredentials: options.accessTokenTtl ?? 3600,
      RefreshToken: 14 * 24 * 3600,
      DeviceCode: 600,
      Grant: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 3600
    },
    // Every client that may use refresh tokens gets one, and each refresh rotates it.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: () => true,
    findAccount: async (_ctx, accountId) => ({
      accountId,
      claims: async () => ({
        sub: accountId,
        name: "Ada Lovelace",
        email: `${accountId}@example.test`
      })
    }),
    loadExistingGrant: async (ctx) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId)
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId)
    }
  })
  provider.on("server_error", () => {})

  const tokenRequests = new Map<string, number>()
  const secrets: Array<string> = [webAppSecret, robotSecret]
  let revocations = 0
  provider.use(async (ctx, next) => {
    await next()
    const params = (ctx as unknown as { oidc?: { params?: Record<string, unknown> } }).oidc?.params
    if (ctx.method === "POST" && ctx.path === "/token") {
      const grantType = typeof params?.grant_type === "string" ? params.grant_type : "unknown"
      tokenRequests.set(grantType, (tokenRequests.get(grantType) ?? 0) + 1)
    }
    if (ctx.method === "POST" && ctx.path === "/token/revocation") revocations++
    for (const name of ["code", "code_verifier", "device_code", "refresh_token"]) {
      if (typeof params?.[name] === "string") secrets.push(params[name] as string)
    }
    const body = ctx.body as Record<string, unknown> | undefined
    for (const name of ["access_token", "refresh_token", "id_token", "device_code"]) {
      if (typeof body?.[name] === "string") secrets.push(body[name] as string)
    }
    if (
      ctx.method === "POST" &&
      ctx.path === "/device/auth" &&
      options.deviceInterval !== undefined
    ) {
      ctx.body = { ...body, interval: options.deviceInterval }
    }
  })

  server.on("request", provider.callback())

  const findActive = async (model: { find: (t: string) => Promise<unknown> }, token: string) => {
    const found = (await model.find(token)) as { isValid?: boolean; consumed?: unknown } | undefined
    return found !== undefined && found.consumed === undefined && found.isValid !== false
  }

  return {
    issuer,
    tokenRequests: (grantType) =>
      grantType === undefined
        ? [...tokenRequests.values()].reduce((a, b) => a + b, 0)
        : (tokenRequests.get(grantType) ?? 0),
    secrets: () => secrets,
    revocations: () => revocations,
    isRefreshTokenActive: (token) => findActive(provider.RefreshToken, token),
    isAccessTokenActive: async (token) =>
      (await findActive(provider.AccessToken, token)) ||
      (await findActive(provider.ClientCredentials, token)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
