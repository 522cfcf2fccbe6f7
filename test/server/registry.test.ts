import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../generated/operations.js';
import { repoRoot } from '../../scripts/lib/openbao.js';
import { REFERENCE_TOOL_NAMES, TOOLS } from '../../src/tools/index.js';
import { connect, type McpHarness } from '../support/mcp.js';

let mcp: McpHarness;
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
/** What a client assumes for a hint a tool does not list (MCP spec, ToolAnnotations). */
const SPEC_DEFAULTS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};
/** What a bad duration gets (zod's check, not the listed schema). */
const DURATION_REFUSED =
  'MCP error -32602: Input validation error: Invalid arguments for tool create_pki_role: must be a duration like 72h, 30m, 1h30m, 30d or a number of seconds at max_ttl';
const SPEC_WRITE_ONLY: readonly string[] = ['destructiveHint', 'idempotentHint'];
beforeAll(async () => {
  mcp = await connect({ VAULT_MCP_TOOLSETS: 'all' });
});
afterAll(() => mcp.close());

describe('every tool', () => {
  it('declares all four annotations, honestly, and lists the ones that say something', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools).toHaveLength(TOOLS.length + operations.length);
    const declared = new Map<string, Record<string, boolean>>([
      ...operations.map((op) => [op.toolName, { ...op.annotations }] as const),
      ...TOOLS.map((t) => [t.name, { ...t.annotations }] as const),
    ]);
    for (const tool of tools) {
      const own = declared.get(tool.name) ?? {};
      for (const hint of HINTS) expect(typeof own[hint], `${tool.name} ${hint}`).toBe('boolean');
      if (own['readOnlyHint'])
        expect(own['destructiveHint'], `${tool.name}: a read-only tool cannot be destructive`).toBe(
          false,
        );
      // Listed: the declared hints minus the spec's defaults (but a write tool always says
      // destructiveHint), and minus destructiveHint and idempotentHint on a read-only tool
      // (meaningful only when readOnlyHint is false).
      const listed: Record<string, unknown> = { ...tool.annotations };
      const expected = Object.fromEntries(
        HINTS.filter(
          (hint) =>
            own[hint] !== SPEC_DEFAULTS[hint] ||
            (hint === 'destructiveHint' && !own['readOnlyHint']),
        )
          .filter((hint) => !(own['readOnlyHint'] && SPEC_WRITE_ONLY.includes(hint)))
          .map((hint) => [hint, own[hint]]),
      );
      expect(listed, tool.name).toEqual(expected);
      expect(tool.outputSchema, `${tool.name} outputSchema`).toBeDefined();
      expect(tool.name).toMatch(/^[a-z][a-z0-9_]{1,63}$/);
    }
    for (const tool of TOOLS)
      expect(tool.annotations.readOnlyHint, tool.name).toBe(!tool.write && !tool.mintsCredentials);
    const listed = (name: string): unknown => tools.find((t) => t.name === name)?.annotations;
    expect(listed('read_secret')).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(listed('write_secret')).toEqual({ destructiveHint: true, openWorldHint: false });
    expect(listed('delete_mount')).toEqual({
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(listed('patch_secret')).toEqual({ destructiveHint: true, openWorldHint: false });
  });

  it('names only generated operations it really has', () => {
    const known = new Set(operations.map((o) => o.toolName));
    for (const tool of TOOLS) {
      for (const op of [...tool.operations, ...(tool.optionalOperations ?? [])]) {
        expect(known.has(op), `${tool.name} → ${op}`).toBe(true);
      }
    }
  });
});

