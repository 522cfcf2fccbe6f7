import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, mountEngine, scopedToken } from '../support/vault.js';

let mcp: McpHarness;
let v2 = '';
let v1 = '';

beforeAll(async () => {
  v2 = await mountEngine('kvt2', 'kv-v2');
  v1 = await mountEngine('kvt1', 'kv-v1');
  mcp = await connect();
});
afterAll(() => mcp.close());

describe('key material inside other text (attack-7 F3)', () => {
  it('a DER private key after a prefix in custom_metadata is withheld in structuredContent too', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = privateKey.export({ format: 'der', type: 'sec1' }).toString('base64');
    // A mount of its own: list_secrets below expects the shared mounts' tops as it left them.
    const own = await mountEngine('kvkeyed', 'kv-v2');
    await adminRequest('POST', `${own}/data/keyed`, { data: { a: '1' } });
    await adminRequest('POST', `${own}/metadata/keyed`, {
      custom_metadata: { note: `key:${der}`, owner: 'team-a' },
    });
    const result = await mcp.call('read_secret_metadata', { mount: own, path: 'keyed' });
    const structured = result.structuredContent as { custom_metadata: Record<string, string> };
    expect(structured.custom_metadata).toEqual({ note: 'key:<withheld>', owner: 'team-a' });
    expect(JSON.stringify(result)).not.toContain(der.slice(0, 40));
  });
});

describe('list_secrets', () => {
  it('lists a folder, tolerates a trailing slash on mount, gives [] for an empty mount', async () => {
    expect(await mcp.ok('list_secrets', { mount: `${v2}/` })).toEqual({
      mount: v2,
      path: '',
      kv_version: 2,
      keys: [],
    });
    await adminRequest('POST', `${v2}/data/app/one`, { data: { a: '1' } });
    await adminRequest('POST', `${v2}/data/app/sub/two`, { data: { b: '2' } });
    expect(await mcp.ok('list_secrets', { mount: v2, path: 'app/' })).toEqual({
      mount: v2,
      path: 'app',
      kv_version: 2,
      keys: ['one', 'sub/'],
    });
    const result = await mcp.call('list_secrets', { mount: v2, path: 'missing/folder' });
    expect(textOf(result)).toBe(`${v2}/missing/folder/ (KV v2) is empty: []`);
  });

  it('works on KV v1', async () => {
    await adminRequest('POST', `${v1}/team/db`, { user: 'u' });
    expect(await mcp.ok('list_secrets', { mount: v1 })).toEqual({
      mount: v1,
      path: '',
      kv_version: 1,
      keys: ['team/'],
    });
  });

  it('names the real mount when given a path inside it, and refuses what is not a KV mount', async () => {
    expect(await mcp.fails('list_secrets', { mount: `${v2}/app` })).toBe(
      `'${v2}/app' is not a mount: it is inside the mount '${v2}'. Call again with mount='${v2}' and path='app'.`,
    );
    expect(await mcp.fails('list_secrets', { mount: 'sys' })).toBe(
      "'sys' is a system mount, not a KV mount; list_mounts shows the mounts and their types",
    );
    expect(await mcp.fails('list_secrets', { mount: 'no-such-mount' })).toMatch(
      /^no secrets engine is visible at 'no-such-mount\/'/,
    );
    expect(await mcp.fails('list_secrets', { mount: '' })).toBe(
      "mount is empty: give the mount path, e.g. 'secret' or 'pki'",
    );
    expect(await mcp.fails('list_secrets', { mount: v2, path: '../sys' })).toBe(
      'invalid path: ".." segments are not allowed ("../sys"); give the path inside the mount',
    );
  });
});

