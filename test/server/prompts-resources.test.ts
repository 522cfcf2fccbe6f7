/**
 * Prompts (the tutorial's four workflows, gate-aware), resources and templates (names and metadata,
 * never values) and completions (bounded, empty when the token cannot list), through the SDK
 * client against real OpenBao.
 */
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { connect, type McpHarness } from '../support/mcp.js';
import { adminRequest, mountEngine, scopedToken } from '../support/vault.js';

let kv: string;
let pki: string;
let mcp: McpHarness;
const WRITE_TOOLS = TOOLS.filter((t) => t.write || t.mintsCredentials).map((t) => t.name);

const promptText = async (
  client: McpHarness,
  name: string,
  args: Record<string, string>,
): Promise<string> => {
  const prompt = await client.client.getPrompt({ name, arguments: args });
  const first = prompt.messages[0]?.content;
  return first?.type === 'text' ? first.text : '';
};
const readText = async (client: McpHarness, uri: string): Promise<string> => {
  const { contents } = await client.client.readResource({ uri });
  const first = contents[0];
  return first && 'text' in first ? first.text : '';
};

beforeAll(async () => {
  kv = await mountEngine('res', 'kv-v2');
  await adminRequest('POST', `${kv}/data/hashicups/db`, {
    data: { password: 'pw-db-value', username: 'hc' },
  });
  await adminRequest('POST', `${kv}/data/hashicups/db`, {
    data: { password: 'pw-db-value-2', username: 'hc' },
  });
  await adminRequest('POST', `${kv}/data/hashicups/api/token`, { data: { api_key: 'ak-value' } });
  await adminRequest('POST', `${kv}/data/other/x`, { data: { k: 'v' } });
  pki = await mountEngine('res-pki', 'pki');
  await adminRequest('POST', `${pki}/root/generate/internal`, {
    common_name: 'res.example',
    issuer_name: 'root-2026',
    ttl: '24h',
  });
  await adminRequest('POST', `${pki}/roles/web`, {
    allowed_domains: 'example',
    allow_subdomains: true,
  });
  mcp = await connect();
});
afterAll(() => mcp.close());

