/**
 * `make spec`: the document from a throw-away dev server of any Vault-compatible binary
 * (VAULT_BIN), or from a running server only when it has nothing but a dev server's mounts; with
 * provenance naming the product the server reports.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baoBinary,
  repoRoot,
  serverProduct,
  startDevServer,
  vaultRequest,
  type DevServer,
  type ServerProduct,
} from '../../scripts/lib/openbao.js';

const run = promisify(execFile);
const outs: string[] = [];
let server: DevServer;
let product: ServerProduct;
beforeAll(async () => {
  server = await startDevServer();
  product = await serverProduct(server.address);
}, 120_000);
afterAll(async () => {
  await server.stop();
  for (const out of outs) rmSync(out, { recursive: true, force: true });
});

/** Run scripts/spec.ts with `env`; its exit code, stderr and output folder. */
async function spec(
  env: Record<string, string>,
): Promise<{ code: number; stderr: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'vault-mcp-spec-'));
  outs.push(out);
  try {
    const { stderr } = await run(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [join(repoRoot, 'scripts', 'spec.ts')],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '/tmp',
          SPEC_OUT: out,
          ...env,
        },
      },
    );
    return { code: 0, stderr, out };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '', out };
  }
}

function readSpec(out: string): {
  doc: { info: { title: string }; paths: object };
  text: string;
  source: string;
} {
  const text = readFileSync(join(out, 'openapi.json'), 'utf8');
  return {
    doc: JSON.parse(text) as { info: { title: string }; paths: object },
    text,
    source: readFileSync(join(out, 'SOURCE.md'), 'utf8'),
  };
}

describe('make spec', () => {
  it('VAULT_BIN: a throw-away dev server of that binary, with only the dev mounts and the three it adds', async () => {
    const result = await spec({ VAULT_BIN: baoBinary() });
    expect(result.stderr).toMatch(/^spec: .* paths, sha256 [0-9a-f]{64}, \d+ ms\n$/);
    expect(result.code).toBe(0);
    const { doc, text, source } = readSpec(result.out);
    for (const path of [
      '/{kv_v1_mount_path}/{path}',
      '/{kv_v2_mount_path}/data/{path}',
      '/{pki_mount_path}/issue/{role}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
    const sha = createHash('sha256').update(text).digest('hex');
    // The product is what the server says it is (sys/seal-status, sys/health), not a constant.
    expect(source).toContain(`| Product | ${product.name} (${product.edition}) |`);
    expect(source).toContain(`| Version | ${product.version} (${product.build}) |`);
    expect(source).toContain(`| Title | ${doc.info.title} |`);
    expect(source).toContain(`| sha256 of openapi.json | \`${sha}\` |`);
    expect(source).toContain(
      `| Served by | a throw-away \`${basename(baoBinary())} server -dev\` started by \`make spec\` |`,
    );
    expect(source).toContain(
      '| Secrets mounts seen | cubbyhole/ (cubbyhole), identity/ (identity), kv-v1/ (kv v1), kv-v2/ (kv v2), pki/ (pki), sys/ (system) |',
    );
    expect(source).toContain('| Auth mounts seen | token/ (token) |');
  }, 300_000);

  it('refuses a running server whose extra mounts would leak into the document, unless asked to keep them', async () => {
    await vaultRequest(server, 'POST', 'sys/mounts/scratch-kv', { type: 'kv' });
    await vaultRequest(server, 'POST', 'sys/auth/scratch-approle', { type: 'approle' });
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.token };
    const refused = await spec(env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'make spec failed: the server at VAULT_ADDR has mounts a dev server does not have (auth/scratch-approle/, scratch-kv/): ' +
        'they would be in the document, so it would depend on this server. Run `make spec VAULT_BIN=/path/to/vault-or-bao` ' +
        '(a throw-away dev server), unmount them, or set SPEC_KEEP_MOUNTS=1 to keep them in the document.\n',
    );
    const kept = await spec({ ...env, SPEC_KEEP_MOUNTS: '1' });
    expect(kept.code).toBe(0);
    const { doc, source } = readSpec(kept.out);
    expect(source).toContain('| Served by | the server at VAULT_ADDR |');
    expect(source).toContain(
      '| Secrets mounts seen | cubbyhole/ (cubbyhole), identity/ (identity), kv-v1/ (kv v1), kv-v2/ (kv v2), pki/ (pki), scratch-kv/ (kv), secret/ (kv v2), sys/ (system) |',
    );
    expect(source).toContain('| Auth mounts seen | scratch-approle/ (approle), token/ (token) |');
    // What the refusal protects against: the extra mount's endpoints are in this document.
    expect(Object.keys(doc.paths).filter((p) => p.includes('approle')).length).toBeGreaterThan(0);
  }, 300_000);
});
