/**
 * The `http` integration: call any HTTP API from a flow, with the kernel's retries,
 * rate limits, redirects, timeouts, pagination and file streaming.
 *
 * @module
 */
import { defineIntegration } from "../../src/node/defineIntegration.js"
import { credentialTypes } from "./credentials.js"
import { otherSandboxOrigin, sandboxOrigin, startHttpbinFake } from "./fake.js"
import { request } from "./request.js"
import { Http } from "./service.js"

export { apiKey, basic, bearer, oauth2 } from "./credentials.js"
export { request } from "./request.js"
export { Http } from "./service.js"

/**
 * The `http` integration: one node, `http.request`, that calls any URL, and four
 * credential types (bearer token, user name and password, API key, OAuth2 at any provider). Its sandbox is an
 * httpbin-style fake answering for `https://httpbin.sandbox` and `https://other.sandbox`.
 */
export const integration = defineIntegration({
  name: "http",
  title: "HTTP",
  description: "Call any HTTP API: JSON, forms, files, pagination, with retries built in.",
  icon: "nodes/http/icon.svg",
  credentialTypes,
  nodes: [request],
  layer: Http.layer,
  sandbox: { origins: [sandboxOrigin, otherSandboxOrigin], start: startHttpbinFake }
})