describe('read_secret', () => {
  it('returns key names and version metadata, never values', async () => {
    await adminRequest('POST', `${v2}/data/myapp/database`, {
      data: { username: 'appuser', password: 'j3ffAlb3rts0n' },
    });
    const result = await mcp.call('read_secret', { mount: v2, path: 'myapp/database' });
    expect(result.isError).toBeFalsy();
    const s = result.structuredContent as Record<string, unknown>;
    expect(s).toMatchObject({
      mount: v2,
      path: 'myapp/database',
      kv_version: 2,
      keys: ['password', 'username'],
      version: 1,
      deleted: false,
      values_withheld: true,
    });
    expect(s['data']).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain('j3ffAlb3rts0n');
    expect(JSON.stringify(result)).not.toContain('appuser');
    expect(textOf(result)).toContain('VAULT_MCP_REVEAL_SECRETS=true');
  });

  it('reads an older version and reports deleted versions without failing', async () => {
    await adminRequest('POST', `${v2}/data/versioned`, { data: { k: '1' } });
    await adminRequest('POST', `${v2}/data/versioned`, { data: { k: '2', extra: 'x' } });
    expect(await mcp.ok('read_secret', { mount: v2, path: 'versioned', version: 1 })).toMatchObject(
      { keys: ['k'], version: 1 },
    );
    await adminRequest('DELETE', `${v2}/data/versioned`);
    const deleted = await mcp.call('read_secret', { mount: v2, path: 'versioned' });
    expect(deleted.structuredContent).toMatchObject({
      deleted: true,
      keys: [],
      version: 2,
      values_withheld: false,
    });
    expect(textOf(deleted)).toMatch(
      /version 2 was deleted at .*; undelete_secret_versions restores it\./,
    );
  });

  it('gives clear errors for missing secrets, a version on KV v1 and bad arguments', async () => {
    expect(await mcp.fails('read_secret', { mount: v2, path: 'nope' })).toBe(
      `no secret at ${v2}/nope: nothing was ever written there. list_secrets on the folder shows what exists.`,
    );
    expect(await mcp.fails('read_secret', { mount: v1, path: 'team/db', version: 1 })).toBe(
      `'${v1}' is KV version 1, which keeps no versions: call again without version`,
    );
    expect(await mcp.fails('read_secret', { mount: v2 })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool read_secret: Invalid input: expected string, received undefined at path',
    );
    expect(await mcp.fails('read_secret', { mount: v2, path: 'x', version: 'latest' })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool read_secret: Invalid input: expected number, received string at version',
    );
    expect(await mcp.fails('read_secret', { mount: v2, path: 'x', secret_path: 'y' })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool read_secret: Unrecognized key: "secret_path"',
    );
  });
});

