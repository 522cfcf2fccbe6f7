import { z } from 'zod';
import { disableMount } from '../../client/mounts.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { cleanMount, mountTableChanged, resolveMount } from '../common.js';
import { refuseProtectedMount } from './shared.js';

export const deleteMount = defineTool({
  name: 'delete_mount',
  title: 'Delete mount',
  description:
    "Unmount a secrets engine, deleting every secret, certificate and key under it for good. Vault's own mounts (sys, identity, cubbyhole, token, auth) are refused.",
  toolset: 'mounts',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'mounts_disable'],
  input: { path: z.string().describe("E.g. 'team-secrets'.") },
  output: { path: z.string(), type: z.string() },
  handler: async ({ path }, context) => {
    const mount = cleanMount(path);
    refuseProtectedMount(mount, 'removes');
    const { info } = await resolveMount(context, mount, {
      fresh: true,
      refused: 'nothing was removed',
      argument: 'path',
      // Never "call again with the mount": that would delete every secret in it.
      inside: (root, rest, info) =>
        `${info.kvVersion ? `To delete that secret, use delete_secret (or delete_secret_metadata for every version) with mount='${root}' and path='${rest}'; ` : ''}delete_mount with path='${root}' would delete everything in the mount`,
    });
    await disableMount(context.vault, mount);
    mountTableChanged(context);
    return {
      structured: { path: mount, type: info.type },
      text: `unmounted ${info.type} at ${mount}/ and deleted everything under it`,
    };
  },
});
