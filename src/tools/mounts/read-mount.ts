import { z } from 'zod';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import { cleanMount, visibleMount } from '../common.js';
import { describeMount, mountSchema } from './shared.js';

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
    const mount = cleanMount(path);
    const { info } = await visibleMount(context, mount, { fresh: true });
    const described = describeMount(info);
    if (described.path !== mount) {
      throw new ToolInputError(
        `'${mount}' is not a mount: it is inside the mount '${described.path}'`,
      );
    }
    return {
      structured: { mount: described },
      text: `${described.path}/: ${described.kv_version ? `kv v${described.kv_version}` : described.type}, "${described.description}", default_lease_ttl ${described.default_lease_ttl ?? 0}s, max_lease_ttl ${described.max_lease_ttl ?? 0}s, options ${JSON.stringify(described.options)}`,
    };
  },
});
