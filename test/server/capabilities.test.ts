/** Capability-aware tools under the tutorial's policy, on a dev server of its own. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  repoRoot,
  startDevServer,
  vaultRequest,
  type DevServer,
} from '../../scripts/lib/openbao.js';
import {
  CapabilityCache,
  PREFETCH_FAILURE_REUSE_MS,
  type ToolVerdict,
} from '../../src/server/capabilities.js';
import { connect } from '../support/mcp.js';

let vault: DevServer;
let token = '';
beforeAll(async () => {
  vault = await startDevServer();
  await vaultRequest(vault, 'POST', 'sys/policies/acl/tutorial', {
    policy: readFileSync(join(repoRoot, 'test', 'fixtures', 'tutorial-policy.hcl'), 'utf8'),
  });
  await vaultRequest(vault, 'POST', 'sys/mounts/pki', { type: 'pki' });
  const created = (await vaultRequest(vault, 'POST', 'auth/token/create', {
    policies: ['tutorial'],
    ttl: '1h',
  })) as { auth: { client_token: string } };
  token = created.auth.client_token;
});
afterAll(() => vault.stop());

const NOT_ALLOWED = {
  delete_secret_versions: '`create` (new path) or `update` (existing path) on `secret/delete/*`',
  destroy_secret_versions: '`create` (new path) or `update` (existing path) on `secret/destroy/*`',
  issue_pki_certificate: '`update` on `pki/issue/+`',
  list_pki_certificates: '`list` on `pki/certs/`',
  patch_secret: '`patch` on `secret/data/*`',
  revoke_pki_certificate: '`update` on `pki/revoke`',
  undelete_secret_versions:
    '`create` (new path) or `update` (existing path) on `secret/undelete/*`',
  write_secret_metadata: '`patch` on `secret/metadata/*`',
};

describe('capability-aware tools', () => {
  it('by default lists every tool and says in the description what the token lacks; whoami gives the verdicts', async () => {
    const mcp = await connect({ VAULT_ADDR: vault.address, VAULT_TOKEN: token });
    const { tools } = await mcp.client.listTools();
    expect(tools).toHaveLength(34);
    const flagged = Object.fromEntries(
      tools
        .filter((t) => t.description?.includes(' [Denied: this token lacks '))
        .map((t) => [
          t.name,
          / \[Denied: this token lacks (.*)\.\]$/.exec(t.description ?? '')?.[1],
        ]),
    );
    expect(flagged).toEqual(NOT_ALLOWED);
    const me = await mcp.ok<{
      tools: Array<{ name: string; usable: boolean | null; allowed_on: string[] }>;
    }>('whoami');
    expect(
      me.tools
        .filter((t) => t.usable === false)
        .map((t) => t.name)
        .sort(),
    ).toEqual(Object.keys(NOT_ALLOWED).sort());
    expect(me.tools.find((t) => t.name === 'read_secret')).toMatchObject({
      usable: true,
      allowed_on: ['secret'],
    });
    expect(me.tools.find((t) => t.name === 'enable_pki')).toMatchObject({
      usable: true,
      allowed_on: ['pki'],
    });
    expect(mcp.logs.join('')).toContain('token capabilities probed');
    await mcp.close();
  });

  it('with VAULT_MCP_HIDE_UNAUTHORIZED=true hides them and refuses calls', async () => {
    const mcp = await connect({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: token,
      VAULT_MCP_HIDE_UNAUTHORIZED: 'true',
    });
    const names = (await mcp.client.listTools()).tools.map((t) => t.name);
    expect(names).toHaveLength(34 - Object.keys(NOT_ALLOWED).length);
    for (const name of Object.keys(NOT_ALLOWED)) expect(names).not.toContain(name);
    expect(await mcp.fails('patch_secret', { mount: 'secret', path: 'a', data: { x: '1' } })).toBe(
      'patch_secret is hidden because this token lacks `patch` on `secret/data/*` (VAULT_MCP_HIDE_UNAUTHORIZED=true).',
    );
    await mcp.close();
  });

  it('forgets its verdicts when a tool creates or removes a mount', async () => {
    const mcp = await connect({ VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token });
    const verdict = async (tool: string) =>
      (
        await mcp.ok<{
          tools: Array<{ name: string; usable: boolean | null; allowed_on: string[] }>;
        }>('whoami')
      ).tools.find((t) => t.name === tool);
    expect((await verdict('list_pki_roles'))?.allowed_on).toEqual(['pki']);
    await mcp.ok('enable_pki', { path: 'pki-second' });
    expect((await verdict('list_pki_roles'))?.allowed_on).toEqual(['pki', 'pki-second']);
    await mcp.ok('delete_mount', { path: 'pki-second' });
    expect((await verdict('list_pki_roles'))?.allowed_on).toEqual(['pki']);
    await mcp.close();
  });

  it('a root token may do everything', async () => {
    const mcp = await connect({ VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token });
    const me = await mcp.ok<{ tools: Array<{ usable: boolean | null }> }>('whoami');
    expect(me.tools.every((t) => t.usable === true)).toBe(true);
    await mcp.close();
  });
});

describe('CapabilityCache.prefetch', () => {
  const verdict = (tool: string): ToolVerdict => ({
    tool,
    usable: true,
    allowedOn: ['secret'],
    missing: undefined,
    note: undefined,
  });

  /** A cache whose first probe fails (Vault unreachable) and whose later probes succeed. */
  const failingFirst = (): { cache: CapabilityCache; probes: () => number; errors: string[] } => {
    let probes = 0;
    const errors: string[] = [];
    const cache = new CapabilityCache(
      async () => {
        probes++;
        if (probes === 1) throw new Error('cannot reach Vault');
        return new Map([['read_secret', verdict('read_secret')]]);
      },
      60_000,
      (error) => errors.push((error as Error).message),
    );
    return { cache, probes: () => probes, errors };
  };

  it('a failed prefetch answers the first get() without a second probe; the next get() probes again', async () => {
    const { cache, probes, errors } = failingFirst();
    cache.prefetch();
    expect([...(await cache.get()).keys()]).toEqual([]);
    expect({ probes: probes(), errors }).toEqual({ probes: 1, errors: ['cannot reach Vault'] });
    expect([...(await cache.get()).keys()]).toEqual(['read_secret']);
    expect(probes()).toBe(2);
  });

  it('a failed prefetch long past does not answer a late first get(): it probes', async () => {
    const { cache, probes } = failingFirst();
    const start = Date.now();
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    try {
      cache.prefetch();
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      vi.setSystemTime(start + PREFETCH_FAILURE_REUSE_MS + 1);
      expect([...(await cache.get()).keys()]).toEqual(['read_secret']);
      expect(probes()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a successful prefetch is cached like any probe', async () => {
    let probes = 0;
    const cache = new CapabilityCache(
      async () => {
        probes++;
        return new Map([['read_secret', verdict('read_secret')]]);
      },
      60_000,
      () => undefined,
    );
    cache.prefetch();
    expect([...(await cache.get()).keys()]).toEqual(['read_secret']);
    expect([...(await cache.get()).keys()]).toEqual(['read_secret']);
    expect(probes).toBe(1);
    cache.invalidate();
    await cache.get();
    expect(probes).toBe(2);
  });
});
