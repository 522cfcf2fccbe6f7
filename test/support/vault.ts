/** Helpers for tests that talk to the shared OpenBao dev server (see global-setup.ts). */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { vaultRequest } from '../../scripts/lib/openbao.js';
import { createVaultClient, type VaultClient } from '../../src/index.js';

/** Address and root token of the shared dev server. */
export function devServer(): { address: string; token: string } {
  return inject('vault');
}

/** A client with the root token. */
export function rootClient(
  options: { fetch?: (request: Request) => Promise<Response> } = {},
): VaultClient {
  const { address, token } = devServer();
  return createVaultClient({ address, token, ...options });
}

/** `prefix-<random hex>`: mount and secret names that no other test file uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Root-token request to the dev server (test set-up only). */
export function adminRequest(method: string, path: string, body?: unknown): Promise<unknown> {
  return vaultRequest(devServer(), method, path, body);
}

/** Mount a secrets engine for one test file: `kv` with version 1/2, or `pki`. Returns the mount path. */
export async function mountEngine(
  prefix: string,
  type: 'kv-v1' | 'kv-v2' | 'pki',
): Promise<string> {
  const path = unique(prefix);
  const body =
    type === 'pki'
      ? { type: 'pki', config: { max_lease_ttl: '87600h' } }
      : { type: 'kv', options: { version: type === 'kv-v2' ? '2' : '1' } };
  await adminRequest('POST', `sys/mounts/${path}`, body);
  if (type === 'kv-v2') await kvV2Ready(path);
  return path;
}

/**
 * Wait until a new KV v2 mount serves: right after the mount its backend upgrades itself and
 * answers every request 400 "Upgrading from non-versioned to versioned data" for a moment, which
 * on a busy machine outlasts the next request of a test. Generous: up to 60 s.
 */
async function kvV2Ready(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await adminRequest('GET', `${path}/config`);
      return;
    } catch (error) {
      if (!/Upgrading from non-versioned to versioned data/.test(String(error)) || attempt >= 600)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Write an ACL policy and create a token with it (default policy attached, 1 h TTL). */
export async function scopedToken(policy: string, name = unique('policy')): Promise<string> {
  await adminRequest('POST', `sys/policies/acl/${name}`, { policy });
  const created = (await adminRequest('POST', 'auth/token/create', {
    policies: [name],
    ttl: '1h',
  })) as {
    auth: { client_token: string };
  };
  return created.auth.client_token;
}

/** A fetch that counts the requests it forwards (method and path after /v1/). */
export function countingFetch(): {
  fetch: (request: Request) => Promise<Response>;
  requests: string[];
} {
  const requests: string[] = [];
  return {
    requests,
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname.replace(/^\/v1\//, '')}${url.search}`);
      return fetch(request);
    },
  };
}

/** The role id and a new secret id of role `mcp` on AppRole mount `approle`. */
export async function appRoleCredentials(
  approle: string,
): Promise<{ roleId: string; secretId: string }> {
  const roleId = (
    (await adminRequest('GET', `auth/${approle}/role/mcp/role-id`)) as {
      data: { role_id: string };
    }
  ).data.role_id;
  const secretId = (
    (await adminRequest('POST', `auth/${approle}/role/mcp/secret-id`, {})) as {
      data: { secret_id: string };
    }
  ).data.secret_id;
  return { roleId, secretId };
}
