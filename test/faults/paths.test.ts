/**
 * Property-based: whatever a model puts in a path, name or mount field, a call either works on
 * the intended path or fails with a clear error, and no request ever reaches Vault outside the
 * mount it named. Every request is recorded as Vault receives it (the URL after parsing, where
 * `..` and `%2e%2e` would have been resolved). Own dev server: the write tools create junk.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, vaultRequest, type DevServer } from '../../scripts/lib/openbao.js';
import { connect, textOf, type McpHarness } from '../support/mcp.js';

let vault: DevServer;
let mcp: McpHarness;
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
});
afterAll(async () => {
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
  const result = await mcp.call(name, args);
  if (result.isError) expect(textOf(result)).not.toMatch(/^internal error/);
}

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

  it('any mount name only reaches sys/internal/ui/mounts/<that name> or that mount', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, (mount) =>
        within(
          (p) =>
            p.startsWith('sys/internal/ui/mounts/') ||
            (p.length > 0 && !p.startsWith('sys/') && !p.startsWith('auth/')),
          () => outcome('read_secret', { mount, path: 'x' }),
        ),
      ),
      { numRuns: 80 },
    );
  });

  it('PKI names (role, issuer, serial) stay under the PKI mount', async () => {
    const underPki = (p: string) => p.startsWith('pki/');
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom(
          'read_pki_role',
          'delete_pki_role',
          'issue_pki_certificate',
          'read_pki_issuer',
          'read_pki_certificate',
          'set_pki_default_issuer',
        ),
        (name, tool) =>
          within(underPki, () =>
            outcome(tool, {
              mount: 'pki',
              role_name: name,
              issuer_name: name,
              issuer_ref: name,
              serial_number: name,
              ...(tool === 'issue_pki_certificate' ? { common_name: 'x.test' } : {}),
            }),
          ),
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
