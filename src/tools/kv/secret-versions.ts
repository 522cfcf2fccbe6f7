/** The three KV v2 version operations share everything but the verb. */
import { z } from 'zod';
import { kvVersions } from '../../client/kv.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT, type ToolAnnotations } from '../../server/tool.js';
import { mountField, secretPathField, versionsField } from '../common.js';
import { requireV2, withKvTarget } from './kv-target.js';

function versionsTool(spec: {
  name: string;
  title: string;
  description: string;
  verb: 'delete' | 'undelete' | 'destroy';
  done: string;
  annotations: ToolAnnotations;
  operation: string;
}) {
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    toolset: 'kv',
    write: true,
    annotations: spec.annotations,
    operations: ['ui_mounts_read', spec.operation],
    input: {
      mount: mountField('secret', 'KV v2'),
      path: secretPathField,
      versions: versionsField,
    },
    output: {
      mount: z.string(),
      path: z.string(),
      versions: z.array(z.number().int()),
      operation: z.string(),
    },
    handler: async ({ mount, path, versions }, context) =>
      withKvTarget(context, mount, path, { needPath: true }, async (target) => {
        requireV2(target, spec.name);
        const sorted = [...new Set(versions)].sort((a, b) => a - b);
        await kvVersions(context.vault, target.mount, target.path, 2, spec.verb, sorted);
        return {
          structured: {
            mount: target.mount,
            path: target.path,
            versions: sorted,
            operation: spec.verb,
          },
          text: `${spec.done} version${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')} of ${target.display}`,
        };
      }),
  });
}

export const deleteSecretVersions = versionsTool({
  name: 'delete_secret_versions',
  title: 'Soft-delete secret versions',
  description: 'Soft-delete versions of a KV v2 secret; undelete_secret_versions restores them.',
  verb: 'delete',
  done: 'soft-deleted',
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operation: 'kv_v2_delete_versions',
});

export const undeleteSecretVersions = versionsTool({
  name: 'undelete_secret_versions',
  title: 'Undelete secret versions',
  description: 'Restore soft-deleted versions of a KV v2 secret (not destroyed ones).',
  verb: 'undelete',
  done: 'restored',
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  operation: 'kv_v2_undelete_versions',
});

export const destroySecretVersions = versionsTool({
  name: 'destroy_secret_versions',
  title: 'Destroy secret versions',
  description: 'Permanently destroy versions of a KV v2 secret (cannot be undone).',
  verb: 'destroy',
  done: 'destroyed',
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operation: 'kv_v2_destroy_versions',
});
