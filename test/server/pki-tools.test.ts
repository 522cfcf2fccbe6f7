import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate, makeCsr } from '../../scripts/lib/csr.js';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, devServer, scopedToken, unique } from '../support/vault.js';

let mcp: McpHarness;
const pki = unique('pkit');
const intermediate = unique('pkiint');

beforeAll(async () => {
  mcp = await connect();
});
afterAll(() => mcp.close());

describe('PKI tools, in the order a user runs them', () => {
  it('enable_pki applies its defaults in one request and refuses an existing mount', async () => {
    expect(await mcp.ok('enable_pki', { path: pki })).toEqual({ path: pki, max_ttl: '87600h' });
    const tune = (await adminRequest('GET', `sys/mounts/${pki}/tune`)) as {
      data: { max_lease_ttl: number };
    };
    expect(tune.data.max_lease_ttl).toBe(315360000);
    expect(await mcp.fails('enable_pki', { path: pki })).toBe(
      `something is already mounted at '${pki}/' (Vault: path is already in use at ${pki}/): use it (list_pki_issuers), choose another path, or delete_mount it first`,
    );
  });

  it('list tools give [] on an empty mount', async () => {
    expect(await mcp.ok('list_pki_issuers', { mount: pki })).toEqual({ mount: pki, issuers: [] });
    expect(await mcp.ok('list_pki_roles', { mount: pki })).toEqual({ mount: pki, roles: [] });
    expect(await mcp.ok('list_pki_certificates', { mount: pki })).toEqual({
      mount: pki,
      revoked: false,
      serial_numbers: [],
    });
    expect(textOf(await mcp.call('read_pki_ca_chain', { mount: pki }))).toBe(
      `${pki}/ has no CA yet`,
    );
  });

  it('create_pki_issuer makes a named root and configures the URLs', async () => {
    const root = await mcp.ok<{
      issuer_id: string;
      kind: string;
      summary: { subject: string; not_after: string };
      issuing_certificates: string[];
      warnings: string[];
    }>('create_pki_issuer', {
      mount: pki,
      common_name: 'HashiCups Test Root',
      issuer_name: 'root-2026',
      ttl: '8760h',
      key_type: 'ec',
      key_bits: 256,
    });
    expect(root.kind).toBe('root');
    expect(root.summary.subject).toBe('CN=HashiCups Test Root');
    expect(root.warnings).toEqual([]);
    expect(root.issuing_certificates).toEqual([`${devServer().address}/v1/${pki}/ca`]);
    expect(await mcp.ok('list_pki_issuers', { mount: pki })).toEqual({
      mount: pki,
      issuers: [
        {
          issuer_id: root.issuer_id,
          issuer_name: 'root-2026',
          is_default: true,
          key_id: expect.any(String),
          serial_number: expect.any(String),
        },
      ],
    });
    expect(await mcp.ok('read_pki_issuer', { mount: pki, issuer_name: 'root-2026' })).toMatchObject(
      {
        issuer_id: root.issuer_id,
        issuer_name: 'root-2026',
        source: 'issuer',
        summary: { subject: 'CN=HashiCups Test Root' },
      },
    );
    expect(await mcp.fails('read_pki_issuer', { mount: pki, issuer_name: 'nope' })).toBe(
      `no issuer 'nope' on ${pki}/; list_pki_issuers shows the issuers`,
    );
    expect(
      await mcp.fails('create_pki_issuer', {
        mount: pki,
        common_name: 'x',
        issuer_name: 'y',
        root_mount: pki,
      }),
    ).toBe(
      'an intermediate needs both root_mount and root_issuer; give both, or neither for a root CA',
    );
  });

  it("create_pki_issuer leaves the operator's URLs alone when any is set (attack-7 F2)", async () => {
    const own = unique('pkiurls');
    await adminRequest('POST', `sys/mounts/${own}`, { type: 'pki' });
    const operators = {
      crl_distribution_points: ['http://cdn.example/crl'],
      ocsp_servers: ['http://ocsp.example'],
    };
    await adminRequest('POST', `${own}/config/urls`, operators);
    const root = await mcp.ok<{ issuing_certificates?: string[] }>('create_pki_issuer', {
      mount: own,
      common_name: 'Second Root',
      issuer_name: 'r2',
      ttl: '8000h',
    });
    expect(root.issuing_certificates).toEqual([]);
    const urls = (await adminRequest('GET', `${own}/config/urls`)) as {
      data: Record<string, unknown>;
    };
    expect(urls.data).toMatchObject({ ...operators, issuing_certificates: [] });
    await adminRequest('DELETE', `sys/mounts/${own}`);
  });

  it('create_pki_issuer with root_mount/root_issuer makes an intermediate signed by that issuer', async () => {
    await mcp.ok('enable_pki', { path: intermediate });
    const made = await mcp.ok<{
      kind: string;
      issuer_name: string;
      summary: { subject: string; issuer: string };
      ca_chain: string[];
    }>('create_pki_issuer', {
      mount: intermediate,
      common_name: 'HashiCups Test Intermediate',
      issuer_name: 'int-2026',
      ttl: '4380h',
      root_mount: pki,
      root_issuer: 'root-2026',
    });
    expect(made).toMatchObject({
      kind: 'intermediate',
      issuer_name: 'int-2026',
      summary: { subject: 'CN=HashiCups Test Intermediate', issuer: 'CN=HashiCups Test Root' },
    });
    // Vault imports the signing root as a key-less issuer (for chain building); ours is the default.
    const issuers = await mcp.ok<{ issuers: Array<{ issuer_name: string; is_default: boolean }> }>(
      'list_pki_issuers',
      { mount: intermediate },
    );
    expect(issuers.issuers.map((i) => [i.issuer_name, i.is_default])).toEqual([
      ['', false],
      ['int-2026', true],
    ]);
    // A failed signing leaves no key behind on the intermediate mount.
    const keysBefore = (await adminRequest('GET', `${intermediate}/keys?list=true`)) as {
      data: { keys: string[] };
    };
    expect(
      await mcp.fails('create_pki_issuer', {
        mount: intermediate,
        common_name: 'x',
        issuer_name: 'z',
        root_mount: pki,
        root_issuer: 'no-such-issuer',
      }),
    ).toMatch(
      new RegExp(
        `^Vault (rejected|failed on) POST /v1/${pki}/issuer/no-such-issuer/sign-intermediate`,
      ),
    );
    const keysAfter = (await adminRequest('GET', `${intermediate}/keys?list=true`)) as {
      data: { keys: string[] };
    };
    expect(keysAfter.data.keys.sort()).toEqual(keysBefore.data.keys.sort());
  });

  it('create/read/delete a role; issuer_name becomes issuer_ref; defaults applied', async () => {
    const role = await mcp.ok<{ issuer_ref: string; settings: Record<string, unknown> }>(
      'create_pki_role',
      {
        mount: pki,
        role_name: 'web',
        allowed_domains: 'hashicups.test, example.test',
        allow_any_name: false,
        allow_subdomains: true,
        key_type: 'any',
        issuer_name: 'root-2026',
      },
    );
    expect(role.issuer_ref).toBe('root-2026');
    const stored = (await adminRequest('GET', `${pki}/roles/web`)) as {
      data: Record<string, unknown>;
    };
    expect(stored.data).toMatchObject({
      issuer_ref: 'root-2026',
      allowed_domains: ['hashicups.test', 'example.test'],
      allow_any_name: false,
      allow_glob_domains: false,
      allow_ip_sans: false,
      max_ttl: 2592000,
    });
    expect(await mcp.ok('read_pki_role', { mount: pki, role_name: 'web' })).toMatchObject({
      role_name: 'web',
      role: { issuer_ref: 'root-2026' },
    });
    expect(await mcp.ok('list_pki_roles', { mount: pki })).toEqual({ mount: pki, roles: ['web'] });
    expect(await mcp.fails('read_pki_role', { mount: pki, role_name: 'nope' })).toBe(
      `no role 'nope' on ${pki}/; list_pki_roles shows the roles`,
    );
    expect(await mcp.fails('delete_pki_role', { mount: pki, role_name: 'nope' })).toBe(
      `no role 'nope' on ${pki}/: nothing to delete`,
    );
    expect(
      textOf(
        await mcp.call('create_pki_role', {
          mount: pki,
          role_name: 'temp',
          allow_any_name: true,
          allowed_domains: ['x.test'],
        }),
      ),
    ).toBe(
      `role 'temp' on ${pki}/ issues with issuer 'default': allow_any_name=true, allowed_domains=["x.test"], max_ttl=30d. Note: allow_any_name=true lets any name through, so allowed_domains restricts nothing.`,
    );
    expect(
      await mcp.ok<{ settings: Record<string, unknown> }>('create_pki_role', {
        mount: pki,
        role_name: 'temp',
      }),
    ).toMatchObject({ settings: { allow_any_name: true, allowed_domains: [] } });
    expect(await mcp.ok('delete_pki_role', { mount: pki, role_name: 'temp' })).toEqual({
      mount: pki,
      role_name: 'temp',
    });
  });

  it('sign_pki_certificate signs a local CSR; issue withholds the private key', async () => {
    const csr = await makeCsr('api.hashicups.test', ['api.hashicups.test']);
    const signed = await mcp.ok<{
      certificate: string;
      serial_number: string;
      summary: { subject: string; issuer: string; dns_names: string[] };
    }>('sign_pki_certificate', { mount: pki, role_name: 'web', csr, ttl: '1h' });
    expect(signed.summary).toMatchObject({
      subject: 'CN=api.hashicups.test',
      issuer: 'CN=HashiCups Test Root',
      dns_names: ['api.hashicups.test'],
    });
    expect(describeCertificate(signed.certificate).serial.toLowerCase()).toBe(
      signed.serial_number.replace(/:/g, ''),
    );
    // Vault would sign with the CSR's names and drop those of the call: refused, nothing signed.
    const before = (await adminRequest('GET', `${pki}/certs?list=true`)) as {
      data: { keys: string[] };
    };
    expect(
      await mcp.fails('sign_pki_certificate', {
        mount: pki,
        role_name: 'web',
        csr,
        common_name: 'www.hashicups.test',
        alt_names: ['cdn.hashicups.test'],
      }),
    ).toBe(
      `role 'web' on ${pki}/ takes names from the CSR (use_csr_common_name=true, use_csr_sans=true), so Vault would ignore common_name 'www.hashicups.test' (the CSR's is 'api.hashicups.test') and alt_names 'cdn.hashicups.test' (not in the CSR); nothing was signed. Omit them to sign with the CSR's names, put them in the CSR, or set use_csr_common_name / use_csr_sans to false on the role (create_pki_role).`,
    );
    expect(
      await mcp.fails('sign_pki_certificate', {
        mount: pki,
        role_name: 'web',
        csr,
        alt_names: ['api.hashicups.test', 'cdn.hashicups.test'],
        ip_sans: ['10.0.0.1'],
      }),
    ).toBe(
      `role 'web' on ${pki}/ takes names from the CSR (use_csr_sans=true), so Vault would ignore alt_names 'cdn.hashicups.test' (not in the CSR) and ip_sans '10.0.0.1' (not in the CSR); nothing was signed. Omit them to sign with the CSR's names, put them in the CSR, or set use_csr_sans to false on the role (create_pki_role).`,
    );
    const after = (await adminRequest('GET', `${pki}/certs?list=true`)) as {
      data: { keys: string[] };
    };
    expect(after.data.keys).toHaveLength(before.data.keys.length);
    // The natural call: the CSR's own names, repeated, are what Vault signs with anyway.
    const same = await mcp.ok<{ summary: { subject: string; dns_names: string[] } }>(
      'sign_pki_certificate',
      {
        mount: pki,
        role_name: 'web',
        csr,
        common_name: 'api.hashicups.test',
        alt_names: 'api.hashicups.test',
        ttl: '1h',
      },
    );
    expect(same.summary).toMatchObject({
      subject: 'CN=api.hashicups.test',
      dns_names: ['api.hashicups.test'],
    });
    // A role whose key_type is not the CSR's key: the refusal names the setting that allows it.
    await mcp.ok('create_pki_role', {
      mount: pki,
      role_name: 'rsa-only',
      allow_any_name: true,
      key_type: 'rsa',
    });
    expect(
      await mcp.fails('sign_pki_certificate', { mount: pki, role_name: 'rsa-only', csr }),
    ).toBe(
      `role 'rsa-only' on ${pki}/ signs only rsa keys (key_type=rsa) and the CSR's key is ec; nothing was signed. Set key_type=any on the role (create_pki_role replaces the role: repeat its other settings), or make the CSR with a rsa key.`,
    );
    expect(
      await mcp.fails('sign_pki_certificate', {
        mount: pki,
        role_name: 'web',
        csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
        common_name: 'api.hashicups.test',
      }),
    ).toBe(
      'csr is not a readable PEM CSR (Data does not match to CertificationRequest ASN1 schema.): give the whole block from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----',
    );
    // With a role that takes the call's names, they replace the CSR's.
    await mcp.ok('create_pki_role', {
      mount: pki,
      role_name: 'web-names',
      allowed_domains: ['hashicups.test'],
      allow_subdomains: true,
      key_type: 'any',
      use_csr_common_name: false,
      use_csr_sans: false,
    });
    const renamed = await mcp.ok<{ summary: { subject: string; dns_names: string[] } }>(
      'sign_pki_certificate',
      {
        mount: pki,
        role_name: 'web-names',
        csr,
        common_name: 'www.hashicups.test',
        alt_names: ['cdn.hashicups.test'],
        ttl: '1h',
      },
    );
    expect(renamed.summary.subject).toBe('CN=www.hashicups.test');
    // A set: OpenBao keeps the common name first, Vault sorts the names; neither order is API.
    expect(renamed.summary.dns_names).toHaveLength(2);
    expect(new Set(renamed.summary.dns_names)).toEqual(
      new Set(['www.hashicups.test', 'cdn.hashicups.test']),
    );

    // allowed_domains alone restricts names: allow_any_name defaults to false with them.
    const issueRole = await mcp.call('create_pki_role', {
      mount: pki,
      role_name: 'issue',
      allowed_domains: ['hashicups.test'],
      allow_subdomains: true,
      key_type: 'ec',
      key_bits: 256,
    });
    expect(issueRole.structuredContent).toMatchObject({
      settings: { allow_any_name: false, allowed_domains: ['hashicups.test'] },
    });
    const result = await mcp.call('issue_pki_certificate', {
      mount: pki,
      role_name: 'issue',
      common_name: 'web.hashicups.test',
      alt_names: 'www.hashicups.test',
      ttl: '1h',
    });
    const issued = result.structuredContent as {
      private_key?: string;
      private_key_withheld: boolean;
      summary: { dns_names: string[] };
      serial_number: string;
    };
    expect(issued.private_key).toBeUndefined();
    expect(issued.private_key_withheld).toBe(true);
    expect(issued.summary.dns_names.sort()).toEqual(['web.hashicups.test', 'www.hashicups.test']);
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
    expect(textOf(result)).toContain('prefer sign_pki_certificate');

    expect(
      await mcp.fails('issue_pki_certificate', {
        mount: pki,
        role_name: 'issue',
        common_name: 'evil.test',
      }),
    ).toBe(
      `Vault rejected POST /v1/${pki}/issue/issue (400: common name evil.test not allowed by this role).`,
    );
    expect(
      await mcp.fails('sign_pki_certificate', { mount: pki, role_name: 'web', csr: 'not a csr' }),
    ).toMatch(/must be a PEM CSR/);

    const certs = await mcp.ok<{ serial_numbers: string[] }>('list_pki_certificates', {
      mount: pki,
    });
    expect(certs.serial_numbers).toContain(signed.serial_number);
    expect(
      await mcp.ok('read_pki_certificate', { mount: pki, serial_number: signed.serial_number }),
    ).toMatchObject({
      revoked: false,
      summary: { subject: 'CN=api.hashicups.test' },
    });
    expect(
      await mcp.ok('revoke_pki_certificate', { mount: pki, serial_number: signed.serial_number }),
    ).toMatchObject({ revocation_time: expect.any(String) });
    expect(
      await mcp.ok('read_pki_certificate', { mount: pki, serial_number: signed.serial_number }),
    ).toMatchObject({ revoked: true });
    expect(await mcp.ok('list_pki_certificates', { mount: pki, revoked: true })).toMatchObject({
      serial_numbers: [signed.serial_number],
    });
    expect(await mcp.fails('revoke_pki_certificate', { mount: pki, serial_number: 'zz' })).toMatch(
      /must be hex bytes separated by ':' or '-'/,
    );
  });

  it('sign_pki_certificate with a token that may sign but not read the role', async () => {
    const token = await scopedToken(`path "${pki}/sign/*" { capabilities = ["update"] }`);
    const scoped = await connect({ VAULT_TOKEN: token });
    try {
      const csr = await makeCsr('svc.hashicups.test', ['svc.hashicups.test']);
      // The CSR's own names need no look at the role.
      expect(
        await scoped.ok('sign_pki_certificate', {
          mount: pki,
          role_name: 'web',
          csr,
          common_name: 'svc.hashicups.test',
          ttl: '1h',
        }),
      ).toMatchObject({ summary: { subject: 'CN=svc.hashicups.test' } });
      expect(
        await scoped.fails('sign_pki_certificate', {
          mount: pki,
          role_name: 'web',
          csr,
          common_name: 'www.hashicups.test',
        }),
      ).toBe(
        `cannot tell whether role 'web' would ignore common_name 'www.hashicups.test' (the CSR's is 'svc.hashicups.test') in favour of the CSR's names (this token may not read ${pki}/roles/web); nothing was signed. Put the names in the CSR and omit them here.`,
      );
      // Without the role, Vault's own refusal stands.
      expect(
        await scoped.fails('sign_pki_certificate', { mount: pki, role_name: 'rsa-only', csr }),
      ).toBe(`Vault rejected POST /v1/${pki}/sign/rsa-only (400: role requires keys of type rsa).`);
    } finally {
      await scoped.close();
    }
  });

  it('CA chain, default issuer, URLs', async () => {
    const chain = await mcp.ok<{ summaries: Array<{ subject: string }> }>('read_pki_ca_chain', {
      mount: intermediate,
    });
    expect(chain.summaries.map((s) => s.subject)).toEqual([
      'CN=HashiCups Test Intermediate',
      'CN=HashiCups Test Root',
    ]);
    expect(
      await mcp.ok('set_pki_default_issuer', { mount: pki, issuer_ref: 'root-2026' }),
    ).toMatchObject({ mount: pki });
    expect(
      await mcp.ok('configure_pki_urls', {
        mount: pki,
        ocsp_servers: ['https://ocsp.hashicups.test'],
      }),
    ).toEqual({
      mount: pki,
      issuing_certificates: [],
      crl_distribution_points: [],
      ocsp_servers: ['https://ocsp.hashicups.test'],
    });
    expect(await mcp.ok('configure_pki_urls', { mount: pki })).toMatchObject({
      issuing_certificates: [`${devServer().address}/v1/${pki}/ca`],
    });
  });

  it('read_pki_issuer falls back to the public issuer/<ref>/json when the token may not read issuer/<ref>', async () => {
    const token = await scopedToken(`path "${pki}/issuers/*" { capabilities = ["list"] }`);
    const scoped = await connect({ VAULT_TOKEN: token });
    expect(
      await scoped.ok('read_pki_issuer', { mount: pki, issuer_name: 'root-2026' }),
    ).toMatchObject({
      issuer_name: 'root-2026',
      source: 'issuer_json',
      summary: { subject: 'CN=HashiCups Test Root' },
    });
    await scoped.close();
  });

  it('names a missing mount', async () => {
    expect(await mcp.fails('list_pki_roles', { mount: 'no-such-pki' })).toBe(
      "no secrets engine is visible at 'no-such-pki/' (Vault: preflight capability check returned 403, please ensure client's policies grant access to path \"no-such-pki/\"): nothing is mounted there, or this token has no capability under it. list_mounts shows the mounts this token can see.",
    );
  });

  it('refuses a mount that is not a PKI mount root, before any PKI request', async () => {
    expect(await mcp.fails('read_pki_role', { mount: 'secret/data', role_name: 'db' })).toBe(
      "'secret/data' is not a mount: it is inside the mount 'secret'. Call again with mount='secret'.",
    );
    expect(await mcp.fails('delete_pki_role', { mount: 'secret', role_name: 'db' })).toBe(
      "'secret' is a KV version 2 mount, not a PKI mount; list_mounts shows the mounts and their types",
    );
    expect(
      await mcp.fails('create_pki_issuer', {
        mount: intermediate,
        common_name: 'x',
        issuer_name: 'y',
        root_mount: 'sys',
        root_issuer: 'default',
      }),
    ).toBe(
      "'sys' is a system mount, not a PKI mount; list_mounts shows the mounts and their types",
    );
  });

  it('names what a failed intermediate left behind when the token may not remove it', async () => {
    const mount = unique('pkileft');
    await adminRequest('POST', `sys/mounts/${mount}`, { type: 'pki' });
    // Everything on the new mount but delete; on the root mount only its CA, not sign-intermediate.
    const token = await scopedToken(
      `path "${mount}/*" { capabilities = ["create", "read", "update", "list"] }\n` +
        `path "${pki}/ca" { capabilities = ["read"] }`,
    );
    const scoped = await connect({ VAULT_TOKEN: token });
    const message = await scoped.fails('create_pki_issuer', {
      mount,
      common_name: 'left.example',
      issuer_name: 'left',
      root_mount: pki,
      root_issuer: 'root-2026',
    });
    await scoped.close();
    const keys = (await adminRequest('GET', `${mount}/keys?list=true`)) as {
      data: { keys: string[] };
    };
    expect(keys.data.keys).toHaveLength(1);
    const key = keys.data.keys[0] ?? '';
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(message).toBe(
      `Vault denied POST /v1/${pki}/issuer/root-2026/sign-intermediate (403: permission denied). This call needs \`update\` on \`${pki}/issuer/root-2026/sign-intermediate\`; ask the Vault operator to add it to the token's policy, or use a token that has it. ` +
        `Also: the generated key ${key} on ${mount} could not be removed (Vault denied DELETE /v1/${mount}/key/${key} (403: permission denied). This call needs \`delete\` on \`${mount}/key/${key}\`; ask the Vault operator to add it to the token's policy, or use a token that has it.).`,
    );
  });
});
