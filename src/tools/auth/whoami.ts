import { z } from 'zod';
import { capabilitiesSelf, lookupSelf } from '../../client/token.js';
import { normalizePath } from '../../client/paths.js';
import { defineTool, READ } from '../../server/tool.js';
import { listText } from '../common.js';
import { nullable } from '../../server/portable-schema.js';

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Describe the Vault token vault-mcp uses (never the token itself); optionally its capabilities on given paths.',
  toolset: 'auth',
  write: false,
  annotations: READ,
  operations: ['token_lookup_self', 'capabilities_self'],
  input: {
    paths: z
      .array(z.string().min(1))
      .max(100)
      .optional()
      .describe("API paths after /v1/, e.g. ['secret/data/myapp/db']."),
  },
  output: {
    display_name: z.string(),
    accessor: z.string(),
    policies: z.array(z.string()),
    root: z.boolean(),
    ttl: z.number().int().describe('Seconds left; 0: no expiry.'),
    renewable: z.boolean(),
    expire_time: nullable(z.string(), 'RFC 3339.').describe('null: never.'),
    type: z.string(),
    namespace: z.string().optional(),
    capabilities: z.record(z.string(), z.array(z.string())).optional(),
    tools: z
      .array(
        z.object({
          name: z.string(),
          usable: nullable(z.boolean(), 'Every call allowed.').describe('null: unknown.'),
          allowed_on: z.array(z.string()).describe('Mounts where all its calls are allowed.'),
          missing: z.string().optional(),
          note: z.string().optional(),
        }),
      )
      .optional()
      .describe('Per enabled tool: can this token use it?'),
  },
  handler: async ({ paths }, context) => {
    const token = await lookupSelf(context.vault);
    const checked = paths?.length
      ? await capabilitiesSelf(
          context.vault,
          paths.map((p) => normalizePath('paths', p)),
        )
      : undefined;
    const verdicts = context.capabilities ? await context.capabilities() : undefined;
    const tools = verdicts
      ? [...verdicts.values()].map((v) => ({
          name: v.tool,
          usable: v.usable ?? null,
          allowed_on: [...v.allowedOn],
          ...(v.missing ? { missing: v.missing } : {}),
          ...(v.note ? { note: v.note } : {}),
        }))
      : undefined;
    const root = token.policies.includes('root');
    const structured = {
      display_name: token.display_name,
      accessor: token.accessor,
      policies: [...token.policies],
      root,
      ttl: token.ttl,
      renewable: token.renewable,
      expire_time: token.expire_time,
      type: token.type,
      ...(context.vault.info.namespace ? { namespace: context.vault.info.namespace } : {}),
      ...(checked ? { capabilities: checked } : {}),
      ...(tools ? { tools } : {}),
    };
    const lines = [
      `token '${token.display_name}' (accessor ${token.accessor}), policies ${listText(token.policies)}${root ? ' (ROOT: unrestricted; use a scoped token)' : ''}`,
      `ttl ${token.ttl ? `${token.ttl}s, expires ${token.expire_time}` : 'none (never expires)'}, renewable ${token.renewable}`,
      ...Object.entries(checked ?? {}).map(([p, caps]) => `  ${p}: ${caps.join(', ')}`),
      ...(tools
        ? [
            `tools usable: ${tools.filter((t) => t.usable).length} of ${tools.length}`,
            ...tools
              .filter((t) => t.usable === false)
              .map((t) => `  not allowed: ${t.name} (needs ${t.missing})`),
            ...tools
              .filter((t) => t.usable === null)
              .map((t) => `  unknown: ${t.name} (${t.note ?? 'not determined'})`),
          ]
        : []),
    ];
    return { structured, text: lines.join('\n') };
  },
});
