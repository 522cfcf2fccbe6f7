import { z } from 'zod';
import { kvRead } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import { listText, mountField, secretPathField, time, WITHHELD_HINT } from '../common.js';
import { withKvTarget } from './kv-target.js';
import { anyObject } from '../../server/portable-schema.js';

export const readSecret = defineTool({
  name: 'read_secret',
  title: 'Read secret',
  description:
    'Read a KV secret: key names and (KV v2) version metadata. Values are withheld unless the operator enabled reveal.',
  toolset: 'kv',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'kv_v2_read', 'kv_v1_read'],
  input: {
    mount: mountField('secret', 'KV'),
    path: secretPathField,
    version: z.number().int().positive().optional().describe('KV v2; default: the latest.'),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    kv_version: z.number().int(),
    keys: z.array(z.string()),
    version: z.number().int().optional(),
    created_time: z.string().optional(),
    deletion_time: z.string().optional(),
    destroyed: z.boolean().optional(),
    deleted: z.boolean().describe('Soft-deleted or destroyed (no data).'),
    custom_metadata: z.record(z.string(), z.string()).nullable().optional(),
    values_withheld: z.boolean(),
    data: anyObject().optional().describe('Only when the operator enabled reveal.'),
    note: z.string().optional(),
  },
  handler: async ({ mount, path, version }, context) =>
    withKvTarget(context, mount, path, { needPath: true }, async (target) => {
      if (version !== undefined && target.version === 1) {
        throw new ToolInputError(
          `'${target.mount}' is KV version 1, which keeps no versions: call again without version`,
        );
      }
      const secret = await kvRead(context.vault, target.mount, target.path, target.version, {
        version,
      });
      if (!secret) {
        throw new ToolInputError(
          `no secret at ${target.display}${version ? ` version ${version}` : ''}: nothing was ever written there. list_secrets on the folder shows what exists.`,
        );
      }
      const reveal = context.config.revealSecrets;
      const keys = Object.keys(secret.data ?? {}).sort();
      const meta = secret.metadata;
      const deleted = secret.data === null;
      const note = deleted
        ? meta?.destroyed
          ? `version ${meta.version} was destroyed: its data is gone for good.`
          : `version ${meta?.version ?? '?'} was deleted at ${time(meta?.deletion_time) ?? '?'}; undelete_secret_versions restores it.`
        : reveal
          ? undefined
          : WITHHELD_HINT;
      const structured = {
        mount: target.mount,
        path: target.path,
        kv_version: target.version,
        keys,
        ...(meta
          ? {
              version: meta.version,
              ...(time(meta.created_time) ? { created_time: time(meta.created_time) } : {}),
              ...(time(meta.deletion_time) ? { deletion_time: time(meta.deletion_time) } : {}),
              destroyed: meta.destroyed,
              custom_metadata: meta.custom_metadata ?? null,
            }
          : {}),
        deleted,
        values_withheld: !reveal && !deleted,
        ...(reveal && secret.data ? { data: { ...secret.data } } : {}),
        ...(note ? { note } : {}),
      };
      const head = `${target.display} (KV v${target.version}${meta ? `, version ${meta.version}` : ''}${time(meta?.created_time) ? `, written ${time(meta?.created_time)}` : ''})`;
      const body = deleted
        ? note
        : reveal
          ? `data: ${JSON.stringify(secret.data)}`
          : `keys: ${listText(keys)}\n${WITHHELD_HINT}`;
      return { structured, text: `${head}\n${body}` };
    }),
});
