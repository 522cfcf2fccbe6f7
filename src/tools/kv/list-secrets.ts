import { z } from 'zod';
import { defineTool, READ } from '../../server/tool.js';
import { mountField } from '../common.js';
import { listInScope, withKvTarget } from './kv-target.js';

export const listSecrets = defineTool({
  name: 'list_secrets',
  title: 'List secrets',
  description:
    'List the keys directly under a folder of a KV mount; [] when empty or missing. audit_secrets walks the whole tree.',
  toolset: 'kv',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'kv_v2_list', 'kv_v1_list'],
  input: {
    mount: mountField('secret', 'KV'),
    path: z.string().default('').describe("Folder, e.g. 'myapp/'; empty: the top level."),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    kv_version: z.number().int(),
    keys: z.array(z.string()).describe("Sorted; folders end in '/'."),
  },
  handler: async ({ mount, path }, context) =>
    withKvTarget(context, mount, path, { needPath: false }, async (target) => {
      const keys = await listInScope(context, target, target.path);
      const where = `${target.display}/`;
      return {
        structured: { mount: target.mount, path: target.path, kv_version: target.version, keys },
        text: keys.length
          ? `${where} (KV v${target.version}): ${keys.join(', ')}`
          : `${where} (KV v${target.version}) is empty: []`,
      };
    }),
});
