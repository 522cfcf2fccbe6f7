/**
 * `vault-mcp policy`: the generated policy is enough for every enabled tool and no more. Against
 * a dev server of its own (the policy names `secret/` and `pki/`, which other tests share).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCsr } from '../../scripts/lib/csr.js';
import {
  cliPath,
  repoRoot,
  startDevServer,
  vaultRequest,
  type DevServer,
} from '../../scripts/lib/openbao.js';
import { TOOLS } from '../../src/tools/index.js';
import { connect, type McpHarness } from '../support/mcp.js';
import { coverage, parsePolicy } from '../support/policy.js';

const run = promisify(execFile);
const cli = cliPath;

async function policy(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, 'policy', ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent' },
  });
  return stdout;
}

let vault: DevServer;
beforeAll(async () => {
  vault = await startDevServer();
});
afterAll(() => vault.stop());

async function tokenFor(hcl: string, name: string): Promise<string> {
  await vaultRequest(vault, 'POST', `sys/policies/acl/${name}`, { policy: hcl });
  const created = (await vaultRequest(vault, 'POST', 'auth/token/create', {
    policies: [name],
    ttl: '1h',
  })) as { auth: { client_token: string } };
  return created.auth.client_token;
}

describe('the generated policy text', () => {
  it('for the default toolsets on secret/ and pki/ (committed: test/__policies__/default.hcl)', async () => {
    const hcl = await policy('--kv-mount', 'secret', '--pki-mount', 'pki');
    await expect(hcl).toMatchFileSnapshot(join(repoRoot, 'test', '__policies__', 'default.hcl'));
    expect(hcl).not.toMatch(/path "pki\*/);
    expect(hcl).toContain('path "secret/data/*"');
    expect(hcl).toContain('path "secret/metadata/*"');
  });

  it('read-only grants no create, update, patch, delete or sudo anywhere', async () => {
    const hcl = await policy('--kv-mount', 'secret', '--pki-mount', 'pki', '--read-only');
    await expect(hcl).toMatchFileSnapshot(join(repoRoot, 'test', '__policies__', 'read-only.hcl'));
    const caps = new Set(parsePolicy(hcl).flatMap((s) => s.capabilities));
    expect([...caps].sort()).toEqual(['list', 'read']);
  });

  it('--prefix narrows every KV path to the application', async () => {
    const stanzas = parsePolicy(await policy('--prefix', 'myapp/', '--toolsets', 'kv'));
    expect(stanzas.map((s) => s.path)).toEqual([
      'secret/data/myapp/*',
      'secret/delete/myapp/*',
      'secret/destroy/myapp/*',
      'secret/metadata/myapp/*',
      'secret/undelete/myapp/*',
    ]);
  });
});