describe('write_secret', () => {
  it('sets one key and keeps the others (KV v2, guarded by check-and-set)', async () => {
    await adminRequest('POST', `${v2}/data/w/one`, { data: { keep: 'me' } });
    expect(
      await mcp.ok('write_secret', {
        mount: v2,
        path: 'w/one',
        key: 'added',
        value: 's3cret-value',
      }),
    ).toEqual({
      mount: v2,
      path: 'w/one',
      kv_version: 2,
      keys_written: ['added'],
      keys: ['added', 'keep'],
      version: 2,
      created_time: expect.any(String),
    });
    const stored = (await adminRequest('GET', `${v2}/data/w/one`)) as {
      data: { data: Record<string, string> };
    };
    expect(stored.data.data).toEqual({ keep: 'me', added: 's3cret-value' });
    // A number or boolean keeps its JSON type, as in `data`.
    await mcp.ok('write_secret', { mount: v2, path: 'w/one', key: 'port', value: 5432 });
    await mcp.ok('write_secret', { mount: v2, path: 'w/one', key: 'tls', value: false });
    const typed = (await adminRequest('GET', `${v2}/data/w/one`)) as {
      data: { data: Record<string, unknown> };
    };
    expect(typed.data.data).toEqual({ keep: 'me', added: 's3cret-value', port: 5432, tls: false });
  });

  it('writes a whole secret with data, creating it when absent, with an empty value allowed', async () => {
    const out = await mcp.ok('write_secret', { mount: v2, path: 'w/two', data: { a: '1', b: '' } });
    expect(out).toMatchObject({ keys_written: ['a', 'b'], keys: ['a', 'b'], version: 1 });
    const result = await mcp.call('write_secret', {
      mount: v2,
      path: 'w/two',
      data: { only: 'x' },
    });
    expect(JSON.stringify(result)).not.toContain('"x"');
    const stored = (await adminRequest('GET', `${v2}/data/w/two`)) as {
      data: { data: Record<string, string> };
    };
    expect(stored.data.data).toEqual({ only: 'x' });
  });

  it('honours an explicit cas and reports a mismatch without writing', async () => {
    const message = await mcp.fails('write_secret', {
      mount: v2,
      path: 'w/two',
      data: { z: '1' },
      cas: 1,
    });
    expect(message).toMatch(
      new RegExp(
        `^Vault rejected POST /v1/${v2}/data/w/two \\(400: check-and-set parameter did not match the current version\\)\\.$`,
      ),
    );
    const stored = (await adminRequest('GET', `${v2}/data/w/two`)) as {
      data: { metadata: { version: number } };
    };
    expect(stored.data.metadata.version).toBe(2);
  });

  it('works on KV v1 (merge of one key)', async () => {
    await mcp.ok('write_secret', { mount: v1, path: 'team/db', key: 'pass', value: 'p' });
    const stored = (await adminRequest('GET', `${v1}/team/db`)) as { data: Record<string, string> };
    expect(stored.data).toEqual({ user: 'u', pass: 'p' });
  });

  it('rejects contradictory or empty input with what to change', async () => {
    expect(await mcp.fails('write_secret', { mount: v2, path: 'w/x' })).toBe(
      'nothing to write: give key and value (one key) or data (the whole secret as an object)',
    );
    expect(
      await mcp.fails('write_secret', {
        mount: v2,
        path: 'w/x',
        key: 'k',
        value: 'v',
        data: { a: 1 },
      }),
    ).toBe('give either key and value, or data, not both');
    expect(await mcp.fails('write_secret', { mount: v2, path: 'w/x', key: 'k' })).toBe(
      'key and value go together: give both',
    );
    expect(
      await mcp.fails('write_secret', { mount: v1, path: 'w/x', data: { a: 1 }, cas: 0 }),
    ).toBe(`'${v1}' is KV version 1, which has no check-and-set: call again without cas`);
    expect(
      (await adminRequest('GET', `${v2}/metadata/w/?list=true`)) as { data: { keys: string[] } },
    ).toMatchObject({ data: { keys: ['one', 'two'] } });
  });
});

describe('delete_secret', () => {
  it('removes one key as a new version, then the whole secret as a soft delete', async () => {
    await adminRequest('POST', `${v2}/data/d/one`, { data: { a: '1', b: '2' } });
    expect(await mcp.ok('delete_secret', { mount: v2, path: 'd/one', key: 'a' })).toEqual({
      mount: v2,
      path: 'd/one',
      kv_version: 2,
      deleted: 'key',
      key: 'a',
      remaining_keys: ['b'],
      version: 2,
      recoverable: true,
    });
    expect(await mcp.ok('delete_secret', { mount: v2, path: 'd/one' })).toEqual({
      mount: v2,
      path: 'd/one',
      kv_version: 2,
      deleted: 'secret',
      recoverable: true,
    });
    expect(await mcp.fails('delete_secret', { mount: v2, path: 'd/one' })).toBe(
      `no secret to delete at ${v2}/d/one (its latest version is already deleted)`,
    );
    expect(await mcp.fails('delete_secret', { mount: v2, path: 'd/never' })).toBe(
      `no secret to delete at ${v2}/d/never`,
    );
  });

  it('says which keys exist when the key is wrong, and deletes KV v1 for good', async () => {
    await adminRequest('POST', `${v1}/d/one`, { a: '1' });
    expect(await mcp.fails('delete_secret', { mount: v1, path: 'd/one', key: 'zz' })).toBe(
      `${v1}/d/one has no key 'zz' (keys: a)`,
    );
    expect(await mcp.ok('delete_secret', { mount: v1, path: 'd/one', key: 'a' })).toMatchObject({
      deleted: 'secret',
      recoverable: false,
    });
    await expect(adminRequest('GET', `${v1}/d/one`)).rejects.toThrow(/404/);
  });
});

