/**
 * Library entry point: the typed Vault client for KV, PKI and mounts, its errors and helpers.
 * The MCP server lives behind the `vault-mcp` binary and is not part of this import.
 */
export {
  createVaultClient,
  VaultClient,
  type VaultClientOptions,
  type VaultClientInfo,
  RequestScope,
  type VaultEnvelope,
  type VaultResult,
  type VaultTlsOptions,
  type RawRequest,
  type ResponseData,
} from './client/client.js';
export { fromEnv, optionsFromEnv, tokenFromEnv, tlsFromEnv } from './client/env.js';
export {
  VaultError,
  VaultResponseError,
  VaultConnectionError,
  VaultTimeoutError,
  VaultCancelledError,
  VaultProtocolError,
  VaultInputError,
  VaultConfigError,
} from './client/errors.js';
export { encodePath, normalizePath, pathSegments } from './client/paths.js';
export * from './client/kv.js';
export * from './client/mounts.js';
export * from './client/pki.js';
export * from './client/token.js';
export type { paths, components, operations } from '../generated/vault-api.js';