describe('prompts', () => {
  it('lists the four workflows with their arguments', async () => {
    const { prompts } = await mcp.client.listPrompts();
    expect(
      prompts.map((p) => [
        p.name,
        (p.arguments ?? []).map((a) => `${a.name}${a.required ? '*' : ''}`),
      ]),
    ).toEqual([
      ['plan_secret_layout', ['mount*', 'app*', 'components']],
      ['pre_release_audit', ['mount*', 'prefix*', 'stale_days']],
      ['least_privilege_policy', ['kv_mount', 'prefix', 'pki_mount']],
      ['issue_tls_certificate', ['mount*', 'role*', 'common_name*']],
    ]);
  });

  it('plan_secret_layout recommends from what exists: names only, never a value', async () => {
    const text = await promptText(mcp, 'plan_secret_layout', {
      mount: kv,
      app: 'hashicups',
      components: 'db,payments',
    });
    expect(text).toBe(
      [
        `Plan the secret layout of the application "hashicups" in the KV mount "${kv}" for the components db,payments.`,
        '',
        'What exists now (names only; no value was read):',
        `Top level of ${kv}/ (KV v2): hashicups/, other/`,
        'Under hashicups/: api/; secrets:',
        '  - hashicups/db (keys: password, username)',
        '',
        'Recommend one path per component under hashicups/ (e.g. hashicups/<component>) and the key names each secret should hold (e.g. username, password, api_key), following the naming already used in this mount. Say which existing paths to reuse.',
        'Never ask for, invent or repeat secret values: the person sets them outside this chat.',
        `The resource vault://kv/${kv}/hashicups/ shows the folder; read_secret_metadata shows a secret's versions; list_secrets lists any folder.`,
        'Once the person approves the plan, write_secret may create each path with placeholder values only (e.g. "CHANGE_ME"); the person replaces them with `vault kv put` or the UI.',
      ].join('\n'),
    );
  });

  it('least_privilege_policy embeds the policy for the chosen prefix and PKI mount', async () => {
    const text = await promptText(mcp, 'least_privilege_policy', {
      kv_mount: kv,
      prefix: 'hashicups/',
      pki_mount: pki,
    });
    expect(text).toContain(`path "${kv}/data/hashicups/*" {`);
    expect(text).toContain(`path "${pki}/sign/+" {`);
    expect(text).toContain(
      `- KV paths are scoped to the application prefix hashicups/; keep it that narrow.`,
    );
    expect(text).toContain(
      `Command that printed it: vault-mcp policy --kv-mount ${kv} --pki-mount ${pki} --kv-prefix hashicups/`,
    );
    expect(text).not.toMatch(/path "pki\*/);
  });

  it("least_privilege_policy refuses a '+' or '*' in a mount or prefix: the policy would grant every match (attack-7 F1)", async () => {
    const refusals = await Promise.all(
      [{ prefix: '+/' }, { kv_mount: '+' }, { pki_mount: 'pki*' }].map((args) =>
        mcp.client.getPrompt({ name: 'least_privilege_policy', arguments: args }).then(
          () => 'no refusal',
          (error: Error) => error.message,
        ),
      ),
    );
    expect(refusals).toEqual([
      `MCP error -32602: invalid prefix: "+/" holds '+', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/`,
      `MCP error -32602: invalid kv-mount: "+" holds '+', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/`,
      `MCP error -32602: invalid pki-mount: "pki*" holds '*', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/`,
    ]);
  });

  it('issue_tls_certificate prefers a local CSR and says why; in read-only mode no prompt names a write tool', async () => {
    const args = {
      plan_secret_layout: { mount: kv, app: 'hashicups' },
      pre_release_audit: { mount: kv, prefix: 'hashicups/' },
      least_privilege_policy: {},
      issue_tls_certificate: { mount: pki, role: 'web', common_name: 'api.example' },
    };
    const tls = await promptText(mcp, 'issue_tls_certificate', args.issue_tls_certificate);
    expect(tls).toContain(
      `Then call sign_pki_certificate with mount "${pki}", role_name "web" and the CSR's PEM text (the .csr file, not the .key).`,
    );
    expect(tls).toContain(
      'Use issue_pki_certificate only if the person cannot make a CSR: Vault then generates the private key',
    );
    const readOnly = await connect({ ENABLE_VAULT_OPERATIONS: 'false' });
    for (const [name, a] of Object.entries(args)) {
      const text = await promptText(readOnly, name, a);
      const named = WRITE_TOOLS.filter((tool) => text.includes(tool));
      expect(named, name).toEqual([]);
    }
    expect(
      await promptText(readOnly, 'issue_tls_certificate', args.issue_tls_certificate),
    ).toContain(
      `give the person the command to sign the CSR themselves, \`vault write ${pki}/sign/web csr=@api.example.csr\`.`,
    );
    await readOnly.close();
  });
});

describe('resources', () => {
  it('lists the fixed resources, one KV root per KV mount and the PKI resources per PKI mount', async () => {
    const { resources } = await mcp.client.listResources();
    const uris = resources.map((r) => `${r.uri} ${r.mimeType ?? ''}`);
    expect(uris).toContain('vault://mounts application/json');
    expect(uris).toContain('vault://policy text/plain');
    expect(uris).toContain(`vault://kv/${kv}/ application/json`);
    expect(uris).toContain(`vault://pki/${pki}/issuers application/json`);
    expect(uris).toContain(`vault://pki/${pki}/roles application/json`);
    expect(uris).toContain(`vault://pki/${pki}/ca_chain application/x-pem-file`);
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'vault://kv/{mount}/',
      'vault://kv/{mount}/{+path}',
      'vault://pki/{mount}/issuers',
      'vault://pki/{mount}/issuer/{issuer}',
      'vault://pki/{mount}/roles',
      'vault://pki/{mount}/ca_chain',
    ]);
  });

  it('the mount table and the KV tree: folders, key names and version metadata, never values', async () => {
    const mounts = JSON.parse(await readText(mcp, 'vault://mounts')) as {
      mounts: Array<Record<string, unknown>>;
    };
    expect(mounts.mounts.find((m) => m['path'] === kv)).toEqual({
      path: kv,
      type: 'kv',
      kv_version: 2,
      description: '',
    });
    expect(JSON.parse(await readText(mcp, `vault://kv/${kv}/hashicups/`))).toEqual({
      mount: kv,
      path: 'hashicups/',
      kv_version: 2,
      folders: [{ name: 'api/', uri: `vault://kv/${kv}/hashicups/api/` }],
      secrets: [{ name: 'db', uri: `vault://kv/${kv}/hashicups/db` }],
    });
    const secret = JSON.parse(await readText(mcp, `vault://kv/${kv}/hashicups/db`)) as Record<
      string,
      unknown
    >;
    expect(secret).toMatchObject({
      mount: kv,
      path: 'hashicups/db',
      kv_version: 2,
      keys: ['password', 'username'],
      current_version: 2,
      deleted: false,
    });
    expect((secret['versions'] as Array<{ version: number }>).map((v) => v.version)).toEqual([
      1, 2,
    ]);
    const all = [
      await readText(mcp, `vault://kv/${kv}/`),
      await readText(mcp, `vault://kv/${kv}/hashicups/db`),
      await readText(mcp, `vault://kv/${kv}/hashicups/api/token`),
    ].join('\n');
    expect(all).not.toMatch(/pw-db-value|ak-value/);
  });

  it('a missing or forbidden resource is a clear MCP error naming the path and the capability', async () => {
    const missing = await mcp.client
      .readResource({ uri: `vault://kv/${kv}/nope` })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(McpError);
    expect([(missing as McpError).code, (missing as McpError).message]).toEqual([
      -32002,
      // The SDK prefixes the code on the server (the wire message) and again in the client.
      `MCP error -32002: vault://kv/${kv}/nope: no secret at ${kv}/nope`,
    ]);
    const token = await scopedToken(`path "${kv}/metadata/*" { capabilities = ["list"] }`);
    const listOnly = await connect({ VAULT_TOKEN: token });
    const denied = await listOnly.client
      .readResource({ uri: `vault://kv/${kv}/hashicups/db` })
      .catch((e: unknown) => e);
    expect((denied as McpError).message).toBe(
      `MCP error -32602: vault://kv/${kv}/hashicups/db: Vault denied GET /v1/${kv}/metadata/hashicups/db (403: permission denied). This call needs \`read\` on \`${kv}/metadata/hashicups/db\`; ask the Vault operator to add it to the token's policy, or use a token that has it.`,
    );
    await listOnly.close();
  });

  it('PKI issuers, roles, one issuer and the CA chain (public PEM only); the policy as text/plain', async () => {
    const issuers = JSON.parse(await readText(mcp, `vault://pki/${pki}/issuers`)) as {
      issuers: Array<Record<string, unknown>>;
    };
    expect(issuers.issuers.map((i) => [i['issuer_name'], i['is_default']])).toEqual([
      ['root-2026', true],
    ]);
    expect(JSON.parse(await readText(mcp, `vault://pki/${pki}/roles`))).toEqual({
      mount: pki,
      roles: ['web'],
    });
    const chain = await readText(mcp, `vault://pki/${pki}/ca_chain`);
    expect(chain).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const issuer = await readText(mcp, `vault://pki/${pki}/issuer/root-2026`);
    expect(JSON.parse(issuer)).toMatchObject({ issuer_name: 'root-2026' });
    expect(issuer).not.toMatch(/PRIVATE KEY/);
    const { contents } = await mcp.client.readResource({ uri: 'vault://policy' });
    expect(contents[0]?.mimeType).toBe('text/plain');
    expect(contents[0] && 'text' in contents[0] ? contents[0].text : '').toMatch(
      /^# Vault policy for vault-mcp .*, made by: vault-mcp policy --kv-mount secret --pki-mount pki\n/,
    );
  });
});