describe('compatibility with hashicorp/vault-mcp-server', () => {
  const reference: Record<string, { required: string[]; optional: string[] }> = {
    list_mounts: { required: [], optional: [] },
    create_mount: { required: ['path', 'type'], optional: ['description', 'options'] },
    delete_mount: { required: ['path'], optional: [] },
    list_secrets: { required: ['mount'], optional: ['path'] },
    read_secret: { required: ['mount', 'path'], optional: [] },
    write_secret: { required: ['mount', 'path'], optional: ['key', 'value'] },
    delete_secret: { required: ['mount', 'path'], optional: ['key'] },
    enable_pki: { required: [], optional: ['description', 'max_ttl', 'path'] },
    create_pki_issuer: {
      required: ['common_name', 'issuer_name'],
      optional: ['mount', 'root_issuer', 'root_mount', 'ttl', 'type'],
    },
    list_pki_issuers: { required: [], optional: ['mount'] },
    read_pki_issuer: { required: ['issuer_name'], optional: ['mount'] },
    list_pki_roles: { required: [], optional: ['mount'] },
    read_pki_role: { required: ['role_name'], optional: ['mount'] },
    create_pki_role: {
      required: ['role_name'],
      optional: [
        'allow_any_name',
        'allow_glob_domains',
        'allow_ip_sans',
        'allowed_domains',
        'issuer_name',
        'max_ttl',
        'mount',
      ],
    },
    delete_pki_role: { required: ['role_name'], optional: ['mount'] },
    issue_pki_certificate: { required: ['common_name', 'role_name'], optional: ['mount', 'ttl'] },
  };

  it('keeps the 16 names and every parameter; nothing the reference made optional is required', async () => {
    const { tools } = await mcp.client.listTools();
    expect([...REFERENCE_TOOL_NAMES].sort()).toEqual(Object.keys(reference).sort());
    for (const name of REFERENCE_TOOL_NAMES) {
      const tool = tools.find((t) => t.name === name);
      expect(tool, name).toBeDefined();
      const properties = Object.keys((tool?.inputSchema.properties ?? {}) as object);
      const required = (tool?.inputSchema.required ?? []) as string[];
      const spec = reference[name] as { required: string[]; optional: string[] };
      for (const p of [...spec.required, ...spec.optional])
        expect(properties, `${name}.${p}`).toContain(p);
      for (const p of required)
        expect(spec.required, `${name}: ${p} must stay optional`).toContain(p);
    }
  });

  it('applies the defaults the reference declared', async () => {
    const { tools } = await mcp.client.listTools();
    const defaults = (name: string): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(
          (tools.find((t) => t.name === name)?.inputSchema.properties ?? {}) as Record<
            string,
            { default?: unknown }
          >,
        )
          .filter(([, s]) => s.default !== undefined)
          .map(([k, s]) => [k, s.default]),
      );
    expect(defaults('enable_pki')).toEqual({ path: 'pki', description: '', max_ttl: '87600h' });
    expect(defaults('create_pki_issuer')).toEqual({ mount: 'pki', type: 'internal' });
    expect(defaults('create_pki_role')).toEqual({
      mount: 'pki',
      issuer_name: 'default',
      allow_glob_domains: false,
      allow_ip_sans: false,
      max_ttl: '30d',
    });
    expect(defaults('issue_pki_certificate')).toEqual({ mount: 'pki', ttl: '30d' });
  });
});

/**
 * What a strict client flags in a tool's schemas (the MCP Inspector's strict listing counted 13
 * such places on 11 tools; Gemini-style function declarations reject them): a `type` that is an
 * array, and `additionalProperties` that is the empty schema `{}`. Returns `tool: JSON pointer`.
 */
