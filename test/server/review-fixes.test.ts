/**
 * The outside review's findings (issue 9), each reproduced against the real OpenBao dev server
 * through the SDK client: the stale mount cache that let a raw KV tool mint a DER private key on a
 * PKI mount, the token handed to the model, wrong hints and silent no-op writes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/client/client.js';
import { VaultConfigError } from '../../src/client/errors.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { withhold } from '../../src/server/api-tools.js';
import { isKeyMaterial, WITHHELD } from '../../src/server/redact.js';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, devServer, mountEngine, scopedToken, unique } from '../support/vault.js';

let all: McpHarness;
beforeAll(async () => {
  all = await connect({ VAULT_MCP_TOOLSETS: 'all' });
});
afterAll(() => all.close());

describe('item 1: a mount re-created as another engine is never used with the old engine type', () => {
  it('the review sequence: raw mount changes forget cached facts, and no key comes back', async () => {
    const swap = unique('swap');
    await all.ok('mounts_enable', { path: swap, type: 'kv' });
    // An empty KV v1 mount answers LIST with 404; the mount facts are cached all the same.
    expect(textOf(await all.call('kv_v1_list', { mount: swap, path: '' }))).toBe(
      `Vault answered 404 to LIST /v1/${swap}/: nothing exists at that path (no message).`,
    );
    await all.ok('mounts_disable', { path: swap });
    await all.ok('mounts_enable', { path: swap, type: 'pki' });
    const refusal = `'${swap}' is a pki mount, not a KV version 1 mount; list_mounts shows the mounts and their types`;
    expect(
      await all.fails('kv_v1_write', {
        mount: swap,
        path: 'root/generate/internal',
        data: { common_name: 'rt', ttl: '24h' },
      }),
    ).toBe(refusal);
    // A read after the change is refused too: the raw disable/enable forgot the cached KV facts.
    expect(await all.fails('kv_v1_list', { mount: swap, path: '' })).toBe(refusal);
    // Nothing was generated on the PKI mount.
    expect(await all.ok('list_pki_issuers', { mount: swap })).toMatchObject({ issuers: [] });
  });

  it("one session's mount change is seen by every other session of the process", async () => {
    const swap = unique('swap');
    const other = await connect({ VAULT_MCP_TOOLSETS: 'all' });
    try {
      await adminRequest('POST', `sys/mounts/${swap}`, { type: 'kv', options: { version: '1' } });
      await other.call('kv_v1_list', { mount: swap, path: '' }); // the other session caches KV v1
      await all.ok('delete_mount', { path: swap });
      await all.ok('create_mount', { path: swap, type: 'pki' });
      expect(await other.fails('kv_v1_list', { mount: swap, path: '' })).toBe(
        `'${swap}' is a pki mount, not a KV version 1 mount; list_mounts shows the mounts and their types`,
      );
    } finally {
      await other.close();
    }
  });

  it('a write resolves its mount fresh even when the mount table changed outside vault-mcp', async () => {
    const swap = unique('swap');
    await adminRequest('POST', `sys/mounts/${swap}`, { type: 'kv', options: { version: '1' } });
    await all.call('kv_v1_list', { mount: swap, path: '' }); // caches swap as KV v1
    await adminRequest('DELETE', `sys/mounts/${swap}`);
    await adminRequest('POST', `sys/mounts/${swap}`, { type: 'pki' });
    expect(
      await all.fails('kv_v1_write', {
        mount: swap,
        path: 'root/generate/internal',
        data: { common_name: 'rt', ttl: '24h' },
      }),
    ).toBe(
      `'${swap}' is a pki mount, not a KV version 1 mount; list_mounts shows the mounts and their types`,
    );
    expect(await all.ok('list_pki_issuers', { mount: swap })).toMatchObject({ issuers: [] });
  });

  it('the raw PKI issue with format der withholds the base64 DER private key', async () => {
    const pki = await mountEngine('derpki', 'pki');
    await adminRequest('POST', `${pki}/root/generate/internal`, { common_name: 'rt', ttl: '24h' });
    await adminRequest('POST', `${pki}/roles/any`, { allow_any_name: true, max_ttl: '1h' });
    const result = await all.call('pki_issue_with_role', {
      mount: pki,
      role: 'any',
      common_name: 'leak.example',
      format: 'der',
      private_key_format: 'der',
      ttl: '10m',
    });
    expect(result.isError).toBeFalsy();
    const data = (result.structuredContent as { data: Record<string, unknown> }).data;
    expect(data['private_key']).toBe(WITHHELD);
    expect(data['private_key_type']).toBe('rsa');
    expect(textOf(result)).not.toMatch(/MII[A-Za-z0-9+/]{20,}AgEAAo/);
  });

  it('key material is withheld by field name and by value, whatever the operation lists', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const sec1 = privateKey.export({ format: 'der', type: 'sec1' }).toString('base64');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const pkcs1 = rsa.export({ format: 'der', type: 'pkcs1' }).toString('base64');
    const encrypted = rsa
      .export({ format: 'der', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'x' })
      .toString('base64');
    const given = {
      private_key: 'anything',
      private_key_type: 'ec',
      nested: { under_another_name: pkcs8, list: [sec1, pkcs1, encrypted] },
      pem_bundle: 'bundle text',
      serial_number: '1a:2b',
    };
    expect(withhold(given, [], (text) => text)).toEqual({
      data: {
        private_key: WITHHELD,
        private_key_type: 'ec',
        nested: { under_another_name: WITHHELD, list: [WITHHELD, WITHHELD, WITHHELD] },
        pem_bundle: WITHHELD,
        serial_number: '1a:2b',
      },
      withheld: [
        'nested.list[0]',
        'nested.list[1]',
        'nested.list[2]',
        'nested.under_another_name',
        'pem_bundle',
        'private_key',
      ],
    });
    // A public key or a certificate is not key material.
    const spki = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(0, 40);
    expect(isKeyMaterial(spki.toString('base64').padEnd(80, 'A'))).toBe(false);
    expect(isKeyMaterial(pkcs1)).toBe(true);
  });
});

describe('item 2: no tool returns the token, reveal or not', () => {
  it('token_lookup_self with reveal on: the id is withheld in text and structured content', async () => {
    const token = await scopedToken('path "auth/token/lookup-self" { capabilities = ["read"] }');
    const mcp = await connect({
      VAULT_TOKEN: token,
      VAULT_MCP_TOOLSETS: 'all',
      VAULT_MCP_REVEAL_SECRETS: 'true',
      ENABLE_VAULT_OPERATIONS: 'false',
    });
    try {
      const result = await mcp.call('token_lookup_self');
      expect(result.isError).toBeFalsy();
      const data = (result.structuredContent as { data: Record<string, unknown> }).data;
      expect(data['id']).toBe('<token withheld>');
      expect(data['policies']).toEqual(['default', expect.stringMatching(/^policy-/)]);
      expect(JSON.stringify(result)).not.toContain(token);
    } finally {
      await mcp.close();
    }
  });
});

describe('item 3: a token with a control character is refused, never echoed', () => {
  it('at start-up, from VAULT_TOKEN', () => {
    const { address } = devServer();
    let error: unknown;
    try {
      loadConfig({ VAULT_ADDR: address, VAULT_TOKEN: 'hvs.PART1\nPART2', HOME: '/nonexistent' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'VAULT_TOKEN holds a line break at position 10 of 15: a Vault token is printable ASCII without spaces; set it again without the stray character (vault-mcp does not show the token)',
    ]);
    expect(String((error as Error).message)).not.toContain('PART');
  });

  it('by the client, for any token given to it', () => {
    const client = createVaultClient({ address: devServer().address });
    expect(() => client.withToken('hvs.PART1\u0007PART2')).toThrow(
      new VaultConfigError(
        'the Vault token holds a control character at position 10 of 15: a Vault token is printable ASCII without spaces; set it again without the stray character (vault-mcp does not show the token)',
      ),
    );
  });

  it("the client's redact() takes the token out of foreign text", () => {
    const token = 'hvs.CAESIJ-redact-test-0123456789';
    const client = createVaultClient({ address: devServer().address, token });
    expect(client.redact(`Headers.set: "${token}" is an invalid header value`)).toBe(
      'Headers.set: "<token withheld>" is an invalid header value',
    );
    // A short dev token like `root` is also a policy name: only a whole-text match is replaced.
    const dev = createVaultClient({ address: devServer().address, token: 'root' });
    expect(dev.redact('policies: root')).toBe('policies: root');
    expect(dev.redact('root')).toBe('<token withheld>');
  });
});

describe('item 7: tune_mount tunes secrets engines only', () => {
  it('refuses auth methods and Vault’s own mounts, and paths inside a mount', async () => {
    expect(await all.fails('tune_mount', { path: 'auth/token', max_lease_ttl: '8760h' })).toBe(
      "'auth/token' is an auth method, not a secrets engine; vault-mcp never tunes auth methods (the mount tools manage secrets engines only)",
    );
    expect(await all.fails('tune_mount', { path: 'sys', max_lease_ttl: '8760h' })).toBe(
      "'sys' is one of Vault's own mounts (sys, identity, cubbyhole, token, auth); vault-mcp never tunes them",
    );
    expect(await all.fails('tune_mount', { path: 'secret/data', max_lease_ttl: '1h' })).toBe(
      "'secret/data' is not a mount: it is inside the mount 'secret'; nothing was changed. Call again with path='secret'.",
    );
    const tune = (await adminRequest('GET', 'sys/auth/token/tune')) as {
      data: { max_lease_ttl: number };
    };
    expect(tune.data.max_lease_ttl).not.toBe(8760 * 3600);
  });
});

describe('item 9: keys are own keys; __proto__ is refused, never dropped', () => {
  let kv = '';
  beforeAll(async () => {
    kv = await mountEngine('ownkeys', 'kv-v2');
    await adminRequest('POST', `${kv}/data/app/db`, { data: { user: 'u', pass: 'p' } });
  });

  it('delete_secret of toString or constructor is "not found" and writes no version', async () => {
    for (const key of ['toString', 'constructor'])
      expect(await all.fails('delete_secret', { mount: kv, path: 'app/db', key })).toBe(
        `${kv}/app/db has no key '${key}' (keys: pass, user)`,
      );
    const metadata = (await adminRequest('GET', `${kv}/metadata/app/db`)) as {
      data: { current_version: number };
    };
    expect(metadata.data.current_version).toBe(1);
  });

  it('__proto__ as a key of write_secret, patch_secret and custom_metadata is refused', async () => {
    const proto = JSON.parse('{"__proto__": "x", "ok": "y"}') as Record<string, unknown>;
    const calls: Array<[string, Record<string, unknown>]> = [
      ['write_secret', { mount: kv, path: 'app/p', key: '__proto__', value: 'x' }],
      ['write_secret', { mount: kv, path: 'app/p', data: proto }],
      ['patch_secret', { mount: kv, path: 'app/db', data: proto }],
      ['write_secret_metadata', { mount: kv, path: 'app/db', custom_metadata: proto }],
    ];
    const texts = [];
    for (const [name, args] of calls) texts.push(await all.fails(name, args));
    expect(texts[0]).toContain(
      "'__proto__' cannot be a key (JavaScript objects cannot hold it): rename that key",
    );
    expect(texts.slice(1)).toEqual([
      "MCP error -32602: Input validation error: Invalid arguments for tool write_secret: '__proto__' cannot be a key (at data.__proto__; JavaScript objects cannot hold it, so it would be dropped): rename that key",
      "MCP error -32602: Input validation error: Invalid arguments for tool patch_secret: '__proto__' cannot be a key (at data.__proto__; JavaScript objects cannot hold it, so it would be dropped): rename that key",
      "MCP error -32602: Input validation error: Invalid arguments for tool write_secret_metadata: '__proto__' cannot be a key (at custom_metadata.__proto__; JavaScript objects cannot hold it, so it would be dropped): rename that key",
    ]);
    const after = (await adminRequest('GET', `${kv}/metadata/app/db`)) as {
      data: { current_version: number; custom_metadata: unknown };
    };
    expect(after.data).toMatchObject({ current_version: 1, custom_metadata: null });
    await expect(adminRequest('GET', `${kv}/data/app/p`)).rejects.toThrow(/404/);
  });
});

describe('item 10: a write whose path repeats the mount or data/ is refused with the path meant', () => {
  let kv = '';
  beforeAll(async () => {
    kv = await mountEngine('repeat', 'kv-v2');
  });

  it('refuses secret/secret/... and data/..., writes nothing', async () => {
    expect(
      await all.fails('write_secret', { mount: kv, path: `${kv}/myapp/x`, key: 'a', value: 'b' }),
    ).toBe(
      `path '${kv}/myapp/x' starts with the mount's own name '${kv}/' (paths are relative to the mount), so this would write ${kv}/${kv}/myapp/x; nothing was written. Call again with mount='${kv}' and path='myapp/x'. (A path under '${kv}/' is accepted as given once a folder '${kv}/' exists in ${kv}/.)`,
    );
    expect(
      await all.fails('write_secret', { mount: kv, path: 'data/myapp/x', key: 'a', value: 'b' }),
    ).toBe(
      `path 'data/myapp/x' starts with 'data/', which the server adds itself on KV v2, so this would write ${kv}/data/myapp/x; nothing was written. Call again with mount='${kv}' and path='myapp/x'. (A path under 'data/' is accepted as given once a folder 'data/' exists in ${kv}/.)`,
    );
    expect(await all.ok('list_secrets', { mount: kv })).toMatchObject({ keys: [] });
  });

  it('accepts the path once that folder exists', async () => {
    await adminRequest('POST', `${kv}/data/metadata/existing`, { data: { k: 'v' } });
    expect(
      await all.ok('write_secret', { mount: kv, path: 'metadata/new', key: 'a', value: 'b' }),
    ).toMatchObject({ path: 'metadata/new', keys: ['a'], version: 1 });
  });
});

describe('item 11: hints that work when followed', () => {
  it('mount secret/data suggests the path without data/', async () => {
    const hint = await all.fails('read_secret', { mount: 'secret/data', path: 'myapp/database' });
    expect(hint).toBe(
      "'secret/data' is not a mount: it is inside the mount 'secret'. Call again with mount='secret' and path='myapp/database'.",
    );
  });

  it('an auth method is named as such, not as a mount to call again with', async () => {
    expect(await all.fails('read_secret', { mount: 'auth/token', path: 'x' })).toBe(
      "'auth/token' is a token auth method, not a secrets engine; list_mounts shows the secrets engines",
    );
  });
});

describe('item 12: a prefix-scoped server says where it may list', () => {
  it('list_secrets and audit_secrets on the whole mount name the prefix', async () => {
    const kv = await mountEngine('scoped', 'kv-v2');
    await adminRequest('POST', `${kv}/data/myapp/db`, { data: { user: 'u' } });
    const token = await scopedToken(
      `path "${kv}/metadata/myapp/*" { capabilities = ["list", "read"] }\npath "${kv}/data/myapp/*" { capabilities = ["read"] }\npath "sys/internal/ui/mounts/*" { capabilities = ["read"] }`,
    );
    const mcp = await connect({ VAULT_TOKEN: token, VAULT_MCP_KV_PREFIX: 'myapp/' });
    try {
      const hint = `Vault denied listing ${kv}/ (403): this server is scoped to 'myapp/' (VAULT_MCP_KV_PREFIX), and its token may only list under it. Call again with path='myapp/'.`;
      expect(await mcp.fails('list_secrets', { mount: kv })).toBe(hint);
      expect(await mcp.fails('audit_secrets', { mount: kv })).toBe(hint);
      expect(await mcp.ok('list_secrets', { mount: kv, path: 'myapp/' })).toMatchObject({
        keys: ['db'],
      });
    } finally {
      await mcp.close();
    }
  });
});

describe('outside attack, second round', () => {
  it('a PKI tool never reads a PKI mount that was re-created as KV since it was cached', async () => {
    const pk = unique('pk2');
    await adminRequest('POST', `sys/mounts/${pk}`, { type: 'pki' });
    expect(await all.fails('read_pki_role', { mount: pk, role_name: 'x' })).toBe(
      `no role 'x' on ${pk}/; list_pki_roles shows the roles`,
    );
    await adminRequest('DELETE', `sys/mounts/${pk}`);
    await adminRequest('POST', `sys/mounts/${pk}`, { type: 'kv', options: { version: '1' } });
    await adminRequest('POST', `${pk}/roles/x`, { password: 'CANARY-VALUE-stale' });
    const refusal = `'${pk}' is a KV version 1 mount, not a PKI mount; list_mounts shows the mounts and their types`;
    expect(await all.fails('read_pki_role', { mount: pk, role_name: 'x' })).toBe(refusal);
    expect(await all.fails('pki_read_role', { mount: pk, name: 'x' })).toBe(refusal);
  });

  it('a token of 8 characters or more is taken out of secret values, key names and metadata', async () => {
    const kv = await mountEngine('shorttok', 'kv-v2');
    const token = `CANTOK-${unique('s').slice(2, 8)}`; // 13 characters, as in the report
    await adminRequest('POST', 'auth/token/create', { id: token, policies: ['root'], ttl: '1h' });
    await adminRequest('POST', `${kv}/data/leak`, { data: { v: `export VAULT_TOKEN=${token}` } });
    await adminRequest('POST', `${kv}/metadata/leak`, {
      custom_metadata: { note: `tok ${token}` },
    });
    await adminRequest('POST', `${kv}/data/keys/${token}-x`, { data: { a: 'b' } });
    const mcp = await connect({ VAULT_TOKEN: token, VAULT_MCP_REVEAL_SECRETS: 'true' });
    try {
      const results = [
        await mcp.call('read_secret', { mount: kv, path: 'leak' }),
        await mcp.call('read_secret_metadata', { mount: kv, path: 'leak' }),
        await mcp.call('list_secrets', { mount: kv, path: 'keys' }),
        await mcp.call('audit_secrets', { mount: kv }),
      ];
      expect(results.map((r) => r.isError ?? false)).toEqual([false, false, false, false]);
      expect(JSON.stringify(results)).not.toContain(token);
      expect(results[0]?.structuredContent).toMatchObject({
        data: { v: 'export VAULT_TOKEN=<token withheld>' },
      });
    } finally {
      await mcp.close();
    }
  });

  it('a token stored base64-encoded is taken out of a secret value as the raw one is', async () => {
    const kv = await mountEngine('b64tok', 'kv-v2');
    const token = 'B64TOK-stored-canary-5e2a'; // fixed: the expected encodings are exact
    await adminRequest('POST', 'auth/token/create', { id: token, policies: ['root'], ttl: '1h' });
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    await adminRequest('POST', `${kv}/data/encoded`, {
      data: {
        basic: `Authorization: Basic ${b64(`vault:${token}`)}`,
        config: b64(JSON.stringify({ token })),
        url: Buffer.from(token).toString('base64url'),
      },
    });
    const mcp = await connect({ VAULT_TOKEN: token, VAULT_MCP_REVEAL_SECRETS: 'true' });
    try {
      const result = await mcp.call('read_secret', { mount: kv, path: 'encoded' });
      const data = {
        basic: 'Authorization: Basic dmF1bHQ6<token withheld>',
        config: 'eyJ0b2tlbiI6I<token withheld>ifQ==',
        url: '<token withheld>',
      };
      expect((result.structuredContent as { data?: unknown }).data).toEqual(data);
      for (const value of Object.values(data)) expect(textOf(result)).toContain(value);
    } finally {
      await mcp.close();
    }
  });

  it('a token stored as wrapped base64 is taken out of the result, its text rendering too', async () => {
    const kv = await mountEngine('wraptok', 'kv-v2');
    const token = 'WRAPTOK-stored-canary-line-wrapped-by-base64-7c1d-9e0f'; // fixed: exact encodings
    await adminRequest('POST', 'auth/token/create', { id: token, policies: ['root'], ttl: '1h' });
    const wrap = (text: string, width: number, eol: string): string =>
      (
        Buffer.from(text)
          .toString('base64')
          .match(new RegExp(`.{1,${width}}`, 'g')) ?? []
      ).join(eol) + eol;
    await adminRequest('POST', `${kv}/data/wrapped`, {
      data: {
        gnu: wrap(`vault:${token}`, 76, '\n'),
        mime: wrap(`X-Vault-Token: ${token}`, 64, '\r\n'),
      },
    });
    const mcp = await connect({ VAULT_TOKEN: token, VAULT_MCP_REVEAL_SECRETS: 'true' });
    try {
      const result = await mcp.call('read_secret', { mount: kv, path: 'wrapped' });
      const data = {
        gnu: 'dmF1bHQ6<token withheld>\n\n',
        mime: 'WC1WYXVsdC1Ub2tlbjog<token withheld>\r\n\r\n',
      };
      expect((result.structuredContent as { data?: unknown }).data).toEqual(data);
      // The text rendering shows each value JSON-escaped: its breaks as `\\n` and `\\r\\n`.
      for (const value of Object.values(data))
        expect(textOf(result)).toContain(JSON.stringify(value));
      expect(JSON.stringify(result)).not.toContain('V1JBUFRPSy1zdG9yZWQtY2FuYXJ5');
    } finally {
      await mcp.close();
    }
  });

  it('a token shorter than 8 characters draws a start-up warning', async () => {
    const token = unique('t').slice(0, 7);
    await adminRequest('POST', 'auth/token/create', {
      id: token,
      policies: ['default'],
      ttl: '1h',
    });
    const mcp = await connect({ VAULT_TOKEN: token });
    try {
      await mcp.ready;
      expect(mcp.logs.join('')).toContain(
        "the Vault token is shorter than 8 characters (a dev token like 'root'): vault-mcp withholds it only where a value equals it, not inside other text. Use a token Vault issued (vault token create).",
      );
    } finally {
      await mcp.close();
    }
  });

  it("delete_mount on a secret's path never suggests deleting the whole mount", async () => {
    const kv = await mountEngine('delhint', 'kv-v2');
    expect(await all.fails('delete_mount', { path: `${kv}/data/app/db` })).toBe(
      `'${kv}/data/app/db' is not a mount: it is inside the mount '${kv}'; nothing was removed. To delete that secret, use delete_secret (or delete_secret_metadata for every version) with mount='${kv}' and path='app/db'; delete_mount with path='${kv}' would delete everything in the mount.`,
    );
  });

  it('a raw tool refuses an empty name instead of aiming the call at the mount', async () => {
    const pki = await mountEngine('emptyname', 'pki');
    expect(await all.fails('pki_delete_role', { mount: pki, name: '/' })).toBe(
      'name is empty (slashes alone count as empty): give the name this call acts on',
    );
    expect(await all.fails('kv_v2_delete_metadata', { mount: 'secret', path: '/' })).toBe(
      'path is empty (slashes alone count as empty): give the path this call acts on',
    );
  });
});

describe('outside attack, second round: raw tools', () => {
  it('__proto__ in a raw tool argument is refused, not dropped (mounts_enable options, kv_v2_write)', async () => {
    const proto = JSON.parse('{"__proto__": {"version": "2"}}') as Record<string, unknown>;
    const path = unique('protom');
    expect(await all.fails('mounts_enable', { path, type: 'kv', options: proto })).toBe(
      "MCP error -32602: Input validation error: Invalid arguments for tool mounts_enable: '__proto__' cannot be a key (at options.__proto__; JavaScript objects cannot hold it, so it would be dropped): rename that key",
    );
    expect(
      await all.fails('kv_v2_write', { mount: 'secret', path: 'proto2', data: { a: [proto] } }),
    ).toBe(
      "MCP error -32602: Input validation error: Invalid arguments for tool kv_v2_write: '__proto__' cannot be a key (at data.a[0].__proto__; JavaScript objects cannot hold it, so it would be dropped): rename that key",
    );
    await expect(adminRequest('GET', `sys/mounts/${path}`)).rejects.toThrow(/400|404/);
  });
});

describe('read-only review of the merged change', () => {
  it('the raw kv_v2_write is destructive like write_secret (so it is confirmed)', async () => {
    const { tools } = await all.client.listTools();
    const annotations = (name: string) => tools.find((t) => t.name === name)?.annotations;
    // destructiveHint: true is the MCP default, so tools/list leaves it out.
    expect(annotations('kv_v2_write')).toEqual({ destructiveHint: true, openWorldHint: false });
    expect(annotations('write_secret')).toEqual({ destructiveHint: true, openWorldHint: false });
    // A patch overwrites the keys it names, and null removes one (attack-6 F1).
    expect(annotations('kv_v2_patch')).toEqual({ destructiveHint: true, openWorldHint: false });
  });

  it('a raw KV read looks its mount up anew: a v2 mount re-created as v1 does not leak its values', async () => {
    const kv = unique('swapkv');
    await adminRequest('POST', `sys/mounts/${kv}`, { type: 'kv', options: { version: '2' } });
    await all.call('kv_v2_read', { mount: kv, path: 'x' }); // caches kv as KV v2
    await adminRequest('DELETE', `sys/mounts/${kv}`);
    await adminRequest('POST', `sys/mounts/${kv}`, { type: 'kv', options: { version: '1' } });
    await adminRequest('POST', `${kv}/data/x`, { password: 'CANARY-VALUE-v1' });
    expect(await all.fails('kv_v2_read', { mount: kv, path: 'x' })).toBe(
      `'${kv}' is a KV version 1 mount, not a KV version 2 mount; list_mounts shows the mounts and their types`,
    );
  });
});

describe('outside attack, seventh round (stdio)', () => {
  it("the raw mount-table writes refuse auth methods and Vault's own mounts, as tune_mount does (F4)", async () => {
    const before = (await adminRequest('GET', 'sys/auth/token/tune')) as {
      data: { max_lease_ttl: number; description: string };
    };
    expect(
      await all.fails('mounts_tune', { path: 'auth/token', max_lease_ttl: '2h', description: 'x' }),
    ).toBe(
      "'auth/token' is an auth method, not a secrets engine; vault-mcp never tunes auth methods (the mount tools manage secrets engines only)",
    );
    expect(await all.fails('mounts_disable', { path: '/cubbyhole/' })).toBe(
      "'cubbyhole' is one of Vault's own mounts (sys, identity, cubbyhole, token, auth); vault-mcp never disables them",
    );
    expect(await all.fails('mounts_enable', { path: 'auth/mine', type: 'kv' })).toBe(
      "'auth/mine' is an auth method, not a secrets engine; vault-mcp never enables auth methods (the mount tools manage secrets engines only)",
    );
    // Vault routes sys/mounts/<x>/tune to the tune endpoint: an "enable" there would tune <x>.
    const tuneRoute =
      "'kv1/tune' ends in /tune, which Vault reads as the tune endpoint of 'kv1', not as a mount path; choose a path that does not end in /tune";
    expect(
      await all.fails('mounts_enable', { path: 'kv1/tune', type: 'kv', options: { version: '2' } }),
    ).toBe(tuneRoute);
    expect(await all.fails('create_mount', { path: 'kv1/tune', type: 'kv' })).toBe(tuneRoute);
    expect(await all.fails('create_mount', { path: 'auth/token/tune', type: 'kv' })).toBe(
      "'auth/token/tune' ends in /tune, which Vault reads as the tune endpoint of 'auth/token', not as a mount path; choose a path that does not end in /tune",
    );
    // A mount named `tune` alone is a mount: created, then removed.
    expect(await all.ok('create_mount', { path: 'tune', type: 'kv' })).toMatchObject({
      path: 'tune',
    });
    await all.ok('delete_mount', { path: 'tune' });
    const after = (await adminRequest('GET', 'sys/auth/token/tune')) as typeof before;
    expect([after.data.max_lease_ttl, after.data.description]).toEqual([
      before.data.max_lease_ttl,
      before.data.description,
    ]);
  });
});
