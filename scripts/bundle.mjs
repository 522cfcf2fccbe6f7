// The `vault-mcp` binary as one ESM bundle (esbuild): measured cold start 385 ms -> 260 ms and
// start-up RSS 97 MB -> 84 MB against the per-file tsc output, because Node resolves and loads a few
// files instead of hundreds. The HTTP transport and the raw tools' schemas stay separate chunks,
// loaded only when used. The library entry (dist/src/index.js) is the plain tsc output.
//
// The JSON Schemas tools/list serves for the hand-written tools are computed here, from the tsc
// output of the same source (so run after tsc, as `make build` does), and built into the binary:
// converting them from zod at start-up took ~100 ms before the first tools/list answer
// (src/server/listed-schema.ts).
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const { TOOLS } = await import('../dist/src/tools/index.js');
const { listedSchemas } = await import('../dist/src/server/listed-schema.js');
const listed = Object.fromEntries(TOOLS.map((tool) => [tool.name, listedSchemas(tool)]));

// `node scripts/bundle.mjs --no-minify [--outdir DIR]`: readable function names for `node --cpu-prof`.
const argv = process.argv.slice(2);
const outdirAt = argv.indexOf('--outdir');
const outdir = outdirAt >= 0 ? argv[outdirAt + 1] : 'dist/bin';
// The directory is emptied first, so it must be one that holds only a bundle: never the checkout,
// the tsc output this step reads (dist/src), a folder holding either, or one with a package.json.
const target = outdir === undefined ? undefined : resolve(outdir);
const holds = (dir) => !relative(target ?? '', resolve(dir)).startsWith('..');
if (
  target === undefined ||
  holds('.') ||
  holds('dist/src') ||
  existsSync(join(target, 'package.json'))
) {
  process.stderr.write(
    `bundle: --outdir must name a directory for the bundle alone (it is emptied first), not ${outdir ?? 'nothing'}\n`,
  );
  process.exit(2);
}

// Chunk names carry content hashes: without this, every build would leave the last one's behind.
rmSync(target, { recursive: true, force: true });

await build({
  entryPoints: { 'vault-mcp': 'src/cli.ts' },
  bundle: true,
  splitting: true,
  minify: !argv.includes('--no-minify'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: target,
  outExtension: { '.js': '.mjs' },
  define: { __VAULT_MCP_LISTED_SCHEMAS__: JSON.stringify(JSON.stringify(listed)) },
  banner: {
    js: [
      // No V8 flags here: `node dist/bin/vault-mcp.mjs` would not see them. The server modes set
      // their heap flags at run time (src/heap.ts), however the binary is launched.
      '#!/usr/bin/env node',
      // CommonJS dependencies inside an ESM bundle need a real `require`.
      "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    ].join('\n'),
  },
  logLevel: 'warning',
});