function strictSchemaWarnings(
  tools: ReadonlyArray<{ name: string; inputSchema: unknown; outputSchema?: unknown }>,
): string[] {
  const warnings: string[] = [];
  const walk = (node: unknown, pointer: string, tool: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${pointer}/${i}`, tool));
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const at = `${pointer}/${key}`;
      if (key === 'type' && Array.isArray(value)) warnings.push(`${tool}: ${at} is a type array`);
      if (
        key === 'additionalProperties' &&
        value &&
        typeof value === 'object' &&
        Object.keys(value).length === 0
      )
        warnings.push(`${tool}: ${at} is {}`);
      walk(value, at, tool);
    }
  };
  for (const tool of tools) {
    walk(tool.inputSchema, '#/inputSchema', tool.name);
    walk(tool.outputSchema, '#/outputSchema', tool.name);
  }
  return warnings;
}

describe('schemas strict clients accept', () => {
  it('no type arrays and no additionalProperties {} in any toolset (default and all)', async () => {
    const all = await mcp.client.listTools();
    expect(all.tools).toHaveLength(TOOLS.length + operations.length);
    expect(strictSchemaWarnings(all.tools)).toEqual([]);
    const defaults = await connect();
    try {
      const listed = await defaults.client.listTools();
      expect(listed.tools).toHaveLength(TOOLS.length);
      expect(strictSchemaWarnings(listed.tools)).toEqual([]);
    } finally {
      await defaults.close();
    }
  });

  it('keep the values the tools take: a string, number or boolean value; any JSON object', async () => {
    const { tools } = await mcp.client.listTools();
    const input = (name: string, field: string): unknown =>
      (tools.find((t) => t.name === name)?.inputSchema.properties as Record<string, unknown>)[
        field
      ];
    expect(input('write_secret', 'value')).toEqual({
      anyOf: [
        { type: 'string', description: 'A string.' },
        { type: 'number', description: 'A number.' },
        { type: 'boolean', description: 'A boolean.' },
      ],
      description: 'May be empty; a number or boolean is stored as one.',
    });
    expect(input('kv_v2_write', 'data')).toEqual({
      type: 'object',
      additionalProperties: true,
      description: 'The contents of the data map will be stored and returned on read.',
    });
  });
});

describe('tools/list is short', () => {
  it('leaves out $schema, safe-integer bounds, string propertyNames, execution and annotations.title', async () => {
    const { tools } = await mcp.client.listTools();
    const text = JSON.stringify(tools);
    expect(text).not.toContain('$schema');
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(text).not.toContain('"propertyNames":{"type":"string"}');
    for (const tool of tools) {
      expect(tool.execution, tool.name).toBeUndefined();
      expect(tool.annotations?.title, tool.name).toBeUndefined();
      // Unknown arguments are refused (tests of `Unrecognized key`), but the listing does not say so.
      expect(tool.inputSchema['additionalProperties'], tool.name).toBeUndefined();
      expect(tool.outputSchema?.['required'], tool.name).toBeUndefined();
      expect(JSON.stringify(tool.outputSchema), tool.name).not.toContain(
        '"additionalProperties":false',
      );
    }
    // Real bounds stay.
    const read = tools.find((t) => t.name === 'read_secret');
    expect((read?.inputSchema.properties as Record<string, unknown>)['version']).toEqual({
      description: 'KV v2; default: the latest.',
      type: 'integer',
      exclusiveMinimum: 0,
    });
  });
});

describe('tools/list is short, and validation is not', () => {
  it('lists a duration without its pattern (the description gives the format); a bad one is still refused', async () => {
    const { tools } = await mcp.client.listTools();
    const role = tools.find((t) => t.name === 'create_pki_role');
    expect((role?.inputSchema.properties as Record<string, unknown>)['max_ttl']).toEqual({
      default: '30d',
      description: "Longest certificate lifetime, e.g. '90d' or seconds.",
      anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }],
    });
    expect(JSON.stringify(tools)).not.toContain('ns|us|');
    expect(await mcp.fails('create_pki_role', { role_name: 'web', max_ttl: 'soon' })).toBe(
      DURATION_REFUSED,
    );
  });

  it('lists output objects without additionalProperties: true (the JSON Schema default)', async () => {
    const { tools } = await mcp.client.listTools();
    for (const tool of tools)
      expect(JSON.stringify(tool.outputSchema), tool.name).not.toContain(
        '"additionalProperties":true',
      );
    const role = tools.find((t) => t.name === 'create_pki_role');
    expect((role?.outputSchema?.properties as Record<string, unknown>)['settings']).toEqual({
      type: 'object',
    });
  });
});

describe('tool schema snapshots', () => {
  it('match test/__toolsnaps__ (a change to the MCP surface is a reviewed diff)', async () => {
    const { tools } = await mcp.client.listTools();
    for (const tool of tools.filter((t) => TOOLS.some((h) => h.name === t.name))) {
      await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(
        join(repoRoot, 'test', '__toolsnaps__', `${tool.name}.json`),
      );
    }
    const api = tools
      .filter((t) => !TOOLS.some((h) => h.name === t.name))
      .map((t) => ({ name: t.name, annotations: t.annotations, inputSchema: t.inputSchema }));
    await expect(`${JSON.stringify(api, null, 2)}\n`).toMatchFileSnapshot(
      join(repoRoot, 'test', '__toolsnaps__', 'api-toolset.json'),
    );
    expect(
      readFileSync(join(repoRoot, 'test', '__toolsnaps__', 'read_secret.json'), 'utf8'),
    ).toContain('"readOnlyHint": true');
  });
});
