import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, unique } from '../support/vault.js';

let mcp: McpHarness;
beforeAll(async () => {
  mcp = await connect();
});
afterAll(() => mcp.close());

describe('mount tools', () => {
  it('create (any engine, kv2 alias), read, tune, list, delete', async () => {
    const kv = unique('mnt-kv');
    const transit = unique('mnt-transit');
    expect(
      await mcp.ok('create_mount', { type: 'kv2', path: `${kv}/`, description: 'team secrets' }),
    ).toEqual({ path: kv, type: 'kv', options: { version: '2' } });
    expect(await mcp.ok('create_mount', { type: 'transit', path: transit })).toEqual({
      path: transit,
      type: 'transit',
      options: {},
    });
    const read = await mcp.call('read_mount', { path: kv });
    expect(read.structuredContent).toMatchObject({
      mount: { path: kv, type: 'kv', kv_version: 2, description: 'team secrets' },
    });
    expect(textOf(read)).toBe(
      `${kv}/: kv v2, "team secrets", default_lease_ttl 0 (the system default), max_lease_ttl 0 (the system default), options {"version":"2"}`,
    );
    expect(
      await mcp.ok('tune_mount', { path: kv, max_lease_ttl: '2h', description: 'tuned' }),
    ).toMatchObject({
      path: kv,
      updated: ['description', 'max_lease_ttl'],
      max_lease_ttl: 7200,
      description: 'tuned',
    });
    const listed = await mcp.ok<{
      mounts: Array<{ path: string; type: string; kv_version?: number }>;
    }>('list_mounts');
    expect(listed.mounts.find((m) => m.path === kv)).toMatchObject({ type: 'kv', kv_version: 2 });
    expect(listed.mounts.find((m) => m.path === transit)).toMatchObject({ type: 'transit' });
    expect(listed.mounts.map((m) => m.path)).toEqual([...listed.mounts.map((m) => m.path)].sort());
    expect(await mcp.fails('create_mount', { type: 'kv', path: kv })).toBe(
      `something is already mounted at '${kv}/' (Vault: path is already in use at ${kv}/): choose another path, or delete_mount it first if it really should be replaced`,
    );
    expect(await mcp.ok('delete_mount', { path: transit })).toEqual({
      path: transit,
      type: 'transit',
    });
    expect(await mcp.fails('delete_mount', { path: transit })).toMatch(
      new RegExp(`^no secrets engine is visible at '${transit}/'`),
    );
  });

  it("refuses Vault's own mounts and paths inside mounts", async () => {
    for (const path of ['sys', 'identity/', 'cubbyhole', 'token']) {
      expect(await mcp.fails('delete_mount', { path })).toBe(
        `'${path.replace(/\/$/, '')}' is one of Vault's own mounts (sys, identity, cubbyhole, token, auth); vault-mcp never removes them`,
      );
    }
    expect(await mcp.fails('delete_mount', { path: 'auth/token' })).toBe(
      "'auth/token' is an auth method, not a secrets engine; vault-mcp never removes auth methods (the mount tools manage secrets engines only)",
    );
    const kv = unique('mnt-inner');
    await adminRequest('POST', `sys/mounts/${kv}`, { type: 'kv' });
    expect(await mcp.fails('delete_mount', { path: `${kv}/folder` })).toBe(
      `'${kv}/folder' is not a mount: it is inside the mount '${kv}'; nothing was removed. Call again with path='${kv}'.`,
    );
    expect(await mcp.fails('tune_mount', { path: kv })).toBe(
      'nothing to tune: give default_lease_ttl, max_lease_ttl, description or options',
    );
  });
});