describe('KV v2 lifecycle tools', () => {
  it('patch, metadata, versions and permanent delete', async () => {
    await adminRequest('POST', `${v2}/data/life`, { data: { a: '1' } });
    expect(
      await mcp.ok('patch_secret', { mount: v2, path: 'life', data: { b: '2' } }),
    ).toMatchObject({ keys_patched: ['b'], version: 2 });
    expect(
      await mcp.ok('write_secret_metadata', {
        mount: v2,
        path: 'life',
        max_versions: 7,
        custom_metadata: { owner: 'team-a' },
      }),
    ).toEqual({
      mount: v2,
      path: 'life',
      updated: ['custom_metadata', 'max_versions'],
    });
    const meta = await mcp.ok<{
      versions: Array<{ version: number }>;
      max_versions: number;
      custom_metadata: Record<string, string>;
      current_version: number;
    }>('read_secret_metadata', { mount: v2, path: 'life' });
    expect(meta.current_version).toBe(2);
    expect(meta.max_versions).toBe(7);
    expect(meta.custom_metadata).toEqual({ owner: 'team-a' });
    expect(meta.versions.map((v) => v.version)).toEqual([1, 2]);

    expect(
      await mcp.ok('delete_secret_versions', { mount: v2, path: 'life', versions: [2, 2] }),
    ).toEqual({ mount: v2, path: 'life', versions: [2], operation: 'delete' });
    expect(
      await mcp.ok('undelete_secret_versions', { mount: v2, path: 'life', versions: [2] }),
    ).toMatchObject({ operation: 'undelete' });
    expect(
      await mcp.ok('destroy_secret_versions', { mount: v2, path: 'life', versions: [1] }),
    ).toMatchObject({ operation: 'destroy' });
    expect(await mcp.ok('read_secret', { mount: v2, path: 'life', version: 1 })).toMatchObject({
      deleted: true,
      destroyed: true,
    });
    expect(await mcp.ok('delete_secret_metadata', { mount: v2, path: 'life' })).toEqual({
      mount: v2,
      path: 'life',
      versions_removed: 2,
    });
    expect(await mcp.fails('read_secret_metadata', { mount: v2, path: 'life' })).toBe(
      `no secret at ${v2}/life: nothing was ever written there`,
    );
  });

  it('refuses v2-only tools on KV v1 and empty changes', async () => {
    expect(await mcp.fails('patch_secret', { mount: v1, path: 'team/db', data: { a: 1 } })).toBe(
      `patch_secret needs a KV version 2 mount; '${v1}' is KV version 1 (it keeps no versions or metadata)`,
    );
    expect(await mcp.fails('write_secret_metadata', { mount: v2, path: 'x' })).toBe(
      'nothing to change: give at least one of max_versions, cas_required, delete_version_after, custom_metadata',
    );
    expect(await mcp.fails('delete_secret_versions', { mount: v2, path: 'x', versions: [] })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool delete_secret_versions: give at least one version number at versions',
    );
    expect(
      await mcp.fails('write_secret_metadata', {
        mount: v2,
        path: 'x',
        delete_version_after: 'soon',
      }),
    ).toMatch(
      /must be a duration like 72h, 30m, 1h30m, 30d or a number of seconds at delete_version_after/,
    );
  });

  it('refuses a value nested too deeply to encode, and writes nothing', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expect(await mcp.fails('write_secret', { mount: v2, path: 'deep', data: { k: deep } })).toBe(
      'invalid body: is nested too deeply to encode as JSON; flatten it',
    );
    expect(await mcp.fails('read_secret', { mount: v2, path: 'deep' })).toBe(
      `no secret at ${v2}/deep: nothing was ever written there. list_secrets on the folder shows what exists.`,
    );
  });
});

