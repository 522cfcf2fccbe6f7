/**
 * The retry after a re-login (AppRole) runs a call again only when nothing it sent may have
 * changed Vault. The token is revoked between two steps of one call by a hook in the client's
 * fetch (real OpenBao, real 403s): a multi-step write that had changed Vault is not run again and
 * says what it did; a call whose only write was refused is run again and succeeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenManager } from '../../src/auth/token-manager.js';
import type { TokenState } from '../../src/server/tool-calls.js';
import { connect, type McpHarness } from '../support/mcp.js';
import { adminRequest, appRoleCredentials, mountEngine, unique } from '../support/vault.js';

let root = '';
let policy = '';
beforeAll(async () => {
  root = await mountEngine('retry-root', 'pki');
  await adminRequest('POST', `${root}/root/generate/internal`, {
    common_name: 'Retry Root CA',
    issuer_name: 'root-ca',
    ttl: '87600h',
  });
  policy = unique('retry-policy');
  await adminRequest('POST', `sys/policies/acl/${policy}`, {
    policy: `path "*" { capabilities = ["create", "read", "update", "delete", "list", "patch"] }`,
  });
});

/**
 * A fetch that forwards every request and records it (`METHOD path` after /v1/), and before the
 * first one `revokeAt` picks, revokes the token that request carries (as Vault would once it
 * expired): that request and every later one with the token get Vault's 403.
 */
