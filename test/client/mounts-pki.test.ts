import { describe, expect, it } from 'vitest';
import {
  disableMount,
  enableMount,
  listMounts,
  listVisibleMounts,
  pkiIssue,
  pkiListIssuers,
  pkiListRoles,
  pkiReadPem,
  pkiSign,
  pkiWriteRole,
  readMountInfo,
  readMountTune,
  tuneMount,
  VaultResponseError,
} from '../../src/index.js';
import { describeCertificate, makeCsr } from '../../scripts/lib/csr.js';
import { rootClient, unique } from '../support/vault.js';

const vault = rootClient();

describe('mounts', () => {
  it('enables (kv-v2 shorthand), tunes, lists and disables a mount', async () => {
    const path = unique('client-mnt');
    await enableMount(vault, path, { type: 'kv-v2', description: 'made by a test' });
    const info = await readMountInfo(vault, path);
    expect([info.type, info.kvVersion, info.description]).toEqual(['kv', 2, 'made by a test']);

    await tuneMount(vault, path, {
      max_lease_ttl: '2h',
      default_lease_ttl: 1800,
      description: 'tuned',
    });
    const tune = await readMountTune(vault, path);
    expect([tune['max_lease_ttl'], tune['default_lease_ttl'], tune['description']]).toEqual([
      7200,
      1800,
      'tuned',
    ]);

    expect((await listMounts(vault)).map((m) => m.path)).toContain(`${path}/`);
    expect((await listVisibleMounts(vault)).find((m) => m.path === `${path}/`)?.kvVersion).toBe(2);

    const again = await enableMount(vault, path, { type: 'kv' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VaultResponseError);
    expect((again as VaultResponseError).errors.join(' ')).toMatch(/path is already in use/);

    await disableMount(vault, path);
    expect((await listMounts(vault)).map((m) => m.path)).not.toContain(`${path}/`);
  });
});

describe('PKI', () => {
  it('generates a root, creates a role, issues, signs a CSR and fetches PEM', async () => {
    const mount = unique('client-pki');
    await enableMount(vault, mount, { type: 'pki', config: { max_lease_ttl: '87600h' } });
    expect(await pkiListIssuers(vault, mount)).toEqual([]);
    expect(await pkiListRoles(vault, mount)).toEqual([]);
    expect(await pkiReadPem(vault, mount, { ca: true })).toBe('');

    const root = await vault.POST('/{pki_mount_path}/root/generate/{exported}', {
      params: { path: { pki_mount_path: mount, exported: 'internal' } },
      body: { common_name: 'Test Root CA', issuer_name: 'root-2026', ttl: '8760h' },
    });
    const rootData = root.data as { certificate?: string; issuer_id?: string };
    expect(describeCertificate(rootData.certificate ?? '').subject).toBe('CN=Test Root CA');

    const issuers = await pkiListIssuers(vault, mount);
    expect(issuers).toEqual([
      {
        issuer_id: rootData.issuer_id,
        issuer_name: 'root-2026',
        is_default: true,
        key_id: expect.any(String),
        serial_number: expect.any(String),
      },
    ]);

    await pkiWriteRole(vault, mount, 'web', {
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      max_ttl: '720h',
      key_type: 'ec',
      key_bits: 256,
    });
    expect(await pkiListRoles(vault, mount)).toEqual(['web']);

    const issued = await pkiIssue(vault, mount, 'web', {
      common_name: 'api.example.com',
      alt_names: 'www.example.com',
      ttl: '24h',
    });
    expect(issued.private_key).toMatch(/^-----BEGIN (EC |RSA )?PRIVATE KEY-----/);
    const cert = describeCertificate(issued.certificate ?? '');
    expect(cert.subject).toBe('CN=api.example.com');
    expect(cert.dnsNames.sort()).toEqual(['api.example.com', 'www.example.com']);

    const csr = await makeCsr('svc.example.com', ['svc.example.com']);
    const signed = await pkiSign(vault, mount, 'web', { csr, ttl: '1h' });
    expect(signed).not.toHaveProperty('private_key');
    expect(describeCertificate(signed.certificate ?? '')).toMatchObject({
      subject: 'CN=svc.example.com',
      issuer: 'CN=Test Root CA',
    });

    const refused = await pkiIssue(vault, mount, 'web', { common_name: 'evil.test' }).catch(
      (e: unknown) => e,
    );
    expect((refused as VaultResponseError).status).toBe(400);
    expect((refused as VaultResponseError).errors.join(' ')).toMatch(/evil\.test/);

    const caPem = await pkiReadPem(vault, mount, { ca: true });
    expect(caPem.trim()).toBe((rootData.certificate ?? '').trim());
    expect(await pkiReadPem(vault, mount, { issuer: 'root-2026' })).toContain(
      '-----BEGIN CERTIFICATE-----',
    );
    expect(await pkiReadPem(vault, mount, { chain: true })).toContain(
      '-----BEGIN CERTIFICATE-----',
    );

    const der = await vault.GET('/{pki_mount_path}/ca', {
      params: { path: { pki_mount_path: mount } },
      parseAs: 'arrayBuffer',
    });
    expect(der.data).toBeInstanceOf(Uint8Array);
    expect((der.data as Uint8Array)[0]).toBe(0x30); // DER SEQUENCE
    await disableMount(vault, mount);
  });
});
