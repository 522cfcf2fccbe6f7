import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { connect, textOf } from '../support/mcp.js';
import { adminRequest, mountEngine } from '../support/vault.js';

describe('read-only gate', () => {
  it('hides write and credential-minting tools and refuses them when called anyway', async () => {
    const mount = await mountEngine('ro', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { a: 'A-value' } });
    for (const env of [
      { ENABLE_VAULT_OPERATIONS: 'false' },
      { ENABLE_VAULT_OPERATIONS: 'FALSE' },
      { ENABLE_VAULT_OPERATIONS: '0' },
    ]) {
      const mcp = await connect(env);
      const listed = (await mcp.client.listTools()).tools.map((t) => t.name).sort();
      const expected = TOOLS.filter((t) => !t.write && !t.mintsCredentials)
        .map((t) => t.name)
        .sort();
      expect(listed).toEqual(expected);
      expect(listed).not.toContain('sign_pki_certificate');
      expect(listed).toContain('read_secret');
      for (const name of [
        'write_secret',
        'delete_mount',
        'issue_pki_certificate',
        'create_pki_issuer',
        'sign_pki_certificate',
      ]) {
        const text = await mcp.fails(name, { mount, path: 'app', key: 'k', value: 'v' });
        expect(text).toMatch(
          new RegExp(
            `^${name} is disabled: vault-mcp runs read-only \\(ENABLE_VAULT_OPERATIONS=false or --read-only\\)`,
          ),
        );
      }
      expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['a'] });
      await mcp.close();
    }
    const stored = (await adminRequest('GET', `${mount}/data/app`)) as {
      data: { data: Record<string, string> };
    };
    expect(stored.data.data).toEqual({ a: 'A-value' });
  });

  it('an unknown tool gets a clear answer', async () => {
    const mcp = await connect();
    expect(await mcp.fails('drop_database')).toBe(
      "unknown tool 'drop_database': tools/list shows the tools this server offers",
    );
    await mcp.close();
  });
});

describe('reveal gate', () => {
  it('returns values and private keys only when VAULT_MCP_REVEAL_SECRETS=true', async () => {
    const mount = await mountEngine('reveal', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { password: 'hunter2-value' } });
    const hidden = await connect();
    const withheld = await hidden.call('read_secret', { mount, path: 'app' });
    expect(JSON.stringify(withheld)).not.toContain('hunter2-value');
    await hidden.close();

    const open = await connect({ VAULT_MCP_REVEAL_SECRETS: 'true' });
    const shown = await open.call('read_secret', { mount, path: 'app' });
    expect(shown.structuredContent).toMatchObject({
      data: { password: 'hunter2-value' },
      values_withheld: false,
    });
    expect(textOf(shown)).toContain('hunter2-value');

    const pki = await mountEngine('reveal-pki', 'pki');
    await adminRequest('POST', `${pki}/root/generate/internal`, {
      common_name: 'Reveal Root',
      ttl: '24h',
    });
    await adminRequest('POST', `${pki}/roles/r`, {
      allow_any_name: true,
      key_type: 'ec',
      key_bits: 256,
    });
    const issued = await open.ok<{ private_key: string; private_key_withheld: boolean }>(
      'issue_pki_certificate',
      { mount: pki, role_name: 'r', common_name: 'x.test', ttl: '1h' },
    );
    expect(issued.private_key).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
    expect(issued.private_key_withheld).toBe(false);
    await open.close();
  });
});

