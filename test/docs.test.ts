import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../scripts/docs.js';
import { repoRoot } from '../scripts/lib/openbao.js';

describe('README', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('starts with exactly the two commands', () => {
    const firstBlock = readme.split('```')[1] ?? '';
    expect(
      firstBlock
        .trim()
        .split('\n')
        .map((l) => l.split('#')[0]?.trim()),
    ).toEqual(['sh', 'make demo', 'make test']);
  });

  it('has the tool and configuration tables of this build (make docs)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });
});
