/**
 * `make generate` against every document a maintainer may feed it: the committed OpenBao spec and
 * HashiCorp's documents in ../shared/vault-openapi/. Each is generated into a temporary copy of
 * the tree, which must then type-check as a whole (src/, tests, scripts: the project, not only
 * generated/) and build a least-privilege policy for every hand-written tool. The live 1.21.4
 * document's per-tool change report is asserted line by line.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATED_FILES, generate, type GenerateResult } from '../../codegen/main.js';
import type { Manifest } from '../../codegen/emit.js';
import { repoRoot } from '../../scripts/lib/openbao.js';
import { TOOLS } from '../../src/tools/index.js';

const run = promisify(execFile);
const shared = join(repoRoot, '..', 'shared', 'vault-openapi');
const committed = JSON.parse(
  readFileSync(join(repoRoot, 'generated', 'manifest.json'), 'utf8'),
) as Manifest;
const toolOperations = Object.fromEntries(
  TOOLS.map((t) => [t.name, [...t.operations, ...(t.optionalOperations ?? [])]]),
);
/** What tsconfig.json type-checks, less generated/ (replaced by the document's). */
const TREE = ['src', 'codegen', 'test', 'scripts', 'bench', 'tsconfig.json', 'vitest.config.ts'];
const trees: string[] = [];
afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

/** A copy of the project with generated/ from `result`, under .tmp/ (so node_modules resolves). */
function treeWith(label: string, result: GenerateResult): string {
  const tree = join(repoRoot, '.tmp', `tree-${label}-${process.pid}`);
  trees.push(tree);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'generated'), { recursive: true });
  for (const entry of TREE) cpSync(join(repoRoot, entry), join(tree, entry), { recursive: true });
  for (const name of GENERATED_FILES)
    writeFileSync(join(tree, 'generated', name), result.files[name]);
  symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'));
  symlinkSync(join(repoRoot, '.tools'), join(tree, '.tools'));
  return tree;
}

