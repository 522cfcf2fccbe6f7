import { z } from 'zod';
import { kvDelete, kvRead, kvWrite } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE } from '../../server/tool.js';
import { listText, mountField, secretPathField } from '../common.js';
import { withKvTarget } from './kv-target.js';

export const deleteSecret = defineTool({
  name: 'delete_secret',
  title: 'Delete secret',
  description:
    'Delete a KV secret, or one key of it. KV v2: soft-deletes the latest version (undelete_secret_versions restores it); removing a key writes a new version without it. KV v1: gone for good. Removing the last key deletes the secret.',
  toolset: 'kv',
  write: true,
  annotations: DESTRUCTIVE,
  operations: [
    'ui_mounts_read',
    'kv_v2_read',
    'kv_v2_write',
    'kv_v2_delete',
    'kv_v1_read',
    'kv_v1_write',
    'kv_v1_delete',
  ],
  input: {
    mount: mountField('secret', 'KV'),
    path: secretPathField,
    key: z.string().min(1).optional().describe('Remove only this key.'),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    kv_version: z.number().int(),
    deleted: z.enum(['secret', 'key']),
    key: z.string().optional(),
    remaining_keys: z.array(z.string()).optional(),
    version: z.number().int().optional().describe('KV v2: written without the key.'),
    recoverable: z.boolean().describe('undelete_secret_versions can restore it.'),
  },
  handler: async ({ mount, path, key }, context) =>
    withKvTarget(context, mount, path, { needPath: true }, async (target) => {
      const current = await kvRead(context.vault, target.mount, target.path, target.version);
      if (!current || current.data === null) {
        throw new ToolInputError(
          `no secret to delete at ${target.display}${current ? ' (its latest version is already deleted)' : ''}`,
        );
      }
      const base = { mount: target.mount, path: target.path, kv_version: target.version };
      if (key !== undefined) {
        // An own key only: `toString` or `constructor` are in every object, not in the secret.
        if (!Object.hasOwn(current.data, key)) {
          throw new ToolInputError(
            `${target.display} has no key '${key}' (keys: ${listText(Object.keys(current.data).sort())})`,
          );
        }
        const remaining = Object.fromEntries(
          Object.entries(current.data).filter(([k]) => k !== key),
        );
        if (Object.keys(remaining).length > 0) {
          const written = await kvWrite(
            context.vault,
            target.mount,
            target.path,
            target.version,
            remaining,
            target.version === 2 ? { cas: current.metadata?.version ?? 0 } : {},
          );
          const keys = Object.keys(remaining).sort();
          return {
            structured: {
              ...base,
              deleted: 'key' as const,
              key,
              remaining_keys: keys,
              ...(written?.version !== undefined ? { version: written.version } : {}),
              recoverable: target.version === 2,
            },
            text: `removed key '${key}' from ${target.display}${written?.version !== undefined ? ` (new version ${written.version}; the previous version still has it)` : ''}; remaining keys: ${listText(keys)}`,
          };
        }
      }
      await kvDelete(context.vault, target.mount, target.path, target.version);
      const text =
        target.version === 2
          ? `soft-deleted the latest version (${current.metadata?.version ?? '?'}) of ${target.display}; undelete_secret_versions restores it`
          : `deleted ${target.display} (KV v1: permanent)`;
      return {
        structured: {
          ...base,
          deleted: 'secret' as const,
          ...(key ? { key } : {}),
          recoverable: target.version === 2,
        },
        text,
      };
    }),
});
