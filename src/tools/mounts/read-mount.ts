import { z } from 'zod';
import { defineTool, READ } from '../../server/tool.js';
import { resolveMount } from '../common.js';
import { describeMount, mountSchema } from './shared.js';

/** `3600s`, or Vault's meaning of 0: the system-wide default (tune_mount shows the value in force). */
function ttlText(seconds: number | undefined): string {
  return seconds ? `${seconds}s` : '0 (the system default)';
}

export const readMount = defineTool({
  name: 'read_mount',
  title: 'Read mount',
  description:
    'Read one secrets engine mount: type, KV version, description, accessor, options and lease TTLs (seconds). Works with any token that has a capability under the mount (sys/internal/ui/mounts).',
  toolset: 'mounts',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read'],
  input: { path: z.string().describe("Mount path, e.g. 'secret' or 'pki'.") },
  output: { mount: mountSchema },
  handler: async ({ path }, context) => {
    const { info } = await resolveMount(context, path, { fresh: true, argument: 'path' });
    const described = describeMount(info);
    return {
      structured: { mount: described },
      text: `${described.path}/: ${described.kv_version ? `kv v${described.kv_version}` : described.type}, "${described.description}", default_lease_ttl ${ttlText(described.default_lease_ttl)}, max_lease_ttl ${ttlText(described.max_lease_ttl)}, options ${JSON.stringify(described.options)}`,
    };
  },
});
