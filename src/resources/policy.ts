import { policyCommand, policyDocument, policyOptions } from '../policy.js';
import type { ResourceDefinition } from './resource.js';

/**
 * `vault://policy`: the least-privilege HCL for the tools this server serves, as `vault-mcp policy`
 * prints it for the default mounts (`secret`, KV v2; `pki`) and VAULT_MCP_KV_PREFIX.
 */
export const policyResource: ResourceDefinition = {
  name: 'policy',
  title: 'Least-privilege Vault policy',
  description:
    "The Vault policy (HCL) granting exactly what this server's enabled tools need, for KV mount 'secret' and PKI mount 'pki' (vault-mcp policy --kv-mount/--pki-mount adapts it to other mounts).",
  mimeType: 'text/plain',
  uri: 'vault://policy',
  read: async (_uri, _variables, { context, candidates }) => {
    const { config } = context;
    const options = policyOptions({
      kvMount: 'secret',
      kvVersion: 2,
      pkiMount: 'pki',
      prefix: config.kvPrefix || undefined,
    });
    const command = policyCommand(config, options, { manageMounts: false, toolsets: false });
    return policyDocument(config, candidates, options, command);
  },
};
