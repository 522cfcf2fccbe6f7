import { z } from 'zod';
import { pkiListRoles } from '../../client/pki.js';
import { defineTool, READ } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';

export const listPkiRoles = defineTool({
  name: 'list_pki_roles',
  title: 'List PKI roles',
  description: 'List the roles of a PKI mount; [] when none.',
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_list_roles'],
  input: { mount: pkiMountField },
  output: { mount: z.string(), roles: z.array(z.string()) },
  handler: async ({ mount }, context) => {
    const clean = await pkiMount(context, mount);
    const roles = await pkiListRoles(context.vault, clean);
    return {
      structured: { mount: clean, roles },
      text: roles.length ? `${clean}/ roles: ${roles.join(', ')}` : `${clean}/ has no roles: []`,
    };
  },
});
