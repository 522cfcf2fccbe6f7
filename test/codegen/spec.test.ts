/** `VAULT_ADDR=... VAULT_TOKEN=... make spec`: the document from a running server, with provenance. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/openbao.js';
import { devServer } from '../support/vault.js';

describe('make spec against a running server', () => {
  it('writes a key-sorted document with generic mount paths and a SOURCE.md with its sha256', () => {
    const out = mkdtempSync(join(tmpdir(), 'vault-mcp-spec-'));
    try {
      const { address, token } = devServer();
      execFileSync(
        join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [join(repoRoot, 'scripts', 'spec.ts')],
        {
          env: { ...process.env, VAULT_ADDR: address, VAULT_TOKEN: token, SPEC_OUT: out },
          stdio: 'pipe',
        },
      );
      const text = readFileSync(join(out, 'openapi.json'), 'utf8');
      const doc = JSON.parse(text) as {
        info: { title: string; version: string };
        paths: Record<string, unknown>;
      };
      expect(doc.info.title).toBe('OpenBao API');
      for (const path of [
        '/{kv_v1_mount_path}/{path}',
        '/{kv_v2_mount_path}/data/{path}',
        '/{pki_mount_path}/issue/{role}',
      ]) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
      const sha = createHash('sha256').update(text).digest('hex');
      const source = readFileSync(join(out, 'SOURCE.md'), 'utf8');
      expect(source).toContain(`| Product | OpenBao (community) |`);
      expect(source).toContain(
        `| Version | ${doc.info.version} (server reported \`${doc.info.version}\`) |`,
      );
      expect(source).toContain(`| sha256 of openapi.json | \`${sha}\` |`);
      expect(source).toContain('| Served by | the server at VAULT_ADDR |');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
