import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILES, generate } from '../../codegen/main.js';
import { repoRoot } from '../../scripts/lib/openbao.js';

const committedManifest = JSON.parse(
  readFileSync(join(repoRoot, 'generated', 'manifest.json'), 'utf8'),
);

describe('make generate', () => {
  it('reproduces the committed generated/ byte for byte from spec/openapi.json', async () => {
    const result = await generate(
      join(repoRoot, 'spec', 'openapi.json'),
      committedManifest,
      'generated/manifest.json',
    );
    for (const name of GENERATED_FILES) {
      expect(result.files[name], `generated/${name} is stale: run make generate`).toBe(
        readFileSync(join(repoRoot, 'generated', name), 'utf8'),
      );
    }
    expect(result.report).toContain(
      'compared with generated/manifest.json: no operations added, removed or changed',
    );
    const sha = readFileSync(join(repoRoot, 'spec', 'SOURCE.md'), 'utf8').match(
      /sha256 of openapi.json \| `([0-9a-f]{64})`/,
    )?.[1];
    expect(result.files['operations.ts']).toContain(`// Spec sha256: ${sha}`);
  });

  it("generates from HashiCorp's Vault 2.1 Enterprise document, and the output type-checks", async () => {
    const out = join(repoRoot, '.tmp', `hashicorp-${process.pid}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    try {
      execFileSync(
        join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [
          join(repoRoot, 'codegen', 'main.ts'),
          '--spec',
          join(repoRoot, '..', 'shared', 'vault-openapi', 'vault-2.1.0.json'),
          '--out',
          out,
        ],
        { cwd: repoRoot, stdio: 'pipe' },
      );
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
        spec: { product: string; sha256: string };
        operations: Array<{ tool: string; toolset: string }>;
      };
      expect(manifest.spec).toEqual({
        file: '../shared/vault-openapi/vault-2.1.0.json',
        product: 'HashiCorp Vault 2.1.0',
        sha256: '88cecf828db6787963f4b9e11b751dcbdc22b7193cac603e0f24505bb19f22c9',
      });
      const counts: Record<string, number> = {};
      for (const op of manifest.operations) counts[op.toolset] = (counts[op.toolset] ?? 0) + 1;
      expect(counts).toEqual({ auth: 2, kv: 19, mounts: 8, pki: 91 });
      // The names that matter to users are the same for both products.
      const names = new Set(manifest.operations.map((op) => op.tool));
      for (const name of [
        'kv_v2_read',
        'kv_v1_list',
        'mounts_enable',
        'pki_issue_with_role',
        'pki_sign_with_role',
        'token_lookup_self',
      ]) {
        expect(names.has(name), name).toBe(true);
      }
      writeFileSync(
        join(out, 'tsconfig.json'),
        JSON.stringify({ extends: '../../tsconfig.json', include: ['.'] }),
      );
      execFileSync(
        join(repoRoot, 'node_modules', '.bin', 'tsc'),
        ['-p', join(out, 'tsconfig.json')],
        { cwd: repoRoot, stdio: 'pipe' },
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
