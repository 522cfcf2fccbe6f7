import { z } from 'zod';
import { kvWriteMetadata } from '../../client/kv.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { durationField, mountField, secretPathField } from '../common.js';
import { requireV2, withKvTarget } from './kv-target.js';

export const writeSecretMetadata = defineTool({
  name: 'write_secret_metadata',
  title: 'Write secret metadata',
  description:
    "Change a KV v2 secret's settings and custom metadata, not its data. Settings not given stay (merge patch: needs patch on the metadata path). Lowering max_versions removes old versions.",
  toolset: 'kv',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'kv_v2_patch_metadata'],
  input: {
    mount: mountField('secret', 'KV v2'),
    path: secretPathField,
    max_versions: z.number().int().nonnegative().optional().describe("0: the mount's setting."),
    cas_required: z.boolean().optional().describe('Check-and-set on every write.'),
    delete_version_after: durationField(
      "Delete versions this long after writing, e.g. '768h' or seconds; 0: never.",
    ).optional(),
    custom_metadata: z
      .record(z.string(), z.string())
      .optional()
      .describe('E.g. {"owner": "team-a"}; replaces the whole map.'),
  },
  output: { mount: z.string(), path: z.string(), updated: z.array(z.string()) },
  handler: async ({ mount, path, ...settings }, context) => {
    const updated = Object.entries(settings)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k)
      .sort();
    if (updated.length === 0) {
      throw new ToolInputError(
        'nothing to change: give at least one of max_versions, cas_required, delete_version_after, custom_metadata',
      );
    }
    return withKvTarget(context, mount, path, { needPath: true, creates: true }, async (target) => {
      requireV2(target, 'write_secret_metadata');
      await kvWriteMetadata(context.vault, target.mount, target.path, 2, settings);
      return {
        structured: { mount: target.mount, path: target.path, updated },
        text: `updated ${updated.join(', ')} of ${target.display}`,
      };
    });
  },
});
