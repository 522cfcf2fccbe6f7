/**
 * `make generate [SPEC=spec/openapi.json] [OUT=generated]`: normalize and filter Vault's OpenAPI
 * document, then emit into OUT (replacing its contents):
 *   vault-api.ts    openapi-typescript path types for openapi-fetch
 *   schemas.ts      zod input schemas (json-schema-to-zod)
 *   operations.ts   the operation table (ts-morph)
 *   manifest.json   one line per operation, for the next generation's report
 * and print a report (counts per toolset, changes against the last generation, time).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  emitManifest,
  emitOperations,
  emitSchemas,
  emitTypes,
  manifestOf,
  type Manifest,
} from './emit.js';
import { loadSpec } from './load.js';
import { normalize } from './normalize.js';
import { applyOverlay } from './overlay.js';
import { compare, renderReport, renderToolReport, type ToolOperations } from './report.js';
import { select } from './select.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Generated file names, in the order they are written. */
export const GENERATED_FILES = [
  'vault-api.ts',
  'schemas.ts',
  'operations.ts',
  'manifest.json',
] as const;

export interface GenerateResult {
  readonly files: Record<(typeof GENERATED_FILES)[number], string>;
  readonly manifest: Manifest;
  readonly report: string;
}

/**
 * Run the whole pipeline in memory. `previous` is the last generation's manifest (`baseline` names
 * it in the report); `tools` maps each hand-written tool to the operations it names, for the
 * per-tool section of the report (left out when undefined).
 */
export async function generate(
  specPath: string,
  previous: Manifest | undefined,
  baseline: string,
  tools?: ToolOperations,
): Promise<GenerateResult> {
  const spec = loadSpec(specPath);
  const specFile = relative(repoRoot, resolve(specPath)) || specPath;
  const provenance = { spec, specFile };
  const { doc, stats } = normalize(spec.doc);
  const overlayAdded = applyOverlay(doc);
  const selection = select(doc);
  const manifest = manifestOf(selection.operations, provenance);
  const [types, schemas, operations, manifestText] = await Promise.all([
    emitTypes(selection.filtered, provenance),
    emitSchemas(selection.operations, provenance),
    emitOperations(selection.operations, provenance),
    emitManifest(manifest),
  ]);
  const change = compare(previous, manifest);
  const summary = renderReport(manifest, change, baseline, [
    `spec: ${specFile} (${spec.product}, ${spec.bytes} bytes, sha256 ${spec.sha256.slice(0, 16)}...)`,
    `normalized: ${stats.regexPathsDropped} regex paths dropped, ${stats.listOperationsSplit} LIST operations canonicalized, ` +
      `${stats.operationIdsRenamed} duplicate operationIds renamed, ${stats.openMaps} open maps, ${stats.durations} durations, ` +
      `${stats.exportedEnumsFixed} {exported} enums fixed, ${stats.mountDefaultsDropped} mount defaults dropped, ${overlayAdded} overlay parameters`,
    `excluded by the allowlist: ${selection.excluded.length} operations`,
  ]);
  const report = tools ? `${summary}\n${renderToolReport(change, tools, baseline)}` : summary;
  return {
    files: {
      'vault-api.ts': types,
      'schemas.ts': schemas,
      'operations.ts': operations,
      'manifest.json': manifestText,
    },
    manifest,
    report,
  };
}

function readManifest(file: string): Manifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** The tool -> operations map written by scripts/tool-operations.ts; undefined when unreadable. */
function readToolOperations(file: string): ToolOperations | undefined {
  try {
    const tools = JSON.parse(readFileSync(file, 'utf8')) as ToolOperations;
    return Object.keys(tools).length ? tools : undefined;
  } catch {
    process.stderr.write(`make generate: no per-tool report (cannot read ${file})\n`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'spec/openapi.json' },
      out: { type: 'string', default: 'generated' },
      // JSON {tool: [operation, ...]} of the hand-written tools (scripts/tool-operations.ts).
      tools: { type: 'string' },
    },
  });
  const specPath = resolve(values.spec);
  const out = resolve(values.out);
  const committed = join(repoRoot, 'generated', 'manifest.json');
  const previousFile = existsSync(join(out, 'manifest.json'))
    ? join(out, 'manifest.json')
    : committed;
  const result = await generate(
    specPath,
    readManifest(previousFile),
    relative(repoRoot, previousFile),
    values.tools ? readToolOperations(values.tools) : undefined,
  );
  // Write to a sibling folder, then swap it in with two renames (the old one moved aside first):
  // a failed run never leaves OUT half-written or missing.
  const staging = `${out}.tmp-${process.pid}`;
  const old = `${out}.old-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const name of GENERATED_FILES) writeFileSync(join(staging, name), result.files[name]);
  if (existsSync(out)) renameSync(out, old);
  renameSync(staging, out);
  rmSync(old, { recursive: true, force: true });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    `${result.report}\nwrote ${GENERATED_FILES.length} files to ${relative(repoRoot, out) || out} in ${ms.toFixed(0)} ms\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `make generate failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
