/**
 * `vault-mcp policy`: the generated policy is enough for every enabled tool and no more. Against
 * a dev server of its own (the policy names `secret/` and `pki/`, which other tests share).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliPath,
  repoRoot,
  startDevServer,
  vaultRequest,
  type DevServer,
} from '../../scripts/lib/openbao.js';
import { TOOLS } from '../../src/tools/index.js';
import { connect, type McpHarness } from '../support/mcp.js';
import { callEveryTool } from '../support/every-tool.js';
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
    // No mount tool writes here, so the header does not claim a managed mount.
    expect(hcl.split('\n')[1]).toBe(
      '# KV mount "secret" (KV v2); PKI mount "pki"; mounts managed: none (no enabled tool creates, tunes or deletes a mount)',
    );
  });

  it('read-only with the api toolset reads sys/mounts/pki but manages no mount (review finding 3)', async () => {
    const hcl = await policy('--read-only', '--toolsets', 'kv,pki,mounts,api');
    expect(parsePolicy(hcl).find((s) => s.path === 'sys/mounts/pki')?.capabilities).toEqual([
      'read',
    ]);
    expect(hcl.split('\n')[1]).toBe(
      '# KV mount "secret" (KV v2); PKI mount "pki"; mounts managed: none (no enabled tool creates, tunes or deletes a mount)',
    );
  });

  it("refuses '+' and '*' in --kv-prefix (exit 2: a server setting) and --manage-mounts (exit 1), nothing on stdout (attack-7 F1)", async () => {
    const failure = (...args: string[]) =>
      run(process.execPath, [cli, 'policy', ...args], {
        env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent' },
      }).then(
        () => 'no refusal',
        (e: { code: number; stdout: string; stderr: string }) => [e.code, e.stdout, e.stderr],
      );
    // --kv-prefix is the server's own setting (VAULT_MCP_KV_PREFIX): bad configuration, exit 2.
    expect(await failure('--kv-prefix', '+/')).toEqual([
      2,
      '',
      `vault-mcp: invalid configuration:\n  - VAULT_MCP_KV_PREFIX="+/" (flag --kv-prefix) holds '+', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/\nRun vault-mcp --help for every setting.\n`,
    ]);
    // `$&` is a replacement pattern to String#replace; a quote would end the HCL string.
    expect(await failure('--kv-mount', '$&')).toEqual([
      1,
      '',
      'vault-mcp: invalid kv-mount: "$&" holds "$"; a policy name part may hold letters, digits and . _ ~ @ : - only\n',
    ]);
    expect(await failure('--kv-prefix', 'x" {capabilities=["read"]} path "sys/')).toEqual([
      2,
      '',
      'vault-mcp: invalid configuration:\n  - VAULT_MCP_KV_PREFIX="x\\" {capabilities=[\\"read\\"]} path \\"sys/" (flag --kv-prefix) holds "\\""; a policy name part may hold letters, digits and . _ ~ @ : - only\nRun vault-mcp --help for every setting.\n',
    ]);
    expect(await failure('--manage-mounts', 'pki,+')).toEqual([
      1,
      '',
      `vault-mcp: invalid manage-mounts: "+" holds '+', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/\n`,
    ]);
  });

  it("--kv-prefix (the server's own setting; --prefix too) narrows every KV path to the application", async () => {
    const hcl = await policy('--kv-prefix', 'myapp/', '--toolsets', 'kv');
    expect(await policy('--prefix', 'myapp/', '--toolsets', 'kv')).toBe(hcl);
    expect(hcl).toContain(
      'made by: vault-mcp policy --kv-mount secret --pki-mount pki --kv-prefix myapp/ --toolsets kv',
    );
    const stanzas = parsePolicy(hcl);
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
      await policy('--kv-mount', 'secret', '--pki-mount', 'pki', '--kv-prefix', 'myapp/'),
      'vault-mcp-generated',
    );
    mcp = await connect({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: token,
      VAULT_MCP_KV_PREFIX: 'myapp/',
    });
  });
  afterAll(() => mcp.close());

  it('whoami, probing with the same prefix, finds every tool usable', async () => {
    const me = await mcp.ok<{ tools: Array<{ name: string; usable: boolean | null }> }>('whoami');
    expect(me.tools.filter((t) => t.usable === false)).toEqual([]);
    // The KV tools are allowed under secret/myapp/ (the PKI mount does not exist yet: unknown).
    const kv = TOOLS.filter((t) => t.toolset === 'kv').map((t) => t.name);
    expect(me.tools.filter((t) => kv.includes(t.name)).map((t) => [t.name, t.usable])).toEqual(
      kv.map((name) => [name, true]),
    );
  });

  it('can call every enabled tool', async () => {
    const called = new Set<string>();
    const ok = async (
      name: string,
      args: Record<string, unknown> = {},
    ): Promise<Record<string, unknown>> => {
      called.add(name);
      return mcp.ok(name, args);
    };
    await callEveryTool(ok, { user: 'u', pass: 'p', port: '5432' });
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it('is denied outside it, and the error names the path and capability', async () => {
    await vaultRequest(vault, 'POST', 'secret/data/other/app', { data: { k: 'v' } });
    expect(await mcp.fails('read_secret', { mount: 'secret', path: 'other/app' })).toBe(
      "Vault denied GET /v1/secret/data/other/app (403: permission denied). This call needs `read` on `secret/data/other/app`; ask the Vault operator to add it to the token's policy, or use a token that has it.",
    );
    // The policy path is the decoded one, as an operator writes it in HCL.
    expect(await mcp.fails('read_secret', { mount: 'secret', path: 'other/my app/ключ' })).toBe(
      "Vault denied GET /v1/secret/data/other/my%20app/%D0%BA%D0%BB%D1%8E%D1%87 (403: permission denied). This call needs `read` on `secret/data/other/my app/ключ`; ask the Vault operator to add it to the token's policy, or use a token that has it.",
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
