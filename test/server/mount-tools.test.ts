import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, unique } from '../support/vault.js';

/** The dev server's system default lease TTL (32 days), on Vault and OpenBao alike. */
const SYSTEM_DEFAULT = 2764800;

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
      `${kv}/: kv v2, "team secrets", default_lease_ttl 0 (the system default: ${SYSTEM_DEFAULT}s), max_lease_ttl 0 (the system default: ${SYSTEM_DEFAULT}s), options {"version":"2"}`,
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
      `'${kv}/folder' is not a mount: it is inside the mount '${kv}'; nothing was removed. To delete that secret, use delete_secret (or delete_secret_metadata for every version) with mount='${kv}' and path='folder'; delete_mount with path='${kv}' would delete everything in the mount.`,
    );
    expect(await mcp.fails('tune_mount', { path: kv })).toBe(
      'nothing to tune: give default_lease_ttl, max_lease_ttl, description or options',
    );
  });

  it('state what a TTL means the same way when the server reports effective TTLs, as Vault does', async () => {
    const kv = unique('mnt-ttl');
    await adminRequest('POST', `sys/mounts/${kv}`, { type: 'kv', config: { max_lease_ttl: '2h' } });
    const expected = {
      path: kv,
      default_lease_ttl: 0,
      effective_default_lease_ttl: SYSTEM_DEFAULT,
      max_lease_ttl: 7200,
      effective_max_lease_ttl: 7200,
    };
    const text = `${kv}/: kv v1, "", default_lease_ttl 0 (the system default: ${SYSTEM_DEFAULT}s), max_lease_ttl 7200s, options {}`;
    // OpenBao as it is: sys/internal/ui/mounts reports the raw settings (0 = none).
    const raw = await mcp.call('read_mount', { path: kv });
    expect(raw.structuredContent).toMatchObject({ mount: expected });
    expect(textOf(raw)).toBe(text);
    // Vault's shape of the same answers: a TTL the mount does not set is reported as the system
    // default (vault/logical_system.go mountInfo). Same meaning, same words.
    const vaultShaped = await connect({}, { fetch: effectiveTtls });
    try {
      const effective = await vaultShaped.call('read_mount', { path: kv });
      expect(effective.structuredContent).toMatchObject({ mount: expected });
      expect(textOf(effective)).toBe(text);
      for (const harness of [mcp, vaultShaped]) {
        const { mounts } = await harness.ok<{ mounts: Array<Record<string, unknown>> }>(
          'list_mounts',
        );
        expect(mounts.find((m) => m['path'] === kv)).toMatchObject({
          default_lease_ttl: 0,
          max_lease_ttl: 7200,
        });
      }
    } finally {
      await vaultShaped.close();
    }
  });
});

/**
 * A fetch to the real dev server that rewrites `sys/internal/ui/mounts` answers the way Vault
 * (not OpenBao) computes them: a TTL of 0 becomes the system default.
 */
async function effectiveTtls(request: Request): Promise<Response> {
  const response = await fetch(request);
  if (!new URL(request.url).pathname.startsWith('/v1/sys/internal/ui/mounts')) return response;
  const body = (await response.json()) as {
    data?: {
      config?: Record<string, number>;
      secret?: Record<string, { config?: Record<string, number> }>;
    };
  };
  const configs = [
    body.data?.config,
    ...Object.values(body.data?.secret ?? {}).map((m) => m.config),
  ];
  for (const config of configs) {
    for (const name of ['default_lease_ttl', 'max_lease_ttl']) {
      if (config && config[name] === 0) config[name] = SYSTEM_DEFAULT;
    }
  }
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}
