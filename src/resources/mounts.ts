import { listVisibleMounts } from '../client/mounts.js';
import { json, type ResourceDefinition } from './resource.js';

/** `vault://mounts`: the mount table as this token sees it (`GET /v1/sys/internal/ui/mounts`). */
export const mountsResource: ResourceDefinition = {
  name: 'mounts',
  title: 'Vault mounts',
  description:
    'The secrets-engine mounts this token can see: path, engine type, KV version and description (from sys/internal/ui/mounts; no secret values).',
  mimeType: 'application/json',
  uri: 'vault://mounts',
  read: async (_uri, _variables, { context }) =>
    json({
      mounts: (await listVisibleMounts(context.vault)).map((m) => ({
        path: m.path.replace(/\/$/, ''),
        type: m.type,
        ...(m.kvVersion ? { kv_version: m.kvVersion } : {}),
        description: m.description,
      })),
    }),
};