function revokingFetch(revokeAt: (method: string, path: string) => boolean): {
  fetch: (request: Request) => Promise<Response>;
  seen: string[];
  revoked: () => boolean;
} {
  const seen: string[] = [];
  let revoked = false;
  return {
    seen,
    revoked: () => revoked,
    fetch: async (request) => {
      const path = new URL(request.url).pathname.replace(/^\/v1\//, '');
      seen.push(`${request.method} ${path}`);
      if (!revoked && revokeAt(request.method, path)) {
        revoked = true;
        await adminRequest('POST', 'auth/token/revoke', {
          token: request.headers.get('x-vault-token'),
        });
      }
      return fetch(request);
    },
  };
}

/** A server logging in with AppRole (role `mcp`, the test policy) through `fetch`. */
async function connectWithAppRole(
  fetch: (request: Request) => Promise<Response>,
  tokens?: (manager: TokenManager) => TokenState,
): Promise<McpHarness> {
  const approle = unique('approle');
  await adminRequest('POST', `sys/auth/${approle}`, { type: 'approle' });
  await adminRequest('POST', `auth/${approle}/role/mcp`, { token_policies: [policy] });
  const { roleId, secretId } = await appRoleCredentials(approle);
  const mcp = await connect(
    {
      VAULT_TOKEN: '',
      VAULT_ROLE_ID: roleId,
      VAULT_SECRET_ID: secretId,
      VAULT_APPROLE_MOUNT: approle,
    },
    { fetch, ...(tokens ? { tokens } : {}) },
  );
  await mcp.ready;
  return mcp;
}

/** The key ids on PKI mount `mount` (admin LIST). */
async function keysOn(mount: string): Promise<string[]> {
  const listed = (await adminRequest('LIST', `${mount}/keys`).catch(() => ({
    data: { keys: [] },
  }))) as { data: { keys: string[] } };
  return listed.data.keys;
}

/** An intermediate on `mount` signed by the root, the token revoked just before the signing. */
function intermediateOn(mount: string): Record<string, unknown> {
  return {
    mount,
    common_name: 'Retry Intermediate CA',
    issuer_name: 'int-ca',
    root_mount: root,
    root_issuer: 'root-ca',
  };
}
const atSigning = (method: string, path: string): boolean =>
  method === 'POST' && path === `${root}/issuer/root-ca/sign-intermediate`;

/** What create_pki_issuer answers when the token is revoked before the signing of `mount`'s CSR. */
function notRunAgain(mount: string, key: string): string {
  const denied = (method: string, path: string, capability: string): string =>
    `Vault denied ${method} /v1/${path} (403: permission denied). This call needs \`${capability}\` on \`${path}\`; ask the Vault operator to add it to the token's policy, or use a token that has it.`;
  return [
    denied('POST', `${root}/issuer/root-ca/sign-intermediate`, 'update'),
    `Also: the generated key ${key} on ${mount} could not be removed (${denied('DELETE', `${mount}/key/${key}`, 'delete')}).`,
    'Note: Vault stopped accepting the token during this call (it expired or was revoked).',
    `vault-mcp has logged in again but did not run create_pki_issuer again: it had already sent a request that may have changed Vault (POST /v1/${mount}/intermediate/generate/internal).`,
    'Check what it left (list or read those paths) before calling create_pki_issuer again.',
  ].join(' ');
}

describe('a token revoked in the middle of a multi-step write', () => {
  it('create_pki_issuer is not run again after the re-login: the error says what it had done', async () => {
    const mount = await mountEngine('retry-int', 'pki');
    const hook = revokingFetch(atSigning);
    const mcp = await connectWithAppRole(hook.fetch);
    const text = await mcp.fails('create_pki_issuer', intermediateOn(mount));
    // One key was generated; its clean-up was refused with the revoked token, so it is named.
    const keys = await keysOn(mount);
    expect(keys).toHaveLength(1);
    expect(text).toBe(notRunAgain(mount, keys[0] as string));
    expect(hook.seen.filter((r) => r.includes('/intermediate/generate/'))).toHaveLength(1);
    // Logged in again, so the next call works.
    expect(mcp.logs.join('').match(/logged in to Vault/g)).toHaveLength(2);
    expect(await mcp.ok('list_pki_issuers', { mount })).toMatchObject({ issuers: [] });
    await mcp.close();
  }, 120_000);

  it('also when the token manager knew it had expired (before: a second key and issuer, reported as success)', async () => {
    const mount = await mountEngine('retry-int', 'pki');
    const hook = revokingFetch(atSigning);
    // The manager's view once the token's expiry time has passed: every failure is explained
    // by it. (The revoke stands in for the clock; the manager's own clock is not the test's.)
    let loggedInAgain = false;
    const mcp = await connectWithAppRole(hook.fetch, (manager) => ({
      expiredMessage: () =>
        hook.revoked() && !loggedInAgain ? 'the Vault token expired' : manager.expiredMessage(),
      canLogin: manager.canLogin,
      get selfLookupWorks() {
        return manager.selfLookupWorks;
      },
      relogin: async () => {
        await manager.relogin();
        loggedInAgain = true;
      },
    }));
    const text = await mcp.fails('create_pki_issuer', intermediateOn(mount));
    const keys = await keysOn(mount);
    expect(keys).toHaveLength(1);
    expect(text).toBe(notRunAgain(mount, keys[0] as string));
    expect(hook.seen.filter((r) => r.includes('/intermediate/generate/'))).toHaveLength(1);
    await mcp.close();
  }, 120_000);
});

describe('a token revoked before the only write of a call', () => {
  it('delete_secret with a key is run again after the re-login and succeeds (its write was refused)', async () => {
    const kv = await mountEngine('retry-kv', 'kv-v2');
    await adminRequest('POST', `${kv}/data/app`, { data: { a: '1', b: '2' } });
    const hook = revokingFetch((method, path) => method === 'POST' && path === `${kv}/data/app`);
    const mcp = await connectWithAppRole(hook.fetch);
    expect(await mcp.ok('delete_secret', { mount: kv, path: 'app', key: 'a' })).toMatchObject({
      version: 2,
    });
    expect(await adminRequest('GET', `${kv}/data/app`)).toMatchObject({
      data: { data: { b: '2' }, metadata: { version: 2 } },
    });
    expect(hook.seen.filter((r) => r === `POST ${kv}/data/app`)).toHaveLength(2);
    expect(mcp.logs.join('').match(/logged in to Vault/g)).toHaveLength(2);
    await mcp.close();
  }, 120_000);
});
