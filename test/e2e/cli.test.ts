/**
 * The binary switch (VAULT_MCP_BAO_BIN) and how scripts and tests run a Vault-compatible CLI and
 * dev server: both VAULT_* and BAO_* are set (Vault's CLI reads only VAULT_*), and a failure is
 * reported without the command line, which may hold secret values or the root token.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, startDevServer } from '../../scripts/lib/openbao.js';
import { TUTORIAL_SECRETS } from '../../scripts/lib/tutorial.js';

const dir = mkdtempSync(join(tmpdir(), 'vault-mcp-cli-'));
const saved = process.env['VAULT_MCP_BAO_BIN'];
afterEach(() => {
  if (saved === undefined) delete process.env['VAULT_MCP_BAO_BIN'];
  else process.env['VAULT_MCP_BAO_BIN'] = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in binary named `name` running `body` (sh): the fault a real CLI cannot be made to show. */
function fakeBinary(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const vault = { address: 'http://127.0.0.1:1', token: 'root-test-token-1234' };
const password = TUTORIAL_SECRETS['myapp/database'].password;

describe('the CLI as scripts and tests run it', () => {
  it('gets the address and token under both VAULT_* and BAO_*', async () => {
    process.env['VAULT_MCP_BAO_BIN'] = fakeBinary(
      'vault',
      'echo "$VAULT_ADDR $BAO_ADDR $VAULT_TOKEN $BAO_TOKEN"',
    );
    expect(await runCli(['kv', 'get', 'secret/app'], vault, dir)).toBe(
      'http://127.0.0.1:1 http://127.0.0.1:1 root-test-token-1234 root-test-token-1234\n',
    );
  });

  it('fails without its command line: no value, no token', async () => {
    process.env['VAULT_MCP_BAO_BIN'] = fakeBinary(
      'vault',
      'echo "Error writing data to secret/data/myapp/database: $*" >&2; exit 2',
    );
    const error = await runCli(
      ['kv', 'put', 'secret/myapp/database', `password=${password}`],
      vault,
      dir,
    ).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      '`vault kv put` failed (exit code 2): Error writing data to secret/data/myapp/database: kv put *** password=***',
    );
  });

  it('a dev server that does not come up is reported without its arguments (the root token)', async () => {
    process.env['VAULT_MCP_BAO_BIN'] = fakeBinary('bao', 'echo "starting with $*" >&2; exit 3');
    const token = 'root-never-printed-5678';
    const error = await startDevServer({ token, port: 1 }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      'bao exited with code 3\nstarting with server -dev -dev-root-token-id=<root-token> -dev-listen-address=127.0.0.1:1 -dev-no-store-token -log-level=warn\n',
    );
    process.env['VAULT_MCP_BAO_BIN'] = join(dir, 'missing');
    await expect(startDevServer({ token, port: 1 })).rejects.toThrow(
      `VAULT_MCP_BAO_BIN=${join(dir, 'missing')} does not exist: point it at a vault or bao binary`,
    );
  });
});
