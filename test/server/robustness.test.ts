/**
 * Every tool gets garbage arguments and the server keeps answering; a KV read costs one Vault
 * request once the mount is cached. Runs against its own dev server: garbage that happens to be
 * valid for an all-optional tool (enable_pki {}) must not touch the shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import { connect, textOf } from '../support/mcp.js';
import { adminRequest, countingFetch, mountEngine, scopedToken } from '../support/vault.js';

let own: DevServer;
beforeAll(async () => {
  own = await startDevServer();
});
afterAll(() => own.stop());

const GARBAGE: unknown[] = [
  {},
  { mount: 42, path: ['a'], role_name: null },
  { mount: { nested: { deeper: [1, 2, 3] } }, versions: 'all', data: 'not-an-object' },
  { mount: 'x'.repeat(100_000), path: '\u0000\u0007', common_name: 7 },
  { path: '../../sys/seal', mount: '..' },
  {
    mount: 'sys',
    path: 'policies/acl/garbage',
    data: { policy: 'path "*" {}' },
    key: 'k',
    value: 'v',
  },
  { mount: 'auth/token', path: 'create', data: { policies: ['root'] }, role_name: 'create' },
  { mount: '/', path: 'sys/seal', data: {} },
  { versions: [-1, 0, 1.5], max_depth: 10_000, max_secrets: -3, ttl: { d: 1 } },
  { unexpected_field: true },
];

describe('garbage arguments', () => {
  it('every tool answers every garbage input with a result, and the server keeps serving', async () => {
    const requests: string[] = [];
    const recording = async (request: Request): Promise<Response> => {
      const url = new URL(request.url);
      requests.push(`${request.method} ${decodeURIComponent(url.pathname.replace(/^\/v1\//, ''))}`);
      return fetch(request);
    };
    const mcp = await connect(
      { VAULT_ADDR: own.address, VAULT_TOKEN: own.token, VAULT_MCP_TOOLSETS: 'all' },
      { fetch: recording },
    );
    const { tools } = await mcp.client.listTools();
    let errors = 0;
    for (const tool of tools) {
      for (const args of GARBAGE) {
        const result = await mcp.call(tool.name, args as Record<string, unknown>);
        expect(Array.isArray(result.content), `${tool.name}`).toBe(true);
        if (result.isError) {
          errors++;
          expect(textOf(result)).not.toMatch(/internal error/);
        }
      }
    }
    expect(errors).toBeGreaterThan(tools.length * (GARBAGE.length - 1));
    expect(await mcp.ok('list_mounts')).toMatchObject({ mounts: expect.any(Array) });
    expect(await mcp.fails('list_secrets', { mount: 42 })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool list_secrets: Invalid input: expected string, received number at mount',
    );
    // No garbage reached Vault's own paths: only mount lookups, the token's own lookups and
    // sys/mounts (mounts_list {} and enable_pki {} are valid; kv_v1_* {mount:'sys'} is refused).
    const own_paths = requests.filter(
      (r) =>
        /^\w+ (sys|auth|identity|cubbyhole)\//.test(r) &&
        !/^GET sys\/internal\/ui\/mounts(\/|$)/.test(r) &&
        !/^(GET sys\/mounts|POST sys\/mounts\/pki)$/.test(r) &&
        !/^(GET auth\/token\/lookup-self|POST sys\/capabilities-self)$/.test(r),
    );
    expect(own_paths).toEqual([]);
    expect(requests.length).toBeGreaterThan(10);
    await mcp.close();
  });
});

describe('request cost', () => {
  it('a KV read costs one Vault request once the mount is cached', async () => {
    const mount = await mountEngine('cost', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app/db`, { data: { a: '1' } });
    const counter = countingFetch();
    const mcp = await connect({}, { fetch: counter.fetch });
    await mcp.ready; // the start-up token lookup is not part of a read
    counter.requests.length = 0;
    await mcp.ok('read_secret', { mount, path: 'app/db' });
    expect(counter.requests).toEqual([
      `GET sys/internal/ui/mounts/${mount}`,
      `GET ${mount}/data/app/db`,
    ]);
    counter.requests.length = 0;
    await mcp.ok('read_secret', { mount, path: 'app/db' });
    await mcp.ok('list_secrets', { mount, path: 'app' });
    expect(counter.requests).toEqual([
      `GET ${mount}/data/app/db`,
      `GET ${mount}/metadata/app/?list=true`,
    ]);
    await mcp.close();
  });
});

describe('no token at all', () => {
  it('says so in results, not only on stderr', async () => {
    const mcp = await connect({ VAULT_TOKEN: '', HOME: '/nonexistent' });
    expect(await mcp.fails('whoami')).toBe(
      "No Vault token is set (VAULT_TOKEN, ~/.vault-token, or an AppRole/JWT login): Vault refuses the call. Vault denied GET /v1/auth/token/lookup-self (403: permission denied). This call needs `read` on `auth/token/lookup-self`; ask the Vault operator to add it to the token's policy, or use a token that has it.",
    );
    const listed = await mcp.call('list_mounts');
    expect(textOf(listed)).toBe(
      'no secrets engines are visible: no Vault token is set (VAULT_TOKEN, ~/.vault-token, or an AppRole/JWT login), and Vault shows mounts only to a token with a capability under them: []',
    );
    await mcp.close();
  });
});

describe('a token revoked while the server runs', () => {
  it('a 403 then says the token itself is refused, not that its policy falls short', async () => {
    const mount = await mountEngine('revoked', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
    const token = await scopedToken(`path "${mount}/*" { capabilities = ["read"] }`);
    const mcp = await connect({ VAULT_TOKEN: token });
    await mcp.ok('read_secret', { mount, path: 'app' });
    await adminRequest('POST', 'auth/token/revoke', { token });
    expect(await mcp.fails('read_secret', { mount, path: 'app' })).toBe(
      `Vault denied GET /v1/${mount}/data/app (403: permission denied). This call needs \`read\` on \`${mount}/data/app\`; ask the Vault operator to add it to the token's policy, or use a token that has it. Note: Vault also refused a look-up of the token itself (403 on auth/token/lookup-self), so the token is invalid, expired or revoked, not short of a policy: use a valid token.`,
    );
    expect(await mcp.fails('whoami')).toBe(
      "Vault denied GET /v1/auth/token/lookup-self (403: permission denied). This call needs `read` on `auth/token/lookup-self`; ask the Vault operator to add it to the token's policy, or use a token that has it. Note: Vault also refused a look-up of the token itself (403 on auth/token/lookup-self), so the token is invalid, expired or revoked, not short of a policy: use a valid token.",
    );
    await mcp.close();
  });
});
