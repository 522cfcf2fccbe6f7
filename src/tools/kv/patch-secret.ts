import { z } from 'zod';
import { kvPatch } from '../../client/kv.js';
import { defineTool, DESTRUCTIVE } from '../../server/tool.js';
import { listText, mountField, secretPathField, time } from '../common.js';
import { requireV2, withKvTarget } from './kv-target.js';
import { anyObject } from '../../server/portable-schema.js';

export const patchSecret = defineTool({
  name: 'patch_secret',
  title: 'Patch secret',
  description:
    'Merge keys into a KV v2 secret as a new version; keys not given stay. Needs the patch capability.',
  toolset: 'kv',
  write: true,
  // It overwrites the keys it names, and null removes one: destructive, as write_secret with one key.
  annotations: DESTRUCTIVE,
  operations: ['ui_mounts_read', 'kv_v2_patch'],
  input: {
    mount: mountField('secret', 'KV v2'),
    path: secretPathField,
    data: anyObject().describe('Keys to set; null removes one.'),
    cas: z.number().int().nonnegative().optional().describe('Only if the current version is this.'),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    keys_patched: z.array(z.string()),
    version: z.number().int().optional(),
    created_time: z.string().optional(),
  },
  handler: async ({ mount, path, data, cas }, context) =>
    withKvTarget(context, mount, path, { needPath: true, creates: true }, async (target) => {
      requireV2(target, 'patch_secret');
      const written = await kvPatch(context.vault, target.mount, target.path, 2, data, { cas });
      const keys = Object.keys(data).sort();
      return {
        structured: {
          mount: target.mount,
          path: target.path,
          keys_patched: keys,
          ...(written?.version !== undefined ? { version: written.version } : {}),
          ...(time(written?.created_time) ? { created_time: time(written?.created_time) } : {}),
        },
        text: `patched ${listText(keys)} in ${target.display}${written?.version !== undefined ? ` (version ${written.version})` : ''}`,
      };
    }),
});
