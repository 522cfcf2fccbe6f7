import { readFileSync } from 'node:fs';
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
    // A whole generation: 22 s with two busy loops beside the suite, so far more than the default.
  }, 300_000);
});
