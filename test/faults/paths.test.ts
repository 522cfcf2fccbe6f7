/**
 * Property-based: whatever a model puts in a path, name or mount field, a call either works on
 * the intended path or fails with a clear error, and no request ever reaches Vault outside the
 * mount it named. Every request is recorded as Vault receives it (the URL after parsing, where
 * `..` and `%2e%2e` would have been resolved). Own dev server: the write tools create junk.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, vaultRequest, type DevServer } from '../../scripts/lib/openbao.js';
import { normalizePath } from '../../src/client/paths.js';
import { connect, textOf, type McpHarness } from '../support/mcp.js';

let vault: DevServer;
let mcp: McpHarness;
let api: McpHarness;
const requests: string[] = [];

beforeAll(async () => {
  vault = await startDevServer();
  await vaultRequest(vault, 'POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
  await vaultRequest(vault, 'POST', 'sys/mounts/pki', { type: 'pki' });
  await vaultRequest(vault, 'POST', 'pki/root/generate/internal', {
    common_name: 'Property Root',
    ttl: '24h',
  });
  const recording = async (request: Request): Promise<Response> => {
    requests.push(decodeURIComponent(new URL(request.url).pathname.replace(/^\/v1\//, '')));
    return fetch(request);
  };
  mcp = await connect(
    { VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token, VAULT_MAX_RETRIES: '0' },
    { fetch: recording },
  );
  await mcp.ready;
  api = await connect(
    {
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.token,
      VAULT_MAX_RETRIES: '0',
      VAULT_MCP_TOOLSETS: 'api',
    },
    { fetch: recording },
  );
  await api.ready;
});
afterAll(async () => {
  await api.close();
  await mcp.close();
  await vault.stop();
});

/** Hostile path material: traversal in every spelling, empty segments, control characters, long and unicode strings. */
const hostile = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2E%2e',
        '.%2e',
        '%2e',
        '',
        'a',
        'b c',
        'ключ',
        '日本',
        '\u0000',
        '\n',
        '\t',
        '%2f',
        '?x=1',
        '#frag',
        '\\..',
        '..\\',
        'sys',
        'x'.repeat(300),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('/')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 2000, maxLength: 5000 }),
);

function within(allowed: (path: string) => boolean, call: () => Promise<unknown>): Promise<void> {
  return (async () => {
    requests.length = 0;
    await call();
    const outside = requests.filter((p) => !allowed(p));
    expect(outside, `requests outside the mount: ${JSON.stringify(outside)}`).toEqual([]);
  })();
}

async function outcome(name: string, args: Record<string, unknown>): Promise<void> {
  return outcomeOn(mcp, name, args);
}

/** Calls whose arguments do not match the schema prove nothing: they must pass validation. */
async function outcomeOn(
  on: McpHarness,
  name: string,
  args: Record<string, unknown>,
): Promise<void> {
  const result = await on.call(name, args);
  if (result.isError) {
    expect(textOf(result)).not.toMatch(/^internal error/);
    expect(textOf(result)).not.toMatch(/Unrecognized key|expected .*, received/);
  }
}

/** Mount names: hostile text, Vault's own mounts, paths inside mounts and the real mounts. */
const mountNames = fc.oneof(
  hostile,
  fc.constantFrom(
    'sys',
    'sys/policies/acl',
    'auth/token',
    'identity',
    'cubbyhole',
    '/',
    '',
    'secret/data',
    'secret/metadata',
    'kv1/x',
    'pki/roles',
    'pki/issuer/default',
    'secret',
    'kv1',
    'pki',
  ),
);

/**
 * Only `sys/internal/ui/mounts/<the normalized name>` (the lookup that resolves it), or paths
 * under it when the name is one of `mounts`: a name inside a mount (`secret/data`) or of another
 * engine is refused before any other request.
 */
function onlyMount(mount: string, mounts: readonly string[]): (path: string) => boolean {
  let clean: string | undefined;
  try {
    clean = normalizePath('mount', mount);
  } catch {
    clean = undefined; // refused before any request
  }
  return (p) =>
    clean !== undefined &&
    clean !== '' &&
    (p === `sys/internal/ui/mounts/${clean}` ||
      (mounts.includes(clean) && p.startsWith(`${clean}/`)));
}

const KV_CALLS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['read_secret', { path: 'x' }],
  ['list_secrets', {}],
  ['write_secret', { path: 'x', key: 'k', value: 'v' }],
  ['patch_secret', { path: 'x', data: { a: 1 } }],
  ['delete_secret', { path: 'x' }],
  ['read_secret_metadata', { path: 'x' }],
];

const PKI_CALLS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['read_pki_role', { role_name: 'r' }],
  ['list_pki_roles', {}],
  ['create_pki_role', { role_name: 'r', allowed_domains: ['a.test'] }],
  ['delete_pki_role', { role_name: 'r' }],
  ['list_pki_issuers', {}],
  ['read_pki_certificate', { serial_number: '01' }],
  ['list_pki_certificates', {}],
  ['configure_pki_urls', {}],
];

