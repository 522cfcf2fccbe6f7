import { z } from 'zod';
import { kvDeleteMetadata, kvReadMetadata } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { mountField, secretPathField } from '../common.js';
import { requireV2, withKvTarget } from './kv-target.js';

export const deleteSecretMetadata = defineTool({
  name: 'delete_secret_metadata',
  title: 'Delete secret and all versions',
  description:
    'Permanently delete a KV v2 secret: metadata and every version (cannot be undone; delete_secret is recoverable).',
  toolset: 'kv',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'kv_v2_read_metadata', 'kv_v2_delete_metadata'],
  input: { mount: mountField('secret', 'KV v2'), path: secretPathField },
  output: { mount: z.string(), path: z.string(), versions_removed: z.number().int() },
  handler: async ({ mount, path }, context) =>
    withKvTarget(context, mount, path, { needPath: true }, async (target) => {
      requireV2(target, 'delete_secret_metadata');
      const meta = await kvReadMetadata(context.vault, target.mount, target.path, 2);
      if (!meta) throw new ToolInputError(`no secret at ${target.display}: nothing to delete`);
      await kvDeleteMetadata(context.vault, target.mount, target.path, 2);
      const count = Object.keys(meta.versions ?? {}).length;
      return {
        structured: { mount: target.mount, path: target.path, versions_removed: count },
        text: `permanently deleted ${target.display} and its ${count} version${count === 1 ? '' : 's'}`,
      };
    }),
});
