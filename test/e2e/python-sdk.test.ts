/**
 * A client this project did not write: the MCP Python SDK (PyPI `mcp`, installed into .tools/venv
 * by `make setup`) drives prompts, resources, a completion and an elicitation round trip of the
 * built binary over stdio (test/e2e/python-client.py).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../../scripts/lib/openbao.js';
import { adminRequest, devServer, mountEngine } from '../support/vault.js';

const run = promisify(execFile);
const python = join(import.meta.dirname, '..', '..', '.tools', 'venv', 'bin', 'python');

describe('MCP Python SDK client', () => {
  it('lists and gets prompts, reads resources, completes a path and answers elicitations', async () => {
    const mount = await mountEngine('py', 'kv-v2');
    await adminRequest('POST', `${mount}/data/py/db`, { data: { password: 'py-secret-value' } });
    await adminRequest('POST', `${mount}/data/py/old`, { data: { k: 'v' } });
    const { address, token } = devServer();
    const { stdout } = await run(
      python,
      [join(import.meta.dirname, 'python-client.py'), process.execPath, cliPath, mount],
      {
        env: {
          VAULT_ADDR: address,
          VAULT_TOKEN: token,
          HOME: '/nonexistent',
          PATH: process.env['PATH'] ?? '',
        },
        timeout: 120_000,
      },
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out['prompts']).toEqual([
      'plan_secret_layout',
      'pre_release_audit',
      'least_privilege_policy',
      'issue_tls_certificate',
    ]);
    expect(out['plan']).toContain('  - py/db (keys: password)');
    expect(out['resources']).toEqual(
      expect.arrayContaining(['vault://mounts', 'vault://policy', `vault://kv/${mount}/`]),
    );
    expect(out['templates']).toContain('vault://kv/{mount}/{+path}');
    expect(out['secret']).toMatchObject({ path: 'py/db', keys: ['password'], current_version: 1 });
    expect(out['completion']).toEqual(['py/db', 'py/old']);
    expect(out['asked']).toEqual([
      `The assistant wants to run destroy_secret_versions. Permanently destroy the data of version 1 of ${mount}/py/db. This cannot be undone. Allow this once?`,
      `The assistant wants to run delete_secret_metadata. Delete ${mount}/py/old entirely: every version, its data and its metadata. This cannot be undone. Allow this once?`,
    ]);
    expect(out['declined']).toEqual([
      true,
      'The user declined destroy_secret_versions: nothing was changed. Do not retry it unless the user asks for it.',
    ]);
    expect(out['accepted']).toEqual([
      false,
      `permanently deleted ${mount}/py/old and its 1 version`,
    ]);
    expect(stdout).not.toContain('py-secret-value');
    const kept = (await adminRequest('GET', `${mount}/data/py/db?version=1`)) as {
      data: { data: unknown };
    };
    expect(kept.data.data).toEqual({ password: 'py-secret-value' });
    await expect(adminRequest('GET', `${mount}/metadata/py/old`)).rejects.toThrow(/404/);
  }, 180_000);
});
