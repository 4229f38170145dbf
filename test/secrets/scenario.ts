/**
 * The flows the secret-marker runs execute, the credentials they run with, and what each
 * step should end with.
 *
 * One flow covers the ways a secret can escape: a careless API echoing it in bodies,
 * headers and error messages (401, 403, 404, 500 with retries, 429 with `Retry-After`),
 * redirects on and off the credential's origin, a timeout, a dropped
 * connection, pagination whose `Link` carries the API key, a download that holds the
 * secret, and a step whose input copies an earlier step's echo through templates. Every
 * step continues on error, so one run visits them all.
 *
 * @module
 */
import type { Marker } from "../support/secretMarker.js"

/** Where a credential puts its secret. */
export type Placement = "bearer" | "basic" | "apiKeyHeader" | "apiKeyQuery"

/** Every placement the `http` integration's credential types offer. */
export const placements: ReadonlyArray<Placement> = [
  "bearer",
  "basic",
  "apiKeyHeader",
  "apiKeyQuery"
]

/** The credential id every step of the scenario uses. */
export const credentialId = "api"

/** The `RPA_CREDENTIAL_API` value that puts the marker where the placement says. */
export const credentialJson = (placement: Placement, marker: Marker): string =>
  JSON.stringify(credentialFields(placement, marker))

/** The credential's JSON fields, type included. */
export const credentialFields = (placement: Placement, marker: Marker) => {
  switch (placement) {
    case "bearer":
      return { type: "http.bearer", token: marker.value }
    case "basic":
      return { type: "http.basic", username: "robot", password: marker.value }
    case "apiKeyHeader":
      return { type: "http.apiKey", name: "X-Marker-Key", value: marker.value, in: "header" }
    case "apiKeyQuery":
      return { type: "http.apiKey", name: "marker_key", value: marker.value, in: "query" }
  }
}

/** How each step of the scenario ends: its status, and the error tag when it fails. */
export const expectedSteps: Readonly<Record<string, { status: string; error?: string }>> = {
  echo: { status: "succeeded" },
  text: { status: "succeeded" },
  unauthorized: { status: "failed", error: "AuthenticationError" },
  forbidden: { status: "failed", error: "PermissionError" },
  missing: { status: "failed", error: "NotFoundError" },
  serverError: { status: "failed", error: "ServerError" },
  throttledOnce: { status: "succeeded" },
  throttled: { status: "failed", error: "RateLimitError" },
  sameOrigin: { status: "succeeded" },
  crossOrigin: { status: "succeeded" },
  timeout: { status: "failed", error: "TimeoutError" },
  reset: { status: "failed", error: "TransportError" },
  pages: { status: "succeeded" },
  download: { status: "succeeded" },
  templated: { status: "succeeded" }
}

/** The scenario flow against a probe server (see `probeServer.ts`). */
export const scenarioFlow = (probe: string) => {
  const step = (id: string, input: Record<string, unknown>) => ({
    id,
    node: "http.request",
    credential: credentialId,
    onError: "continue",
    input
  })
  const get = (id: string, path: string, extra: Record<string, unknown> = {}) =>
    step(id, { url: `${probe}${path}`, ...extra })
  return {
    version: 1,
    name: "Secret marker scenario",
    steps: [
      get("echo", "/echo?page_size=10"),
      get("text", "/text"),
      get("unauthorized", "/status/401"),
      get("forbidden", "/status/403"),
      get("missing", "/status/404"),
      get("serverError", "/status/500", { retry: { maxAttempts: 3 } }),
      get("throttledOnce", "/throttle?key=once&recover=1", { retry: { maxAttempts: 2 } }),
      get("throttled", "/throttle?key=always", { retry: false }),
      get("sameOrigin", "/redirect-same"),
      get("crossOrigin", "/redirect-cross?keep=1"),
      get("timeout", "/hang", { timeoutMs: 500, retry: false }),
      get("reset", "/reset", { retry: { maxAttempts: 2 } }),
      get("pages", "/pages", { pagination: { style: "linkHeader" } }),
      get("download", "/download", { response: "file" }),
      step("templated", {
        method: "POST",
        url: `${probe}/echo`,
        query: { note: "{{ steps.echo.output.body.secret }}" },
        body: {
          copied: "{{ steps.echo.output.body.secret }}",
          header: '{{ steps.echo.output.headers["x-echo-authorization"] }}',
          refused: "{{ steps.unauthorized.error.message }}"
        }
      })
    ]
  }
}

/** How each step of the truncation flow ends. */
export const expectedCutSteps: Readonly<Record<string, { status: string; error?: string }>> = {
  invalid: { status: "failed", error: "ValidationError" },
  refused: { status: "failed", error: "AuthenticationError" },
  broken: { status: "failed", error: "ServerError" }
}

/**
 * Errors whose provider message is longer than the excerpt an error keeps, with the
 * secret where the excerpt cuts it: a cut secret must not survive as a prefix.
 */
export const truncationFlow = (probe: string) => ({
  version: 1,
  name: "Secret cut by an error excerpt",
  steps: [
    ["invalid", 422],
    ["refused", 401],
    ["broken", 500]
  ].map(([id, status]) => ({
    id,
    node: "http.request",
    credential: credentialId,
    onError: "continue",
    input: { url: `${probe}/long-error/${status}`, retry: false }
  }))
})
