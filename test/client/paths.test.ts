import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VaultInputError } from '../../src/client/errors.js';
import {
  cachedTemplates,
  MAX_CACHED_TEMPLATES,
  collapseSlashes,
  encodePath,
  fillPathTemplate,
  normalizePath,
  pathSegments,
} from '../../src/client/paths.js';

/** The outcome of `f`: its value, or the message it threw. */
function outcome(f: () => string): string {
  try {
    return `ok ${f()}`;
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
}

/** Paths of the characters the fast paths decide on, and a few they must hand on. */
const paths = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '_', '-', '/', '/', '.', '%', '2', 'e', ' ', 'é', '\u0001'),
  maxLength: 12,
});

describe('path fast paths agree with the segment-by-segment rules', () => {
  it('normalizePath and encodePath', () => {
    fc.assert(
      fc.property(paths, (value) => {
        expect(outcome(() => normalizePath('path', value))).toBe(
          outcome(() => pathSegments('path', value).join('/')),
        );
        expect(outcome(() => encodePath('path', value))).toBe(
          outcome(() => pathSegments('path', value).map(encodeURIComponent).join('/')),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('fillPathTemplate and collapseSlashes', () => {
    const reference = (template: string, params: Record<string, unknown>): string =>
      template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
        const value = params[name];
        const encoded =
          value === undefined || value === null ? '' : encodePath(name, String(value));
        if (!encoded && name.endsWith('_mount_path'))
          throw new VaultInputError(name, "is empty; give the engine's mount path, e.g. 'secret'");
        return encoded;
      });
    const template = 'http://127.0.0.1:8200/v1/{kv_v2_mount_path}/data/{path}';
    fc.assert(
      fc.property(paths, paths, (mount, path) => {
        const params = { kv_v2_mount_path: mount, path };
        expect(outcome(() => collapseSlashes(fillPathTemplate(template, params)))).toBe(
          outcome(() => {
            const url = reference(template, params);
            return url.slice(0, 7) + url.slice(7).replace(/\/{2,}/g, '/');
          }),
        );
      }),
      { numRuns: 3000 },
    );
    expect(fillPathTemplate('/{a}/x/{b}', { a: 'm', b: 'p q' })).toBe('/m/x/p%20q');
    expect(outcome(() => fillPathTemplate('/{pki_mount_path}/x', {}))).toBe(
      "threw invalid pki_mount_path: is empty; give the engine's mount path, e.g. 'secret'",
    );
  });
});

describe('fillPathTemplate', () => {
  it('keeps at most MAX_CACHED_TEMPLATES templates split, however many distinct ones it fills', () => {
    for (let i = 0; i < MAX_CACHED_TEMPLATES + 500; i++)
      expect(fillPathTemplate(`/secret/data/app-${i}/{path}`, { path: 'db' })).toBe(
        `/secret/data/app-${i}/db`,
      );
    expect(cachedTemplates()).toBe(MAX_CACHED_TEMPLATES);
  });
});