describe('audit_secrets', () => {
  it('walks the tree with keys and times, never values, and marks truncation', async () => {
    const mount = await mountEngine('audit', 'kv-v2');
    await adminRequest('POST', `${mount}/data/myapp/database`, {
      data: { username: 'appuser', password: 'pw-value-1' },
    });
    await adminRequest('POST', `${mount}/data/myapp/integrations/payment-gateway`, {
      data: { api_key: 'key-value-2', endpoint: 'https://x' },
    });
    await adminRequest('POST', `${mount}/data/other/thing`, { data: { t: 'value-3' } });
    const result = await mcp.call('audit_secrets', { mount });
    const s = result.structuredContent as {
      secrets: Array<{
        path: string;
        keys: string[];
        current_version: number;
        updated_time: string;
      }>;
      folders: number;
      truncated: boolean;
    };
    expect(s.secrets.map((e) => [e.path, e.keys, e.current_version])).toEqual([
      ['myapp/database', ['password', 'username'], 1],
      ['myapp/integrations/payment-gateway', ['api_key', 'endpoint'], 1],
      ['other/thing', ['t'], 1],
    ]);
    expect(s.secrets.every((e) => /^\d{4}-\d\d-\d\dT/.test(e.updated_time))).toBe(true);
    expect(s.folders).toBe(4);
    expect(s.truncated).toBe(false);
    const text = textOf(result);
    expect(text.split('\n')[0]).toBe(`${mount}/`);
    expect(text).toContain('│   └── integrations/');
    expect(text).toMatch(/3 secrets in 4 folders\.$/);
    for (const value of ['pw-value-1', 'key-value-2', 'value-3', 'appuser'])
      expect(JSON.stringify(result)).not.toContain(value);

    const narrow = await mcp.ok<{
      secrets: Array<{ path: string }>;
      truncated: boolean;
      truncated_reason: string;
    }>('audit_secrets', { mount, path: 'myapp', max_secrets: 1 });
    expect(narrow.secrets.map((e) => e.path)).toEqual(['myapp/database']);
    expect(narrow.truncated).toBe(true);
    expect(narrow.truncated_reason).toBe('max_secrets 1 reached');
    const shallow = await mcp.ok<{ secrets: Array<{ path: string }>; truncated_reason: string }>(
      'audit_secrets',
      { mount, max_depth: 2 },
    );
    expect(shallow.secrets.map((e) => e.path)).toEqual(['myapp/database', 'other/thing']);
    expect(shallow.truncated_reason).toBe(`max_depth 2 reached at ${mount}/myapp/integrations/`);

    // A folder the policy hides is reported and skipped; the rest is still walked.
    const token = await scopedToken(
      [
        `path "${mount}/metadata/" { capabilities = ["list"] }`,
        `path "${mount}/metadata/other/*" { capabilities = ["list", "read"] }`,
        `path "${mount}/data/other/*" { capabilities = ["read"] }`,
      ].join('\n'),
    );
    const scoped = await connect({ VAULT_TOKEN: token });
    const partial = await scoped.call('audit_secrets', { mount });
    expect(partial.structuredContent).toMatchObject({
      secrets: [{ path: 'other/thing', keys: ['t'] }],
      unlisted_folders: [{ path: 'myapp/', error: '403: permission denied' }],
      folders: 2,
    });
    expect(textOf(partial)).toMatch(
      /1 secret in 2 folders; could not list myapp\/ \(403: permission denied\)\.$/,
    );
    await scoped.close();
  });
});