describe('a token with the generated policy', () => {
  let mcp: McpHarness;
  beforeAll(async () => {
    const token = await tokenFor(
      await policy('--kv-mount', 'secret', '--pki-mount', 'pki', '--prefix', 'myapp/'),
      'vault-mcp-generated',
    );
    mcp = await connect({ VAULT_ADDR: vault.address, VAULT_TOKEN: token });
  });
  afterAll(() => mcp.close());

  it('can call every enabled tool', async () => {
    const called = new Set<string>();
    const ok = async (
      name: string,
      args: Record<string, unknown> = {},
    ): Promise<Record<string, unknown>> => {
      called.add(name);
      return mcp.ok(name, args);
    };
    // PKI
    await ok('enable_pki', { path: 'pki' });
    await ok('create_pki_issuer', {
      common_name: 'Policy Test Root',
      issuer_name: 'root-a',
      ttl: '24h',
    });
    await ok('list_pki_issuers');
    await ok('read_pki_issuer', { issuer_name: 'root-a' });
    await ok('set_pki_default_issuer', { issuer_ref: 'root-a' });
    await ok('configure_pki_urls');
    await ok('create_pki_role', {
      role_name: 'web',
      allowed_domains: 'policy.test',
      allow_any_name: false,
      allow_subdomains: true,
      key_type: 'ec',
      key_bits: 256,
    });
    await ok('list_pki_roles');
    await ok('read_pki_role', { role_name: 'web' });
    const issued = (await ok('issue_pki_certificate', {
      role_name: 'web',
      common_name: 'a.policy.test',
      ttl: '1h',
    })) as { serial_number: string };
    await ok('sign_pki_certificate', {
      role_name: 'web',
      csr: await makeCsr('b.policy.test', ['b.policy.test']),
      ttl: '1h',
    });
    await ok('list_pki_certificates');
    await ok('read_pki_certificate', { serial_number: issued.serial_number });
    await ok('revoke_pki_certificate', { serial_number: issued.serial_number });
    await ok('read_pki_ca_chain');
    await ok('delete_pki_role', { role_name: 'web' });
    // KV, under the prefix
    await ok('write_secret', { mount: 'secret', path: 'myapp/db', key: 'user', value: 'u' });
    await ok('write_secret', { mount: 'secret', path: 'myapp/db', key: 'pass', value: 'p' });
    await ok('read_secret', { mount: 'secret', path: 'myapp/db' });
    await ok('list_secrets', { mount: 'secret', path: 'myapp' });
    await ok('patch_secret', { mount: 'secret', path: 'myapp/db', data: { port: '5432' } });
    await ok('write_secret_metadata', {
      mount: 'secret',
      path: 'myapp/db',
      custom_metadata: { owner: 'team' },
    });
    await ok('read_secret_metadata', { mount: 'secret', path: 'myapp/db' });
    await ok('delete_secret', { mount: 'secret', path: 'myapp/db', key: 'port' });
    await ok('delete_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
    await ok('undelete_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
    await ok('destroy_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
    await ok('audit_secrets', { mount: 'secret', path: 'myapp' });
    await ok('delete_secret', { mount: 'secret', path: 'myapp/db' });
    await ok('delete_secret_metadata', { mount: 'secret', path: 'myapp/db' });
    // Mounts (the managed mount is pki)
    await ok('list_mounts');
    await ok('read_mount', { path: 'pki' });
    await ok('tune_mount', { path: 'pki', max_lease_ttl: '720h' });
    await ok('delete_mount', { path: 'pki' });
    await ok('create_mount', { type: 'pki', path: 'pki' });
    await ok('whoami');
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it('is denied outside it, and the error names the path and capability', async () => {
    await vaultRequest(vault, 'POST', 'secret/data/other/app', { data: { k: 'v' } });
    expect(await mcp.fails('read_secret', { mount: 'secret', path: 'other/app' })).toBe(
      "Vault denied GET /v1/secret/data/other/app (403: permission denied). This call needs `read` on `secret/data/other/app`; ask the Vault operator to add it to the token's policy, or use a token that has it.",
    );
    expect(await mcp.fails('create_mount', { type: 'kv2', path: 'elsewhere' })).toMatch(
      /^Vault denied POST \/v1\/sys\/mounts\/elsewhere \(403: permission denied\)\. This call needs `update` on `sys\/mounts\/elsewhere`/,
    );
  });
});

describe("compared with the tutorial's hand-written policy", () => {
  it('grants nothing the tutorial does not, except what a tool needs (listed in the README)', async () => {
    const tutorial = parsePolicy(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'tutorial-policy.hcl'), 'utf8'),
    );
    const ours = parsePolicy(await policy('--kv-mount', 'secret', '--pki-mount', 'pki'));
    const extra = coverage(ours, tutorial);
    expect(extra).toEqual([
      { path: 'pki/certs/', capabilities: ['list'] },
      { path: 'pki/certs/revoked/', capabilities: ['list'] },
      { path: 'pki/issue/+', capabilities: ['update'] },
      { path: 'pki/revoke', capabilities: ['update'] },
      { path: 'secret/data/*', capabilities: ['patch'] },
      { path: 'secret/delete/*', capabilities: ['create', 'update'] },
      { path: 'secret/destroy/*', capabilities: ['create', 'update'] },
      { path: 'secret/metadata/*', capabilities: ['patch'] },
      { path: 'secret/undelete/*', capabilities: ['create', 'update'] },
    ]);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    for (const e of extra) expect(readme).toContain(`\`${e.path}\``);
  });
});
