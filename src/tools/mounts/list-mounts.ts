import { z } from 'zod';
import { listVisibleMounts } from '../../client/mounts.js';
import { defineTool, READ } from '../../server/tool.js';
import { describeMount, mountLine, mountSchema } from './shared.js';

export const listMounts = defineTool({
  name: 'list_mounts',
  title: 'List mounts',
  description:
    'List the secrets engines this token can see, sorted by path (needs no read on sys/mounts).',
  toolset: 'mounts',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_list'],
  input: {},
  output: { mounts: z.array(mountSchema) },
  handler: async (_args, context) => {
    const mounts = await listVisibleMounts(context.vault);
    // The sys/ mount, as this server reports it, tells what "no TTL of its own" looks like here.
    const system = mounts.find((m) => m.path === 'sys/');
    return {
      structured: { mounts: mounts.map((m) => describeMount(m, system)) },
      text: mounts.length
        ? mounts.map(mountLine).join('\n')
        : context.vault.info.hasToken
          ? 'no secrets engines are visible to this token: []'
          : 'no secrets engines are visible: no Vault token is set (VAULT_TOKEN, ~/.vault-token, or an AppRole/JWT login), and Vault shows mounts only to a token with a capability under them: []',
    };
  },
});
