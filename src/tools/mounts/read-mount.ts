import { z } from 'zod';
import { defineTool, READ } from '../../server/tool.js';
import { readMountInfo, readMountTune, type MountInfo } from '../../client/mounts.js';
import type { ToolContext } from '../../server/context.js';
import { resolveMount } from '../common.js';
import { describeMount, mountSchema, ttlText, unsetTtls } from './shared.js';

/**
 * What read_mount needs besides the mount to state its TTLs (see leaseTtl): the `sys/` mount as
 * `sys/internal/ui/mounts/sys` reports it, when a TTL is not 0, and the tune endpoint
 * (`GET /v1/sys/mounts/<path>/tune`, effective values) for TTLs reported as 0. Both are optional:
 * a token that may not read them gets what the mount itself says.
 */
async function ttlContext(
  context: ToolContext,
  info: MountInfo,
): Promise<{ system: MountInfo | undefined; effective: Record<string, number> }> {
  const unset = unsetTtls(info);
  const [system, tune] = await Promise.all([
    unset.length < 2 ? readMountInfo(context.vault, 'sys').catch(() => undefined) : undefined,
    unset.length > 0 ? readMountTune(context.vault, info.path).catch(() => undefined) : undefined,
  ]);
  const effective: Record<string, number> = {};
  for (const name of unset) {
    const value = tune?.[name];
    if (typeof value === 'number') effective[name] = value;
  }
  return { system, effective };
}

export const readMount = defineTool({
  name: 'read_mount',
  title: 'Read mount',
  description: 'Read one secrets engine mount (any capability under it will do).',
  toolset: 'mounts',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read'],
  optionalOperations: ['mounts_read_tune'],
  input: { path: z.string().describe("E.g. 'secret'.") },
  output: { mount: mountSchema },
  handler: async ({ path }, context) => {
    const { info } = await resolveMount(context, path, { fresh: true, argument: 'path' });
    const { system, effective } = await ttlContext(context, info);
    const described = describeMount(info, system, effective);
    return {
      structured: { mount: described },
      text: `${described.path}/: ${described.kv_version ? `kv v${described.kv_version}` : described.type}, "${described.description}", default_lease_ttl ${ttlText(described, 'default_lease_ttl')}, max_lease_ttl ${ttlText(described, 'max_lease_ttl')}, options ${JSON.stringify(described.options)}`,
    };
  },
});
