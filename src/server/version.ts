/** The package version, read once from the nearest package.json above this module. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@vault-mcp/server' && pkg.version) return (cached = pkg.version);
    } catch {
      // Not here: look one folder up.
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
