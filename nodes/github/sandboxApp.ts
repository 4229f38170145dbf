/**
 * The GitHub App of the sandbox: its id, its installation, and a key pair made on first
 * use in this process (never stored), so the `github.app` credential can sign JWTs that
 * the GitHub fake verifies.
 *
 * @module
 */
import { generateKeyPairSync } from "node:crypto"

/** The sandbox app's id and its installation on the `acme` organisation. */
export const sandboxApp = { appId: "424242", installationId: "1001", account: "acme" } as const

let keys: { readonly privateKeyPem: string; readonly publicKeyPem: string } | undefined

/** The sandbox app's RSA key pair, PEM-encoded; made once per process. */
export const sandboxAppKeys = (): {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
} => {
  if (keys === undefined) {
    const pair = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" }
    })
    keys = { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey }
  }
  return keys
}
