/**
 * PKI helpers: issue and sign with a role, list issuers and roles, fetch PEM. `mount` is the PKI
 * mount path (`pki`); TTLs are Vault duration strings (`"720h"`, `"30d"`) or seconds.
 */
import type { components } from '../../generated/vault-api.js';
import type { VaultClient } from './client.js';
import { isNotFound } from './mounts.js';
import { normalizePath } from './paths.js';

type Schemas = components['schemas'];

/** Body of `POST /v1/<mount>/issue/<role>` (common_name, alt_names, ip_sans, uri_sans, ttl, ...). */
export type PkiIssueRequest = Schemas['PkiIssueWithRoleRequest'];
/** Answer of issue: certificate, issuing_ca, ca_chain, serial_number, expiration (Unix seconds), private_key. */
export type PkiIssueResponse = Schemas['PkiIssueWithRoleResponse'];
/** Body of `POST /v1/<mount>/sign/<role>` (csr plus the issue fields). */
export type PkiSignRequest = Schemas['PkiSignWithRoleRequest'];
export type PkiSignResponse = Schemas['PkiSignWithRoleResponse'];
/** Body of `POST /v1/<mount>/roles/<name>`. */
export type PkiRoleRequest = Schemas['PkiWriteRoleRequest'];

/** One issuer as listed in `key_info`. */
export interface PkiIssuerSummary {
  readonly issuer_id: string;
  readonly issuer_name: string;
  readonly is_default: boolean;
  readonly key_id: string | undefined;
  readonly serial_number: string | undefined;
}

/**
 * Issue a certificate and key with a role: `POST /v1/<mount>/issue/<role>`. The answer holds the
 * private key; callers decide whether it may be shown.
 * @throws VaultResponseError (400 when the role forbids the requested names).
 */
export async function pkiIssue(
  client: VaultClient,
  mount: string,
  role: string,
  request: PkiIssueRequest,
): Promise<PkiIssueResponse> {
  const result = await client.POST('/{pki_mount_path}/issue/{role}', {
    params: { path: { pki_mount_path: normalizePath('mount', mount), role } },
    body: request,
  });
  return (result.data ?? {}) as PkiIssueResponse;
}

/** Sign a CSR with a role: `POST /v1/<mount>/sign/<role>`. @throws VaultResponseError. */
export async function pkiSign(
  client: VaultClient,
  mount: string,
  role: string,
  request: PkiSignRequest,
): Promise<PkiSignResponse> {
  const result = await client.POST('/{pki_mount_path}/sign/{role}', {
    params: { path: { pki_mount_path: normalizePath('mount', mount), role } },
    body: request,
  });
  return (result.data ?? {}) as PkiSignResponse;
}

/** Issuers of a mount, sorted by name then id; `[]` when it has none (`LIST /v1/<mount>/issuers`). */
export async function pkiListIssuers(
  client: VaultClient,
  mount: string,
): Promise<PkiIssuerSummary[]> {
  try {
    const result = await client.GET('/{pki_mount_path}/issuers/', {
      params: { path: { pki_mount_path: normalizePath('mount', mount) }, query: { list: 'true' } },
    });
    const data = result.data ?? {};
    return (data.keys ?? [])
      .map((id) => {
        const info = data.key_info?.[id] ?? {};
        return {
          issuer_id: id,
          issuer_name: String(info['issuer_name'] ?? ''),
          is_default: info['is_default'] === true,
          key_id: typeof info['key_id'] === 'string' ? info['key_id'] : undefined,
          serial_number:
            typeof info['serial_number'] === 'string' ? info['serial_number'] : undefined,
        };
      })
      .sort(
        (a, b) =>
          a.issuer_name.localeCompare(b.issuer_name) || a.issuer_id.localeCompare(b.issuer_id),
      );
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Role names of a mount, sorted; `[]` when it has none (`LIST /v1/<mount>/roles`). */
export async function pkiListRoles(client: VaultClient, mount: string): Promise<string[]> {
  try {
    const result = await client.GET('/{pki_mount_path}/roles/', {
      params: { path: { pki_mount_path: normalizePath('mount', mount) }, query: { list: 'true' } },
    });
    const keys: readonly unknown[] | undefined = result.data?.keys;
    return Array.isArray(keys) ? keys.map(String).sort() : [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Create or replace a role: `POST /v1/<mount>/roles/<name>`. @throws VaultResponseError. */
export async function pkiWriteRole(
  client: VaultClient,
  mount: string,
  name: string,
  role: PkiRoleRequest,
): Promise<Record<string, unknown>> {
  const result = await client.POST('/{pki_mount_path}/roles/{name}', {
    params: { path: { pki_mount_path: normalizePath('mount', mount), name } },
    body: role,
  });
  return (result.data ?? {}) as Record<string, unknown>;
}

/**
 * PEM text of the mount's default CA certificate (`GET /v1/<mount>/ca/pem`), its CA chain
 * (`GET /v1/<mount>/ca_chain`) or one issuer (`GET /v1/<mount>/issuer/<ref>/pem`); `""` when the
 * mount has no CA yet (Vault answers 204).
 */
export async function pkiReadPem(
  client: VaultClient,
  mount: string,
  which: { ca: true } | { chain: true } | { issuer: string },
): Promise<string> {
  const pki_mount_path = normalizePath('mount', mount);
  const result =
    'issuer' in which
      ? await client.GET('/{pki_mount_path}/issuer/{issuer_ref}/pem', {
          params: { path: { pki_mount_path, issuer_ref: which.issuer } },
          parseAs: 'text',
        })
      : 'chain' in which
        ? await client.GET('/{pki_mount_path}/ca_chain', {
            params: { path: { pki_mount_path } },
            parseAs: 'text',
          })
        : await client.GET('/{pki_mount_path}/ca/pem', {
            params: { path: { pki_mount_path } },
            parseAs: 'text',
          });
  return typeof result.data === 'string' ? result.data : '';
}
