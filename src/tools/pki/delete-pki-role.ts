import { z } from 'zod';
import { isNotFound } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';

export const deletePkiRole = defineTool({
  name: 'delete_pki_role',
  title: 'Delete PKI role',
  description: 'Delete a PKI role; its certificates stay valid. Errors when no such role exists.',
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_read_role', 'pki_delete_role'],
  input: { mount: pkiMountField, role_name: z.string().min(1) },
  output: { mount: z.string(), role_name: z.string() },
  handler: async ({ mount, role_name }, context) => {
    const clean = await pkiMount(context, mount);
    const params = { params: { path: { pki_mount_path: clean, name: role_name } } };
    try {
      await context.vault.GET('/{pki_mount_path}/roles/{name}', params);
    } catch (error) {
      if (isNotFound(error))
        throw new ToolInputError(`no role '${role_name}' on ${clean}/: nothing to delete`);
      throw error;
    }
    await context.vault.DELETE('/{pki_mount_path}/roles/{name}', params);
    return {
      structured: { mount: clean, role_name },
      text: `deleted role '${role_name}' from ${clean}/`,
    };
  },
});
