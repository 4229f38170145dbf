/**
 * rpa-integrations as a library: run flows from JS, and define integrations, nodes and
 * credential types. Each integration's nodes are in `rpa-integrations/nodes/<name>`.
 *
 * @module
 */
export type { StoredCredential } from "./auth/credentialSource.js"
export { CredentialError, CredentialSource } from "./auth/credentialSource.js"
export { credentialVariable, EnvCredentialSource } from "./auth/envCredentials.js"
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
export type { RunObserver, RunResult, StepEvent, StepResult } from "./runtime/executor.js"
export type { Flow, FlowFile, FlowInput, FlowStep } from "./runtime/flow.js"
export { loadFlow, parseFlow } from "./runtime/flow.js"
export { FlowError } from "./runtime/flowError.js"
export type { LogFormat, LogLevelName, LogOptions } from "./runtime/logging.js"
export type { FinishedRun, InvalidRun, RunFlowOptions, RunOutcome } from "./runtime/runFlow.js"
export { exitCode, runFlow, runFlowEffect } from "./runtime/runFlow.js"
