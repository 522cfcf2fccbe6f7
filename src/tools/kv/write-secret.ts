import { z } from 'zod';
import { kvRead, kvWrite } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE } from '../../server/tool.js';
import { keyNameField, listText, mountField, secretPathField, time } from '../common.js';
import { withKvTarget } from './kv-target.js';
import { anyObject, scalar } from '../../server/portable-schema.js';

export const writeSecret = defineTool({
  name: 'write_secret',
  title: 'Write secret',
  description:
    'Write a KV secret: one key (key + value; other keys kept) or the whole secret (data; keys not given are removed). KV v2 keeps the previous version. Values are never echoed.',
  toolset: 'kv',
  write: true,
  annotations: DESTRUCTIVE,
  operations: ['ui_mounts_read', 'kv_v2_read', 'kv_v2_write', 'kv_v1_read', 'kv_v1_write'],
  input: {
    mount: mountField('secret', 'KV'),
    path: secretPathField,
    key: keyNameField("E.g. 'password'; with value.").optional(),
    value: scalar().optional().describe('May be empty; a number or boolean is stored as one.'),
    data: anyObject().optional().describe('The whole secret, instead of key/value.'),
    cas: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('KV v2: write only if the current version is this (0: only if none exists).'),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    kv_version: z.number().int(),
    keys_written: z.array(z.string()),
    keys: z.array(z.string()).describe('All keys after the write.'),
    version: z.number().int().optional().describe('KV v2.'),
    created_time: z.string().optional(),
  },
  handler: async ({ mount, path, key, value, data, cas }, context) => {
    const single = key !== undefined || value !== undefined;
    if (single && data !== undefined)
      throw new ToolInputError('give either key and value, or data, not both');
    if (!single && data === undefined)
      throw new ToolInputError(
        'nothing to write: give key and value (one key) or data (the whole secret as an object)',
      );
    if (single && (key === undefined || value === undefined))
      throw new ToolInputError('key and value go together: give both');
    return withKvTarget(context, mount, path, { needPath: true, creates: true }, async (target) => {
      let payload: Record<string, unknown>;
      let guard = cas;
      if (data !== undefined) {
        payload = { ...data };
      } else {
        // One key: merge into what is there. On KV v2 the write is conditional on the version
        // that was read, so a concurrent writer makes this fail instead of losing its change.
        const current = await kvRead(context.vault, target.mount, target.path, target.version);
        payload = { ...(current?.data ?? {}), [key as string]: value };
        if (target.version === 2 && guard === undefined) guard = current?.metadata?.version ?? 0;
      }
      if (target.version === 1 && cas !== undefined) {
        throw new ToolInputError(
          `'${target.mount}' is KV version 1, which has no check-and-set: call again without cas`,
        );
      }
      const written = await kvWrite(
        context.vault,
        target.mount,
        target.path,
        target.version,
        payload,
        target.version === 2 ? { cas: guard } : {},
      );
      const keysWritten = data !== undefined ? Object.keys(data).sort() : [key as string];
      const keys = Object.keys(payload).sort();
      return {
        structured: {
          mount: target.mount,
          path: target.path,
          kv_version: target.version,
          keys_written: keysWritten,
          keys,
          ...(written?.version !== undefined ? { version: written.version } : {}),
          ...(time(written?.created_time) ? { created_time: time(written?.created_time) } : {}),
        },
        text: `wrote ${listText(keysWritten)} to ${target.display}${written?.version !== undefined ? ` (version ${written.version})` : ''}; the secret now has keys ${listText(keys)}`,
      };
    });
  },
});
