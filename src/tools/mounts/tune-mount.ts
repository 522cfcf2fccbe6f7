import { z } from 'zod';
import { readMountTune, tuneMount as tune } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { cleanMount, durationField, mountTableChanged, resolveMount } from '../common.js';
import { refuseProtectedMount } from './shared.js';
import { anyObject } from '../../server/portable-schema.js';

export const tuneMount = defineTool({
  name: 'tune_mount',
  title: 'Tune mount',
  description: `Change a mount's lease TTLs, description or options ({"version": "2"} upgrades KV v1 to v2 for good). Settings not given stay.`,
  toolset: 'mounts',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'mounts_tune', 'mounts_read_tune'],
  input: {
    path: z.string().describe("E.g. 'pki'."),
    default_lease_ttl: durationField("E.g. '768h' or seconds.").optional(),
    max_lease_ttl: durationField("E.g. '87600h' or seconds.").optional(),
    description: z.string().optional(),
    options: z.record(z.string(), z.string()).optional(),
  },
  output: {
    path: z.string(),
    updated: z.array(z.string()),
    default_lease_ttl: z.number().int().optional().describe('Seconds.'),
    max_lease_ttl: z.number().int().optional().describe('Seconds.'),
    description: z.string().optional(),
    options: anyObject().optional(),
  },
  handler: async ({ path, ...settings }, context) => {
    const mount = cleanMount(path);
    refuseProtectedMount(mount, 'tunes');
    const updated = Object.entries(settings)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k)
      .sort();
    if (updated.length === 0)
      throw new ToolInputError(
        'nothing to tune: give default_lease_ttl, max_lease_ttl, description or options',
      );
    await resolveMount(context, mount, {
      fresh: true,
      refused: 'nothing was changed',
      argument: 'path',
    });
    await tune(context.vault, mount, settings);
    mountTableChanged(context);
    // The tune is done; reading it back is informative only and must not turn success into an error.
    const after = await readMountTune(context.vault, mount).catch(
      () => ({}) as Record<string, unknown>,
    );
    const num = (k: string): number | undefined =>
      typeof after[k] === 'number' ? (after[k] as number) : undefined;
    const structured = {
      path: mount,
      updated,
      ...(num('default_lease_ttl') !== undefined
        ? { default_lease_ttl: num('default_lease_ttl') }
        : {}),
      ...(num('max_lease_ttl') !== undefined ? { max_lease_ttl: num('max_lease_ttl') } : {}),
      ...(typeof after['description'] === 'string' ? { description: after['description'] } : {}),
      ...(after['options'] && typeof after['options'] === 'object'
        ? { options: after['options'] as Record<string, unknown> }
        : {}),
    };
    return {
      structured,
      text: `tuned ${mount}/ (${updated.join(', ')}): default_lease_ttl ${structured.default_lease_ttl ?? '?'}s, max_lease_ttl ${structured.max_lease_ttl ?? '?'}s`,
    };
  },
});
