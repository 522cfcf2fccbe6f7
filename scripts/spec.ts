/**
 * `make spec`: fetch Vault's OpenAPI document from a server with generic mount paths and write
 * `spec/openapi.json` (key-sorted, pretty-printed) and `spec/SOURCE.md`.
 *
 * Which server:
 * - `VAULT_BIN=/path/to/vault-or-bao`: a throw-away dev server of that binary;
 * - else `VAULT_ADDR` + `VAULT_TOKEN`: that running server. The document lists every mount the
 *   server has, so it must have only a dev server's mounts (plus the three below); otherwise
 *   this refuses, unless `SPEC_KEEP_MOUNTS=1` says to keep them;
 * - else a throw-away dev server of the project's OpenBao (`make setup`, or VAULT_MCP_BAO_BIN).
 * On a dev server it starts, it disables `secret/` and mounts KV v1 at `kv-v1/`, KV v2 at `kv-v2/`
 * and PKI at `pki/`, so the document names `{kv_v1_mount_path}`, `{kv_v2_mount_path}` and
 * `{pki_mount_path}`; on a running server it only adds those three when missing (it never
 * disables anything on a server it did not start). SOURCE.md names the product the server
 * reports (`sys/seal-status`, `sys/health`) and the mounts it saw.
 * SPEC_OUT=<dir> writes the two files there instead of spec/ (used by the tests).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  baoBinary,
  productLabel,
  repoRoot,
  serverProduct,
  startDevServer,
  vaultRequest,
  type DevServer,
  type ServerProduct,
} from './lib/openbao.js';
import { sha256, stableJson } from './lib/json.js';

interface Target {
  address: string;
  token: string;
  owned: DevServer | undefined;
  /** Name of the binary of a dev server this script started. */
  binary: string | undefined;
}

const MOUNTS: ReadonlyArray<{ path: string; type: string; options?: Record<string, string> }> = [
  { path: 'kv-v1', type: 'kv', options: { version: '1' } },
  { path: 'kv-v2', type: 'kv', options: { version: '2' } },
  { path: 'pki', type: 'pki' },
];

/** Mounts every dev server has (Vault's and OpenBao's), plus the three this script adds. */
const DEV_SECRET_MOUNTS = new Set(['cubbyhole/', 'identity/', 'sys/', 'secret/']);
const DEV_AUTH_MOUNTS = new Set(['token/']);

/** Refused: the running server's extra mounts would leak into the document. */
class ExtraMounts extends Error {}

