/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty project, import
 * the client by package name from TypeScript (must type-check; a wrong argument must not) and
 * from plain Node ESM (reads a KV v2 secret from the test server); and start the binary the way
 * an `mcp.json` with `npx` does. Every step here runs npm, tsc or a fresh Node process: each test
 * gets a generous timeout (a busy 2-core machine took 72 s for the two tsc runs alone).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/openbao.js';
import { adminRequest, devServer, mountEngine } from '../support/vault.js';

const packageName = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string }
).name;
let project = '';
/** Timeout of each test: the slow steps are whole tsc and npx runs. */
const SLOW = 300_000;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'vault-mcp-consumer-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop() as string;
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(project, packed)], {
    cwd: project,
    stdio: 'pipe',
  });
}, 600_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe(`import from '${packageName}'`, () => {
  it(
    'type-checks from TypeScript, and a wrong argument is a type error',
    () => {
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            noEmit: true,
            skipLibCheck: false,
            types: [],
          },
          include: ['*.ts'],
        }),
      );
      writeFileSync(
        join(project, 'good.ts'),
        [
          `import { createVaultClient, fromEnv, VaultResponseError, kvRead } from '${packageName}';`,
          `const vault = createVaultClient({ address: 'http://127.0.0.1:8200', token: 't', namespace: 'ns' });`,
          `export async function read(): Promise<string | undefined> {`,
          `  try {`,
          `    const mount = await vault.GET('/sys/internal/ui/mounts/{path}', { params: { path: { path: 'secret' } } });`,
          `    const type: string | undefined = mount.data.type;`,
          `    const secret = await kvRead(fromEnv(), 'secret', 'a/b', 2);`,
          `    return type + String(secret?.metadata?.version);`,
          `  } catch (e) { if (e instanceof VaultResponseError) return String(e.status); throw e; }`,
          `}`,
        ].join('\n'),
      );
      const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
      execFileSync(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], {
        cwd: project,
        stdio: 'pipe',
      });
      writeFileSync(
        join(project, 'bad.ts'),
        [
          `import { createVaultClient } from '${packageName}';`,
          `const vault = createVaultClient({ address: 'http://127.0.0.1:8200' });`,
          `// a path parameter of the wrong name must not compile`,
          `export const p = vault.GET('/{kv_v2_mount_path}/data/{path}', { params: { path: { mount: 'secret', path: 'a' } } });`,
        ].join('\n'),
      );
      writeFileSync(
        join(project, 'tsconfig.json'),
        readFileSync(join(project, 'tsconfig.json'), 'utf8').replace('"*.ts"', '"bad.ts"'),
      );
      let output = '';
      try {
        execFileSync(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], {
          cwd: project,
          stdio: 'pipe',
        });
      } catch (error) {
        output = String((error as { stdout?: Buffer }).stdout);
      }
      expect(output).toMatch(
        /bad\.ts\(4,\d+\): error TS2353: Object literal may only specify known properties, and 'mount' does not exist/,
      );
      rmSync(join(project, 'bad.ts'));
    },
    SLOW,
  );

  it(
    'reads a KV v2 secret from plain Node ESM',
    async () => {
      const mount = await mountEngine('pack', 'kv-v2');
      await adminRequest('POST', `${mount}/data/app/db`, { data: { username: 'app' } });
      writeFileSync(
        join(project, 'read.mjs'),
        [
          `import { fromEnv, kvRead } from '${packageName}';`,
          `const secret = await kvRead(fromEnv(), process.argv[2], 'app/db', 2);`,
          `process.stdout.write(JSON.stringify({ keys: Object.keys(secret.data), version: secret.metadata.version }));`,
        ].join('\n'),
      );
      const { address, token } = devServer();
      const out = execFileSync('node', ['read.mjs', mount], {
        cwd: project,
        encoding: 'utf8',
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: project,
          VAULT_ADDR: address,
          VAULT_TOKEN: token,
        },
      });
      expect(JSON.parse(out)).toEqual({ keys: ['username'], version: 1 });
    },
    SLOW,
  );
});

describe('the tarball', () => {
  it('ships the MPL-2.0 LICENSE that package.json names, and the CHANGELOG', () => {
    const installed = join(project, 'node_modules', ...packageName.split('/'));
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      license: string;
      version: string;
    };
    expect(manifest.license).toBe('MPL-2.0');
    const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
    expect(license.split('\n').slice(0, 2)).toEqual([
      'Mozilla Public License Version 2.0',
      '==================================',
    ]);
    expect(license).toContain('Exhibit B - "Incompatible With Secondary Licenses" Notice');
    // sha256 of Mozilla's plain-text MPL 2.0, as Debian ships it (base-files, common-licenses/MPL-2.0).
    expect(createHash('sha256').update(license).digest('hex')).toBe(
      'fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85',
    );
    const changelog = readFileSync(join(installed, 'CHANGELOG.md'), 'utf8');
    expect(changelog.split('\n').find((line) => line.startsWith('## '))).toBe(
      `## ${manifest.version} (unreleased)`,
    );
  });
});

describe('the vault-mcp binary from the installed tarball', () => {
  it(
    'npx vault-mcp --help works',
    () => {
      const out = execFileSync('npx', ['--no-install', 'vault-mcp', '--help'], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(out).toContain('Usage: vault-mcp [options] [command]');
      expect(out).toContain('VAULT_MCP_REVEAL_SECRETS');
    },
    SLOW,
  );

  it(
    'serves tools/list over stdio when started with npx',
    async () => {
      const { address, token } = devServer();
      const transport = new StdioClientTransport({
        command: 'npx',
        args: ['--no-install', 'vault-mcp'],
        cwd: project,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: project,
          VAULT_ADDR: address,
          VAULT_TOKEN: token,
        },
        stderr: 'ignore',
      });
      const client = new Client({ name: 'pack-test', version: '1' });
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('read_secret');
      expect(tools).toHaveLength(34);
      await client.close();
    },
    SLOW,
  );
});
