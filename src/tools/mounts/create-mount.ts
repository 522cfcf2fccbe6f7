import { z } from 'zod';
import { resolveEngineType } from '../../client/mounts.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { cleanMount, durationField, mountNew } from '../common.js';
import { scalar } from '../../server/portable-schema.js';

export const createMount = defineTool({
  name: 'create_mount',
  title: 'Create mount',
  description: 'Mount a new secrets engine at a path; fails if something is mounted there.',
  toolset: 'mounts',
  write: true,
  annotations: ADDITIVE,
  operations: ['mounts_enable'],
  input: {
    type: z
      .string()
      .min(1)
      .describe("Any engine, e.g. 'kv2' (KV v2), 'kv' (KV v1), 'pki', 'transit'."),
    path: z.string().describe("E.g. 'team-secrets'."),
    description: z.string().default(''),
    options: z
      .record(z.string(), scalar())
      .optional()
      .describe('E.g. {"version": "2"}; values are sent as strings.'),
    default_lease_ttl: durationField("E.g. '768h' or seconds.").optional(),
    max_lease_ttl: durationField("E.g. '87600h' or seconds.").optional(),
  },
  output: { path: z.string(), type: z.string(), options: z.record(z.string(), z.string()) },
  handler: async (
    { type, path, description, options, default_lease_ttl, max_lease_ttl },
    context,
  ) => {
    const mount = cleanMount(path);
    const resolved = resolveEngineType({ type, options });
    const config = {
      ...(default_lease_ttl !== undefined ? { default_lease_ttl } : {}),
      ...(max_lease_ttl !== undefined ? { max_lease_ttl } : {}),
    };
    await mountNew(
      context,
      mount,
      { type, description, options, ...(Object.keys(config).length ? { config } : {}) },
      'choose another path, or delete_mount it first if it really should be replaced',
    );
    return {
      structured: { path: mount, type: resolved.type, options: resolved.options },
      text: `mounted ${resolved.type}${resolved.options['version'] ? ` v${resolved.options['version']}` : ''} at ${mount}/`,
    };
  },
});