async function target(): Promise<Target> {
  const binary = process.env['VAULT_BIN'];
  if (binary) {
    const server = await startDevServer({ binary });
    return { address: server.address, token: server.token, owned: server, binary };
  }
  const address = process.env['VAULT_ADDR'];
  const token = process.env['VAULT_TOKEN'];
  if (address && token)
    return { address: address.replace(/\/+$/, ''), token, owned: undefined, binary: undefined };
  const server = await startDevServer();
  return { address: server.address, token: server.token, owned: server, binary: baoBinary() };
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

/** `path (type[ vN])` for each mount of a `sys/mounts` or `sys/auth` answer, sorted. */
type MountTable = Record<string, { type?: string; options?: { version?: string } | null }>;
function mountList(table: MountTable): string[] {
  return Object.entries(table)
    .filter(([, m]) => m && typeof m === 'object' && typeof m.type === 'string')
    .map(([path, m]) => `${path} (${m.type}${m.options?.version ? ` v${m.options.version}` : ''})`)
    .sort();
}

/** The secrets and auth mounts of the server (root token: `GET sys/mounts`, `GET sys/auth`). */
async function mountTables(t: Target): Promise<{ secrets: MountTable; auth: MountTable }> {
  const secrets = (await vaultRequest(t, 'GET', 'sys/mounts')) as { data: MountTable };
  const auth = (await vaultRequest(t, 'GET', 'sys/auth')) as { data: MountTable };
  return { secrets: secrets.data, auth: auth.data };
}

/** @throws ExtraMounts naming the mounts a running server has beyond a dev server's. */
function refuseExtraMounts(tables: { secrets: MountTable; auth: MountTable }): void {
  const ours = new Set(MOUNTS.map((m) => `${m.path}/`));
  const extra = [
    ...Object.keys(tables.secrets).filter((p) => !DEV_SECRET_MOUNTS.has(p) && !ours.has(p)),
    ...Object.keys(tables.auth)
      .filter((p) => !DEV_AUTH_MOUNTS.has(p))
      .map((p) => `auth/${p}`),
  ].sort();
  if (extra.length && process.env['SPEC_KEEP_MOUNTS'] !== '1') {
    throw new ExtraMounts(
      `the server at VAULT_ADDR has mounts a dev server does not have (${extra.join(', ')}): ` +
        'they would be in the document, so it would depend on this server. Run `make spec VAULT_BIN=/path/to/vault-or-bao` ' +
        '(a throw-away dev server), unmount them, or set SPEC_KEEP_MOUNTS=1 to keep them in the document.',
    );
  }
}

function sourceMarkdown(input: {
  t: Target;
  product: ServerProduct;
  title: string;
  digest: string;
  bytes: number;
  mounts: { secrets: MountTable; auth: MountTable };
}): string {
  const { t, product, title, digest, bytes, mounts } = input;
  const cli = t.binary ? basename(t.binary) : undefined;
  return [
    '# spec/openapi.json',
    '',
    '| Field | Value |',
    '|---|---|',
    `| Product | ${product.name} (${product.edition}) |`,
    `| Version | ${product.version}${product.build ? ` (${product.build})` : ''} |`,
    `| Title | ${title} |`,
    `| sha256 of openapi.json | \`${digest}\` |`,
    `| Size | ${bytes} bytes |`,
    `| Served by | ${cli ? `a throw-away \`${cli} server -dev\` started by \`make spec\`` : 'the server at VAULT_ADDR'} |`,
    `| Secrets mounts seen | ${mountList(mounts.secrets).join(', ')} |`,
    `| Auth mounts seen | ${mountList(mounts.auth).join(', ')} |`,
    '',
    '## How it was produced',
    '',
    '`make spec` (scripts/spec.ts):',
    '',
    cli
      ? `1. started \`${cli} server -dev\` on a free loopback port; it reported ${productLabel(product)};`
      : "1. used the running server named by VAULT_ADDR/VAULT_TOKEN (it had no mounts beyond a dev server's, or SPEC_KEEP_MOUNTS=1);",
    t.owned ? '2. disabled `secret/`;' : '2. left existing mounts alone;',
    '3. ensured KV v1 at `kv-v1/`, KV v2 at `kv-v2/` and PKI at `pki/` (so the document names',
    '   `{kv_v1_mount_path}`, `{kv_v2_mount_path}` and `{pki_mount_path}`);',
    '4. `POST /v1/sys/internal/specs/openapi` with `{"generic_mount_paths": true}`;',
    '5. wrote the document with object keys and parameter lists sorted, 2-space indentation.',
    '',
    ...(product.name === 'OpenBao'
      ? [
          'Known instability of the server (not of this script): OpenBao 2.7.2 names the operations on',
          '`GET /sys/workflows/manage` and `GET /sys/namespaces` either `...-list-...` or `...-scan-...`',
          '(e.g. `namespaces-list-namespaces` or `namespaces-scan-namespaces`) from run to run. Those',
          'paths are outside the allowlist, so `generated/` does not change with them.',
          '',
        ]
      : []),
    'Regenerate the code from it with `make generate`.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const t = await target();
  try {
    const before = await mountTables(t);
    if (!t.owned) refuseExtraMounts(before);
    if (t.owned) await vaultRequest(t, 'DELETE', 'sys/mounts/secret');
    for (const mount of MOUNTS) {
      if (`${mount.path}/` in before.secrets) continue;
      await vaultRequest(t, 'POST', `sys/mounts/${mount.path}`, {
        type: mount.type,
        options: mount.options,
      });
    }
    const mounts = await mountTables(t);
    const product = await serverProduct(t.address);
    const document = (await vaultRequest(t, 'POST', 'sys/internal/specs/openapi', {
      generic_mount_paths: true,
    })) as { info?: { title?: string; version?: string } };
    const text = stableJson(sortParameters(document));
    const digest = sha256(text);
    const title = document.info?.title ?? 'unknown';
    const outDir = resolve(process.env['SPEC_OUT'] ?? join(repoRoot, 'spec'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'openapi.json'), text);
    writeFileSync(
      join(outDir, 'SOURCE.md'),
      sourceMarkdown({ t, product, title, digest, bytes: Buffer.byteLength(text), mounts }),
    );
    const paths = Object.keys((document as { paths?: object }).paths ?? {}).length;
    process.stderr.write(
      `spec: ${productLabel(product)}, ${paths} paths, sha256 ${digest}, ${Date.now() - started} ms\n`,
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
