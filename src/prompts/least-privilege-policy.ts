import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { policyCommand, policyDocument, policyOptions } from '../policy.js';
import { lines, type PromptDefinition } from './prompt.js';

/** The tutorial's policy step: `vault-mcp policy` for this configuration, and how to use it well. */
export const leastPrivilegePolicy: PromptDefinition = {
  name: 'least_privilege_policy',
  title: 'Least-privilege policy',
  description:
    "The Vault policy (HCL) for exactly the tools this server serves, scoped to a KV mount and application prefix and named PKI mounts, with the tutorial's guidance.",
  args: (c) => ({
    kv_mount: completable(
      z.string().optional().describe("KV mount (default 'secret')."),
      c.mounts('kv'),
    ),
    prefix: completable(
      z.string().optional().describe("Application prefix to scope KV paths to, e.g. 'hashicups/'."),
      c.kvPath('kv_mount'),
    ),
    pki_mount: completable(
      z.string().optional().describe("PKI mount (default 'pki')."),
      c.mounts('pki'),
    ),
  }),
  text: async ({ kv_mount, prefix, pki_mount }, deps) => {
    const { config } = deps.context;
    const options = policyOptions({
      kvMount: kv_mount || 'secret',
      kvVersion: 2,
      pkiMount: pki_mount || 'pki',
      prefix: prefix || config.kvPrefix || undefined,
    });
    const command = policyCommand(config, options, { manageMounts: false, toolsets: false });
    const hcl = policyDocument(config, deps.candidates, options, command);
    return lines(
      "Explain this least-privilege Vault policy for vault-mcp and help the person apply it. It grants exactly what this server's enabled tools need:",
      '',
      '```hcl',
      hcl.trimEnd(),
      '```',
      '',
      'Guidance to give:',
      options.prefix
        ? `- KV paths are scoped to the application prefix ${options.prefix}; keep it that narrow.`
        : '- Scope KV paths to one application prefix (`vault-mcp policy --kv-prefix myapp/`) instead of the whole mount.',
      `- PKI paths name the mount ${options.pkiMount} explicitly; never use a pki* glob.`,
      '- Never run vault-mcp with a root token or the root policy: create a token with this policy and a short TTL, e.g. `vault policy write vault-mcp policy.hcl` then `vault token create -policy=vault-mcp -ttl=8h`.',
      config.readOnly
        ? '- This server is read-only, so the policy grants no write capability.'
        : '- For a read-only assistant, start vault-mcp with --read-only and print the policy again: it drops every write capability.',
      '- Validate any policy an AI suggests before applying it.',
      `Command that printed it: ${command}`,
    );
  },
};
