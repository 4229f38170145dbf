/**
 * rpa-integrations as a library: run flows from JS, define integrations, nodes and
 * credential types, connect OAuth2 accounts and keep credentials in the encrypted store.
 * Each integration's nodes are in `rpa-integrations/nodes/<name>`.
 *
 * @module
 */
export type { Connected, ConnectOptions, RevocationOutcome } from "./auth/connectCredential.js"
export { connectCredential, revokeCredential } from "./auth/connectCredential.js"
export type { StoredCredential } from "./auth/credentialSource.js"
export { CredentialError, CredentialSource } from "./auth/credentialSource.js"
export type { CredentialStoreOptions, StoreListEntry } from "./auth/credentialStore.js"
export {
  CredentialStore,
  layerCredentialStore,
  layerStoreCredentialSource,
  makeCredentialStore
} from "./auth/credentialStore.js"
export type { CredentialTestResult } from "./auth/credentialTest.js"
export { testCredential } from "./auth/credentialTest.js"
export { credentialVariable, EnvCredentialSource } from "./auth/envCredentials.js"
export type {
  OAuth2CredentialType,
  OAuth2Fields,
  OAuth2Grant
} from "./auth/oauth2CredentialType.js"
export { makeOAuth2CredentialType } from "./auth/oauth2CredentialType.js"
export type { OAuth2Error } from "./auth/oauth2Errors.js"
export type { OAuth2Preset, RefusalRule, ServerConfig } from "./auth/oauth2Preset.js"
export { defineOAuth2Preset } from "./auth/oauth2Preset.js"
export { genericPreset, oauth2Generic } from "./auth/presets/generic.js"
export { githubPreset } from "./auth/presets/github.js"
export { googlePreset, googleServiceAccountPreset } from "./auth/presets/google.js"
export { microsoftPreset } from "./auth/presets/microsoft.js"
export { slackPreset } from "./auth/presets/slack.js"
export * from "./http/errors.js"
export type { FileRef } from "./http/files.js"
export type { Credential, CredentialType, OAuth2Settings } from "./node/credentialType.js"
export { defineCredentialType } from "./node/credentialType.js"
export type {
  IntegrationContext,
  IntegrationDefinition,
  SandboxDefinition
} from "./node/defineIntegration.js"
export { defineIntegration } from "./node/defineIntegration.js"
export type { NodeDefinition, StepContext } from "./node/defineNode.js"
export { defineNode } from "./node/defineNode.js"
export { Secret } from "./node/secret.js"
export { composeCredentialSources, machineCredentials } from "./runtime/credentials.js"
export type { RunObserver, RunResult, StepEvent, StepResult } from "./runtime/executor.js"
export type { Flow, FlowFile, FlowInput, FlowStep } from "./runtime/flow.js"
export { loadFlow, parseFlow } from "./runtime/flow.js"
export { FlowError } from "./runtime/flowError.js"
export type { LogFormat, LogLevelName, LogOptions } from "./runtime/logging.js"
export type { FinishedRun, InvalidRun, RunFlowOptions, RunOutcome } from "./runtime/runFlow.js"
export { exitCode, runFlow, runFlowEffect } from "./runtime/runFlow.js"
