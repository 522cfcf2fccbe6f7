import { z } from 'zod';
import { kvReadMetadata } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import { mountField, secretPathField, time } from '../common.js';
import { requireV2, withKvTarget } from './kv-target.js';

const versionSchema = z.object({
  version: z.number().int(),
  created_time: z.string().optional(),
  deletion_time: z.string().optional(),
  destroyed: z.boolean(),
});

export const readSecretMetadata = defineTool({
  name: 'read_secret_metadata',
  title: 'Read secret metadata',
  description:
    "Read a KV v2 secret's metadata: versions, times, custom metadata, settings. No values.",
  toolset: 'kv',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'kv_v2_read_metadata'],
  input: { mount: mountField('secret', 'KV v2'), path: secretPathField },
  output: {
    mount: z.string(),
    path: z.string(),
    current_version: z.number().int(),
    oldest_version: z.number().int(),
    created_time: z.string().optional(),
    updated_time: z.string().optional(),
    max_versions: z.number().int(),
    cas_required: z.boolean(),
    delete_version_after: z.string(),
    custom_metadata: z.record(z.string(), z.string()).nullable(),
    versions: z.array(versionSchema),
  },
  handler: async ({ mount, path }, context) =>
    withKvTarget(context, mount, path, { needPath: true }, async (target) => {
      requireV2(target, 'read_secret_metadata');
      const meta = await kvReadMetadata(context.vault, target.mount, target.path, 2);
      if (!meta)
        throw new ToolInputError(`no secret at ${target.display}: nothing was ever written there`);
      const versions = Object.entries(meta.versions ?? {})
        .map(([n, v]) => ({
          version: Number(n),
          ...(time(v.created_time) ? { created_time: time(v.created_time) } : {}),
          ...(time(v.deletion_time) ? { deletion_time: time(v.deletion_time) } : {}),
          destroyed: v.destroyed,
        }))
        .sort((a, b) => a.version - b.version);
      const structured = {
        mount: target.mount,
        path: target.path,
        current_version: meta.current_version,
        oldest_version: meta.oldest_version,
        ...(time(meta.created_time) ? { created_time: time(meta.created_time) } : {}),
        ...(time(meta.updated_time) ? { updated_time: time(meta.updated_time) } : {}),
        max_versions: meta.max_versions,
        cas_required: meta.cas_required,
        delete_version_after: String(meta.delete_version_after),
        custom_metadata: meta.custom_metadata ?? null,
        versions,
      };
      const lines = versions.map(
        (v) =>
          `  v${v.version}: written ${v.created_time ?? '?'}${v.destroyed ? ', destroyed' : v.deletion_time ? `, deleted ${v.deletion_time}` : ''}`,
      );
      return {
        structured,
        text: [
          `${target.display}: current version ${meta.current_version}, updated ${time(meta.updated_time) ?? '?'}, created ${time(meta.created_time) ?? '?'}`,
          ...lines,
          `max_versions ${meta.max_versions}, cas_required ${meta.cas_required}, delete_version_after ${meta.delete_version_after}${meta.custom_metadata ? `, custom_metadata ${JSON.stringify(meta.custom_metadata)}` : ''}`,
        ].join('\n'),
      };
    }),
});