describe('toolsets and tool lists', () => {
  it('serves toolsets, exact tool lists and exclusions (exclude wins)', async () => {
    const names = async (env: Record<string, string>): Promise<string[]> => {
      const mcp = await connect(env);
      const result = (await mcp.client.listTools()).tools.map((t) => t.name).sort();
      await mcp.close();
      return result;
    };
    expect(await names({ VAULT_MCP_TOOLSETS: 'auth' })).toEqual(['whoami']);
    expect(await names({ VAULT_MCP_TOOLSETS: 'mounts,auth' })).toEqual([
      'create_mount',
      'delete_mount',
      'list_mounts',
      'read_mount',
      'tune_mount',
      'whoami',
    ]);
    expect(await names({ VAULT_MCP_TOOLS: 'read_secret,kv_v2_read' })).toEqual([
      'kv_v2_read',
      'read_secret',
    ]);
    expect(
      await names({
        VAULT_MCP_TOOLSETS: 'mounts',
        VAULT_MCP_EXCLUDE_TOOLS: 'delete_mount,create_mount',
      }),
    ).toEqual(['list_mounts', 'read_mount', 'tune_mount']);
    const all = await names({ VAULT_MCP_TOOLSETS: 'all' });
    expect(all).toHaveLength(TOOLS.length + 118);
  });
});

describe('toolset api (raw generated operations)', () => {
  it('calls the operation with its generated schema and withholds secret fields', async () => {
    const mount = await mountEngine('api', 'kv-v2');
    await adminRequest('POST', `${mount}/data/cfg`, {
      data: { token: 'raw-secret-value', user: 'u' },
    });
    const mcp = await connect({ VAULT_MCP_TOOLSETS: 'api' });
    const read = await mcp.call('kv_v2_read', { mount, path: 'cfg' });
    expect(read.structuredContent).toMatchObject({
      status: 200,
      data: { data: { token: '<withheld>', user: '<withheld>' } },
      withheld: ['data.token', 'data.user'],
    });
    expect(JSON.stringify(read)).not.toContain('raw-secret-value');
    expect(await mcp.ok('kv_v2_list', { mount })).toMatchObject({ data: { keys: ['cfg'] } });
    expect(await mcp.ok('kv_v2_write', { mount, path: 'cfg2', data: { a: 'b' } })).toMatchObject({
      status: 200,
      data: { version: 1 },
    });
    const pki = await mountEngine('api-pki', 'pki');
    const pem = await mcp.ok<{ status: number }>('pki_read_ca_pem', { mount: pki });
    expect(pem.status).toBe(204);
    // A private key is withheld wherever it is: pem_bundle puts it inside `certificate`.
    await adminRequest('POST', `${pki}/root/generate/internal`, { common_name: 'Raw Root' });
    await adminRequest('POST', `${pki}/roles/web`, { allow_any_name: true });
    const issued = await mcp.call('pki_issue_with_role', {
      mount: pki,
      role: 'web',
      common_name: 'raw.test',
      ttl: '1h',
      format: 'pem_bundle',
    });
    expect(issued.structuredContent, JSON.stringify(issued)).toMatchObject({
      status: 200,
      data: { certificate: '<withheld>', private_key: '<withheld>', private_key_type: 'rsa' },
      withheld: ['certificate', 'private_key'],
    });
    expect(JSON.stringify(issued)).not.toContain('PRIVATE KEY');
    expect(await mcp.fails('kv_v2_read', { mount, path: 'cfg', bogus: 1 })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool kv_v2_read: Unrecognized key: "bogus"',
    );
    // The mount must be a mount root of the operation's engine.
    expect(
      await mcp.fails('kv_v1_write', {
        mount: 'sys',
        path: 'policies/acl/x',
        data: { policy: 'path "*" {}' },
      }),
    ).toBe(
      "'sys' is a system mount, not a KV version 1 mount; list_mounts shows the mounts and their types",
    );
    expect(await mcp.fails('kv_v1_read', { mount: '/', path: 'x' })).toBe(
      "mount is empty: give the mount path, e.g. 'secret' or 'pki'",
    );
    expect(await mcp.fails('kv_v1_read', { mount, path: 'cfg' })).toBe(
      `'${mount}' is a KV version 2 mount, not a KV version 1 mount; list_mounts shows the mounts and their types`,
    );
    expect(await mcp.fails('kv_v2_read_config', { mount: `${mount}/data` })).toBe(
      `'${mount}/data' is not a mount: it is inside the mount '${mount}'. Call again with mount='${mount}'.`,
    );
    const lookup = await mcp.call('token_lookup_self');
    expect(lookup.structuredContent).toMatchObject({ data: { id: '<withheld>' } });
    await mcp.close();
  });
});
