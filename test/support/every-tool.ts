/**
 * One call of every hand-written tool, in an order that works on a fresh dev server with KV v2 at
 * `secret/` (paths under `myapp/`) and no `pki/` yet. Used by the policy test (under the generated
 * policy) and the leak test (with known secret values).
 */
import { makeCsr } from '../../scripts/lib/csr.js';

export type Call = (
  name: string,
  args?: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** `values`: the secret values written; they must never come back unless reveal is on. */
export async function callEveryTool(
  ok: Call,
  values: { user: string; pass: string; port: string },
): Promise<void> {
  // PKI
  await ok('enable_pki', { path: 'pki' });
  await ok('create_pki_issuer', {
    common_name: 'Every Tool Root',
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
  // KV, under myapp/
  await ok('write_secret', { mount: 'secret', path: 'myapp/db', key: 'user', value: values.user });
  await ok('write_secret', { mount: 'secret', path: 'myapp/db', key: 'pass', value: values.pass });
  await ok('read_secret', { mount: 'secret', path: 'myapp/db' });
  await ok('list_secrets', { mount: 'secret', path: 'myapp' });
  await ok('patch_secret', { mount: 'secret', path: 'myapp/db', data: { port: values.port } });
  await ok('write_secret_metadata', {
    mount: 'secret',
    path: 'myapp/db',
    custom_metadata: { owner: 'team' },
  });
  await ok('read_secret_metadata', { mount: 'secret', path: 'myapp/db' });
  await ok('audit_secrets', { mount: 'secret', path: 'myapp' });
  await ok('delete_secret', { mount: 'secret', path: 'myapp/db', key: 'port' });
  await ok('delete_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
  await ok('undelete_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
  await ok('destroy_secret_versions', { mount: 'secret', path: 'myapp/db', versions: [1] });
  await ok('delete_secret', { mount: 'secret', path: 'myapp/db' });
  await ok('delete_secret_metadata', { mount: 'secret', path: 'myapp/db' });
  // Mounts (the managed mount is pki)
  await ok('list_mounts');
  await ok('read_mount', { path: 'pki' });
  await ok('tune_mount', { path: 'pki', max_lease_ttl: '720h' });
  await ok('delete_mount', { path: 'pki' });
  await ok('create_mount', { type: 'pki', path: 'pki' });
  await ok('whoami');
}
