import { z } from 'zod';
import { isNotFound } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';
import { anyObject } from '../../server/portable-schema.js';

export const readPkiRole = defineTool({
  name: 'read_pki_role',
  title: 'Read PKI role',
  description: "Read a PKI role's settings.",
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_read_role'],
  input: {
    mount: pkiMountField,
    role_name: z.string().min(1),
  },
  output: { mount: z.string(), role_name: z.string(), role: anyObject() },
  handler: async ({ mount, role_name }, context) => {
    const clean = await pkiMount(context, mount);
    let role: Record<string, unknown>;
    try {
      const result = await context.vault.GET('/{pki_mount_path}/roles/{name}', {
        params: { path: { pki_mount_path: clean, name: role_name } },
      });
      role = (result.data ?? {}) as Record<string, unknown>;
    } catch (error) {
      if (isNotFound(error))
        throw new ToolInputError(
          `no role '${role_name}' on ${clean}/; list_pki_roles shows the roles`,
        );
      throw error;
    }
    const pick = [
      'issuer_ref',
      'allowed_domains',
      'allow_subdomains',
      'allow_any_name',
      'allow_ip_sans',
      'key_type',
      'ttl',
      'max_ttl',
    ]
      .filter((k) => k in role)
      .map((k) => `${k}=${JSON.stringify(role[k])}`)
      .join(', ');
    return {
      structured: { mount: clean, role_name, role },
      text: `role '${role_name}' on ${clean}/: ${pick}`,
    };
  },
});