/** Raw tools, the one mount of their engine in this server, and their arguments. */
const API_CALLS: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
  ['kv_v1_write', 'kv1', { path: 'policies/acl/x', data: { policy: 'path "*" {}' } }],
  ['kv_v1_read', 'kv1', { path: 'policies/acl/x' }],
  ['kv_v1_delete', 'kv1', { path: 'policies/acl/x' }],
  ['kv_v2_read', 'secret', { path: 'x' }],
  ['pki_read_role', 'pki', { name: 'r' }],
  ['pki_delete_role', 'pki', { name: 'r' }],
];

const inKv = (mount: string) => (p: string) =>
  p === `sys/internal/ui/mounts/${mount}` || p.startsWith(`${mount}/`);

describe('no path leaves its mount', () => {
  for (const [tool, extra] of [
    ['read_secret', {}],
    ['list_secrets', {}],
    ['write_secret', { key: 'k', value: 'v' }],
    ['delete_secret', {}],
    ['patch_secret', { data: { a: 1 } }],
    ['read_secret_metadata', {}],
    ['write_secret_metadata', { max_versions: 3 }],
    ['delete_secret_versions', { versions: [1] }],
    ['destroy_secret_versions', { versions: [1] }],
    ['delete_secret_metadata', {}],
    ['audit_secrets', { max_secrets: 5 }],
  ] as const) {
    it(`${tool}: any path stays under the KV v2 mount`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile, (path) =>
          within(inKv('secret'), () => outcome(tool, { mount: 'secret', path, ...extra })),
        ),
        { numRuns: 40 },
      );
    });
  }

  it('KV v1: any path stays under the mount', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom('read_secret', 'write_secret', 'list_secrets', 'delete_secret'),
        (path, tool) =>
          within(inKv('kv1'), () =>
            outcome(tool, {
              mount: 'kv1',
              path,
              ...(tool === 'write_secret' ? { data: { a: '1' } } : {}),
            }),
          ),
      ),
      { numRuns: 80 },
    );
  });

  it('any mount name only reaches its own lookup, or that mount when it is a KV mount', async () => {
    await fc.assert(
      fc.asyncProperty(mountNames, fc.constantFrom(...KV_CALLS), (mount, [tool, args]) =>
        within(onlyMount(mount, ['secret', 'kv1']), () => outcome(tool, { mount, ...args })),
      ),
      { numRuns: 150 },
    );
  });

  it('any mount name on a PKI tool only reaches its own lookup, or that mount when it is PKI', async () => {
    await fc.assert(
      fc.asyncProperty(mountNames, fc.constantFrom(...PKI_CALLS), (mount, [tool, args]) =>
        within(onlyMount(mount, ['pki']), () => outcome(tool, { mount, ...args })),
      ),
      { numRuns: 150 },
    );
  });

  it('any mount name on a raw api tool only reaches that mount when it is of the right engine', async () => {
    await fc.assert(
      fc.asyncProperty(mountNames, fc.constantFrom(...API_CALLS), (mount, [tool, own, args]) =>
        within(onlyMount(mount, [own]), () => outcomeOn(api, tool, { mount, ...args })),
      ),
      { numRuns: 150 },
    );
    const policies = (await vaultRequest(vault, 'GET', 'sys/policies/acl?list=true')) as {
      data: { keys: string[] };
    };
    expect(policies.data.keys).toEqual(['default', 'root']);
  });

  it('PKI names (role, issuer, serial) stay under the PKI mount', async () => {
    const underPki = (p: string) => p === 'sys/internal/ui/mounts/pki' || p.startsWith('pki/');
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom<readonly [string, string, Record<string, unknown>]>(
          ['read_pki_role', 'role_name', {}],
          ['delete_pki_role', 'role_name', {}],
          ['issue_pki_certificate', 'role_name', { common_name: 'x.test' }],
          ['read_pki_issuer', 'issuer_name', {}],
          ['read_pki_certificate', 'serial_number', {}],
          ['set_pki_default_issuer', 'issuer_ref', {}],
        ),
        (name, [tool, field, extra]) =>
          within(underPki, () => outcome(tool, { mount: 'pki', [field]: name, ...extra })),
      ),
      { numRuns: 80 },
    );
  });

  it('mount tools only touch sys/mounts/<that path>', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom('read_mount', 'tune_mount', 'delete_mount'),
        (path, tool) =>
          within(
            (p) => p.startsWith('sys/internal/ui/mounts/') || p.startsWith('sys/mounts/'),
            () => outcome(tool, { path, ...(tool === 'tune_mount' ? { description: 'd' } : {}) }),
          ),
      ),
      { numRuns: 60 },
    );
    // And Vault's own mounts are still there.
    const mounts = (await vaultRequest(vault, 'GET', 'sys/mounts')) as {
      data: Record<string, unknown>;
    };
    expect(Object.keys(mounts.data)).toEqual(
      expect.arrayContaining(['sys/', 'identity/', 'cubbyhole/', 'secret/', 'kv1/', 'pki/']),
    );
  });
});
