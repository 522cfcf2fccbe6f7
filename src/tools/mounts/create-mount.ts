import { z } from 'zod';
import { resolveEngineType } from '../../client/mounts.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { cleanMount, durationField, mountNew } from '../common.js';
import { scalar } from '../../server/portable-schema.js';

export const createMount = defineTool({
  name: 'create_mount',
  title: 'Create mount',
  description:
    "Mount a new secrets engine at a path. Any engine type works: 'kv' (KV v1), 'kv2' or 'kv-v2' (KV v2), 'pki', 'transit', ... Fails with a clear error if something is already mounted there (nothing is replaced).",
  toolset: 'mounts',
  write: true,
  annotations: ADDITIVE,
  operations: ['mounts_enable'],
  input: {
    type: z
      .string()
      .min(1)
      .describe("Engine type, e.g. 'kv2' (KV v2), 'kv' (KV v1), 'pki', 'transit'."),
    path: z.string().describe("Mount path, e.g. 'team-secrets'."),
    description: z.string().default('').describe('Human-readable description.'),
    options: z
      .record(z.string(), scalar())
      .optional()
      .describe('Engine options, e.g. {"version": "2"} for KV; values are sent as strings.'),
    default_lease_ttl: durationField('Default lease TTL, e.g. 768h.').optional(),
    max_lease_ttl: durationField('Maximum lease TTL, e.g. 87600h.').optional(),
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