/** tsc over the whole copied tree; resolves to its diagnostics ('' when clean). */
async function typeCheck(tree: string): Promise<string> {
  try {
    await run(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(tree, 'tsconfig.json')], {
      cwd: tree,
    });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

/** In the copied tree: the policy for every hand-written tool from its operation table. */
async function policyOf(tree: string): Promise<string> {
  const script = join(tree, 'policy-check.ts');
  writeFileSync(
    script,
    [
      "import { buildPolicy, renderHcl } from './src/policy.js';",
      "import { TOOLS } from './src/tools/index.js';",
      'const stanzas = buildPolicy(',
      "  { tools: undefined, toolsets: ['kv', 'pki', 'mounts', 'auth'], excludeTools: [], readOnly: false },",
      '  TOOLS,',
      "  { kvMount: 'secret', kvVersion: 2, pkiMount: 'pki', prefix: '', manageMounts: ['pki'] },",
      ');',
      'process.stdout.write(renderHcl(stanzas, []));',
    ].join('\n'),
  );
  const { stdout } = await run(join(repoRoot, 'node_modules', '.bin', 'tsx'), [script], {
    cwd: tree,
  });
  return stdout;
}

/**
 * Tests whose expectations do not depend on which document generated the tree (the client and
 * the KV, mount and PKI tools against a real OpenBao). Not the snapshot, gate and capability
 * tests: they pin the committed document's operation count, schemas and capabilities.
 */
const UNIT_TESTS = [
  'test/client',
  'test/server/kv-tools.test.ts',
  'test/server/mount-tools.test.ts',
  'test/server/pki-tools.test.ts',
];

/** Run {@link UNIT_TESTS} in the copied tree (its own vitest, its own dev server); the summary line. */
async function unitTests(tree: string): Promise<string> {
  try {
    const { stdout } = await run(
      join(repoRoot, 'node_modules', '.bin', 'vitest'),
      ['run', '--reporter=dot', ...UNIT_TESTS],
      { cwd: tree, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    return /Tests\s+(.*)/.exec(stdout)?.[1]?.trim() ?? stdout;
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

const DOCUMENTS = [
  {
    label: 'openbao',
    product: 'OpenBao 2.7.2',
    file: join(repoRoot, 'spec', 'openapi.json'),
    counts: { auth: 2, kv: 19, mounts: 8, pki: 89 },
  },
  {
    label: 'vault-1.15.0',
    product: 'HashiCorp Vault 1.15.0',
    file: join(shared, 'vault-1.15.0.json'),
    counts: { auth: 2, kv: 19, mounts: 8, pki: 88 },
  },
  {
    label: 'vault-1.21.4-live',
    product: 'HashiCorp Vault 1.21.4',
    file: join(shared, 'vault-1.21.4-live.json'),
    counts: { auth: 2, kv: 19, mounts: 8, pki: 88 },
  },
  {
    label: 'vault-2.1.0',
    product: 'HashiCorp Vault 2.1.0',
    file: join(shared, 'vault-2.1.0.json'),
    counts: { auth: 2, kv: 19, mounts: 8, pki: 91 },
  },
] as const;

describe.each(DOCUMENTS)('make generate with $label', ({ label, file, product, counts }) => {
  it('gives a tree where the whole project type-checks, the client and tool tests pass and the policy generator covers every tool', async () => {
    const result = await generate(file, committed, 'generated/manifest.json', toolOperations);
    const perToolset: Record<string, number> = {};
    for (const op of result.manifest.operations)
      perToolset[op.toolset] = (perToolset[op.toolset] ?? 0) + 1;
    expect(perToolset).toEqual(counts);
    expect(result.manifest.spec.product).toBe(product);
    // The names that matter to users are the same for both products and every version.
    const names = new Set(result.manifest.operations.map((op) => op.tool));
    for (const name of [
      'kv_v2_read',
      'kv_v2_patch',
      'kv_v1_list',
      'mounts_enable',
      'pki_issue_with_role',
      'pki_sign_with_role',
      'token_lookup_self',
    ])
      expect(names.has(name), name).toBe(true);
    const tree = treeWith(label, result);
    expect(await typeCheck(tree)).toBe('');
    const hcl = await policyOf(tree);
    expect(hcl).toContain('path "secret/data/*" {');
    expect(hcl).toContain('path "pki/sign/+" {');
    expect(await unitTests(tree)).toMatch(/^\d+ passed \(\d+\)$/);
  }, 900_000);
});

describe('the per-tool change report', () => {
  it('names, for Vault 1.21.4 against the committed OpenBao spec, each tool whose operations changed and how', async () => {
    const result = await generate(
      join(shared, 'vault-1.21.4-live.json'),
      committed,
      'generated/manifest.json',
      toolOperations,
    );
    const report = result.report.split('\n');
    const start = report.findIndex((line) => line.startsWith('hand-written tools:'));
    process.stdout.write(`${report.slice(start).join('\n')}\n`);
    expect(report.slice(start)).toEqual([
      'hand-written tools: 15 of 34 name operations that changed against generated/manifest.json (review their inputs and `vault-mcp policy`):',
      '  list_secrets: kv_v1_list fields +read_snapshot_id',
      '  read_secret: kv_v1_read fields +read_snapshot_id',
      '  write_secret: kv_v1_read fields +read_snapshot_id',
      '  delete_secret: kv_v1_read fields +read_snapshot_id',
      '  create_pki_issuer: pki_generate_root fields +excluded_dns_domains +excluded_email_addresses +excluded_ip_ranges +excluded_uri_domains +managed_key_id +managed_key_name +permitted_email_addresses +permitted_ip_ranges +permitted_uri_domains -ext_key_usage -ext_key_usage_oids -external_key_ref -not_before; pki_generate_intermediate fields +key_usage +managed_key_id +managed_key_name -external_key_ref -not_before -use_pss; pki_issuer_sign_intermediate fields +enforce_leaf_not_after_behavior +excluded_dns_domains +excluded_email_addresses +excluded_ip_ranges +excluded_uri_domains +permitted_email_addresses +permitted_ip_ranges +permitted_uri_domains -ext_key_usage -ext_key_usage_oids -not_before',
      '  create_pki_role: pki_write_role fields +serial_number_source -allow_globs_in_identity_templates -allowed_ip_sans_cidr -not_after_bound -not_before -not_before_bound',
      '  issue_pki_certificate: pki_issue_with_role fields +cert_metadata -key_bits -key_type -not_before',
      '  write_secret_metadata: kv_v2_patch_metadata fields +exclude_deleted -after -limit -metadata_cas -metadata_cas_required',
      '  delete_secret_versions: kv_v2_delete_versions capabilities [create, update] -> [update]',
      '  undelete_secret_versions: kv_v2_undelete_versions capabilities [create, update] -> [update]',
      '  destroy_secret_versions: kv_v2_destroy_versions capabilities [create, update] -> [update]',
      '  audit_secrets: kv_v1_list fields +read_snapshot_id; kv_v1_read fields +read_snapshot_id',
      '  tune_mount: mounts_tune fields +allowed_managed_keys +delegated_auth_accessors +identity_token_key +trim_request_trailing_slashes',
      '  sign_pki_certificate: pki_sign_with_role fields +cert_metadata -not_before',
      '  whoami: capabilities_self fields +namespace',
    ]);
    // The operation section says the same per operation.
    expect(report).toContain(
      '  ~ kv_v2_delete_versions: capabilities [create, update] -> [update]',
    );
    expect(report).toContain('compared with generated/manifest.json: +0 -1 ~34');
    expect(report).toContain(
      '  - pki_list_certs_detailed (LIST /{pki_mount_path}/certs/detailed/)',
    );
  }, 300_000);

  it('says so when no tool is affected', async () => {
    const result = await generate(
      join(repoRoot, 'spec', 'openapi.json'),
      committed,
      'generated/manifest.json',
      toolOperations,
    );
    expect(result.report.split('\n').at(-1)).toBe(
      `hand-written tools: none of the ${TOOLS.length} names an operation that changed against generated/manifest.json`,
    );
  }, 300_000);
});