describe('completions', () => {
  const complete = (
    client: McpHarness,
    ref: { type: 'ref/resource'; uri: string } | { type: 'ref/prompt'; name: string },
    name: string,
    value: string,
    args?: Record<string, string>,
  ) =>
    client.client
      .complete({
        ref,
        argument: { name, value },
        ...(args ? { context: { arguments: args } } : {}),
      })
      .then((r) => r.completion.values);
  const tree = { type: 'ref/resource' as const, uri: 'vault://kv/{mount}/{+path}' };

  it('mounts by engine, paths by LIST, roles and issuers by name', async () => {
    expect(await complete(mcp, tree, 'mount', kv)).toEqual([kv]);
    expect(await complete(mcp, tree, 'mount', pki)).toEqual([]);
    expect(await complete(mcp, tree, 'path', 'hash', { mount: kv })).toEqual(['hashicups/']);
    expect(await complete(mcp, tree, 'path', 'hashicups/', { mount: kv })).toEqual([
      'hashicups/api/',
      'hashicups/db',
    ]);
    const tls = { type: 'ref/prompt' as const, name: 'issue_tls_certificate' };
    expect(await complete(mcp, tls, 'mount', pki)).toEqual([pki]);
    expect(await complete(mcp, tls, 'role', 'w', { mount: pki })).toEqual(['web']);
    const issuer = { type: 'ref/resource' as const, uri: 'vault://pki/{mount}/issuer/{issuer}' };
    expect(await complete(mcp, issuer, 'issuer', '', { mount: pki })).toEqual(['root-2026']);
    const plan = { type: 'ref/prompt' as const, name: 'plan_secret_layout' };
    expect(await complete(mcp, plan, 'app', 'oth', { mount: kv })).toEqual(['other/']);
    // The completed folder works as the application name.
    expect(await promptText(mcp, 'plan_secret_layout', { mount: kv, app: 'other/' })).toContain(
      'Under other/: no folders; secrets:\n  - other/x (keys: k)',
    );
    expect(await promptText(mcp, 'plan_secret_layout', { mount: kv, app: 'other/' })).toContain(
      'Recommend one path per component under other/ (e.g. other/<component>)',
    );
  });

  it('are empty, not an error, when the token cannot list', async () => {
    const token = await scopedToken(`path "${kv}/data/*" { capabilities = ["read"] }`);
    const readOnlyToken = await connect({ VAULT_TOKEN: token });
    expect(await complete(readOnlyToken, tree, 'path', 'hashicups/', { mount: kv })).toEqual([]);
    expect(await complete(readOnlyToken, tree, 'path', '', { mount: 'no-such-mount' })).toEqual([]);
    await readOnlyToken.close();
  });

  it('under a policy scoped to the application (VAULT_MCP_KV_PREFIX) the prompt and completions still show the application', async () => {
    const token = await scopedToken(
      `path "${kv}/metadata/hashicups/*" { capabilities = ["list", "read"] }
       path "${kv}/data/hashicups/*" { capabilities = ["read"] }`,
    );
    const scoped = await connect({ VAULT_TOKEN: token, VAULT_MCP_KV_PREFIX: 'hashicups/' });
    const plan = { type: 'ref/prompt' as const, name: 'plan_secret_layout' };
    // The mount's top cannot be listed: the prefix's folder is offered instead of nothing.
    expect(await complete(scoped, plan, 'app', '', { mount: kv })).toEqual(['hashicups/']);
    expect(await complete(scoped, plan, 'app', 'oth', { mount: kv })).toEqual([]);
    expect(await complete(scoped, plan, 'app', 'hashicups/', { mount: kv })).toEqual([
      'hashicups/api/',
      'hashicups/db',
    ]);
    const text = await promptText(scoped, 'plan_secret_layout', { mount: kv, app: 'hashicups' });
    expect(text.split('\n').slice(2, 6)).toEqual([
      'What exists now (names only; no value was read):',
      `Top level of ${kv}/ (KV v2): not listed (Vault answered 403 to LIST /v1/${kv}/metadata/: permission denied)`,
      'Under hashicups/: api/; secrets:',
      '  - hashicups/db (keys: password, username)',
    ]);
    await scoped.close();
  });

  it('are bounded to 100 values (hasMore says there are more)', async () => {
    const wide = await mountEngine('res-wide', 'kv-v2');
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        adminRequest('POST', `${wide}/data/s${String(i).padStart(3, '0')}`, { data: { k: 'v' } }),
      ),
    );
    const result = await mcp.client.complete({
      ref: tree,
      argument: { name: 'path', value: 's' },
      context: { arguments: { mount: wide } },
    });
    expect(result.completion.values).toHaveLength(100);
    expect(result.completion.values[0]).toBe('s000');
  });
});
