/**
 * No leaks: every tool runs with known secret values and known tokens, debug logging on, plus the
 * error paths; neither the values nor the tokens appear in any tool result or log line unless the
 * operator turned reveal on (and then only in results, never in logs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, vaultRequest, type DevServer } from '../../scripts/lib/openbao.js';
import { callEveryTool } from '../support/every-tool.js';
import { connect, type McpHarness } from '../support/mcp.js';

const VALUES = {
  user: 'VALUE-CANARY-user-7f3a',
  pass: 'VALUE-CANARY-pass-91c2',
  port: 'VALUE-CANARY-port-5e10',
};
const ROOT = 'root-TOKEN-CANARY-0b5d';

async function run(mcp: McpHarness): Promise<string> {
  const results: unknown[] = [];
  await callEveryTool(async (name, args = {}) => {
    const result = await mcp.call(name, args);
    results.push(result);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result)}`);
    return result.structuredContent as Record<string, unknown>;
  }, VALUES);
  // Error paths that carry values in their arguments.
  results.push(
    await mcp.call('write_secret', {
      mount: 'no-such-mount',
      path: 'x',
      key: 'k',
      value: VALUES.pass,
    }),
  );
  results.push(
    await mcp.call('write_secret', {
      mount: 'secret',
      path: '../escape',
      data: { k: VALUES.user },
    }),
  );
  results.push(
    await mcp.call('patch_secret', {
      mount: 'secret',
      path: 'never/written',
      data: { k: VALUES.port },
    }),
  );
  results.push(
    await mcp.call('write_secret', {
      mount: 'secret',
      path: 'cas',
      data: { k: VALUES.user },
      cas: 7,
    }),
  );
  // PKI tools pointed at KV paths where a PKI route would find a secret (`<mount>/roles/<name>`
  // is `secret/data/leak/roles/probe`) must refuse, not read it through their own route.
  for (const folder of ['roles', 'cert', 'issuer'])
    await mcp.call('write_secret', {
      mount: 'secret',
      path: `leak/${folder}/probe`,
      key: 'k',
      value: VALUES.pass,
    });
  for (const [name, args] of [
    ['read_pki_role', { mount: 'secret/data/leak', role_name: 'probe' }],
    ['read_pki_certificate', { mount: 'secret/data/leak', serial_number: 'probe' }],
    ['read_pki_issuer', { mount: 'secret/data/leak', issuer_name: 'probe' }],
    ['list_pki_roles', { mount: 'secret/metadata/leak' }],
  ] as const) {
    const result = await mcp.call(name, args);
    expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
    results.push(result);
  }
  await mcp.ready;
  return JSON.stringify(results);
}

describe('secret values and tokens never leak', () => {
  let vault: DevServer;
  beforeAll(async () => {
    vault = await startDevServer({ token: ROOT });
  });
  afterAll(() => vault.stop());

  it('with reveal off: not in results, not in logs (debug level)', async () => {
    const mcp = await connect({ VAULT_ADDR: vault.address, VAULT_TOKEN: ROOT, LOG_LEVEL: 'trace' });
    const results = await run(mcp);
    const logs = mcp.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [...Object.values(VALUES), ROOT]) {
      expect(results, `result contains ${secret}`).not.toContain(secret);
      expect(logs, `logs contain ${secret}`).not.toContain(secret);
    }
    expect(results).not.toContain('PRIVATE KEY');
    await mcp.close();
  });

  it('with reveal on: values come back in results (the control), still never in logs', async () => {
    await vaultRequest(vault, 'DELETE', 'sys/mounts/pki');
    const mcp = await connect({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: ROOT,
      LOG_LEVEL: 'trace',
      VAULT_MCP_REVEAL_SECRETS: 'true',
    });
    const results = await run(mcp);
    expect(results).toContain(VALUES.user);
    expect(results).toContain('PRIVATE KEY');
    const logs = mcp.logs.join('');
    for (const secret of [...Object.values(VALUES), ROOT])
      expect(logs, `logs contain ${secret}`).not.toContain(secret);
    expect(logs).not.toContain('PRIVATE KEY');
    expect(results).not.toContain(ROOT);
    await mcp.close();
  });
});
