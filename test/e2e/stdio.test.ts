/** The built binary over stdio as an MCP client starts it: start-up checks and Vault outages. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, freePort, startDevServer, vaultRequest } from '../../scripts/lib/openbao.js';
import { connect } from '../support/mcp.js';
import { devServer } from '../support/vault.js';
import { eventually } from '../support/wait.js';

async function start(
  env: Record<string, string>,
): Promise<{ client: Client; stderr: () => string; close: () => Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath],
    env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'stdio-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

const text = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('vault-mcp over stdio', () => {
  it('warns on stderr about a root token; stdout carries only the protocol', async () => {
    const server = await startDevServer();
    const mcp = await start({ VAULT_ADDR: server.address, VAULT_TOKEN: server.token });
    await eventually(() => mcp.stderr().includes('root policy'));
    expect(mcp.stderr()).toContain(
      'the Vault token has the root policy: the agent can do anything in Vault',
    );
    expect(mcp.stderr()).not.toContain(server.token);
    const r = (await mcp.client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult;
    expect(r.structuredContent).toMatchObject({ root: true, policies: ['root'] });
    await mcp.close();
    await server.stop();
  });

  it('starts without a reachable Vault and answers tool calls with the address and the state', async () => {
    const port = await freePort();
    const mcp = await start({
      VAULT_ADDR: `http://127.0.0.1:${port}`,
      VAULT_TOKEN: 'some-token',
      VAULT_MAX_RETRIES: '0',
    });
    expect((await mcp.client.listTools()).tools.length).toBe(34);
    const r = (await mcp.client.callTool({ name: 'list_mounts', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe(
      `cannot reach Vault at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Check VAULT_ADDR and that Vault is running and reachable; nothing was changed.`,
    );
    await eventually(() => mcp.stderr().includes('unreachable'));
    expect(mcp.stderr()).toContain('Vault is unreachable: tool calls will fail until it answers');
    await mcp.close();
  });

  it('says "sealed" while Vault is sealed and works again once unsealed', async () => {
    const server = await startDevServer();
    const mcp = await start({ VAULT_ADDR: server.address, VAULT_TOKEN: server.token });
    await vaultRequest(server, 'POST', 'sys/seal');
    const sealed = (await mcp.client.callTool({
      name: 'list_secrets',
      arguments: { mount: 'secret' },
    })) as CallToolResult;
    expect(sealed.isError).toBe(true);
    expect(text(sealed)).toBe(
      `Vault at ${server.address} is sealed (503): GET /v1/sys/internal/ui/mounts/secret cannot be served until it is unsealed.`,
    );
    await vaultRequest(server, 'POST', 'sys/unseal', { key: server.unsealKey });
    const open = (await mcp.client.callTool({
      name: 'list_secrets',
      arguments: { mount: 'secret' },
    })) as CallToolResult;
    expect(open.isError).toBeFalsy();
    expect(open.structuredContent).toEqual({ mount: 'secret', path: '', kv_version: 2, keys: [] });
    await mcp.close();
    await server.stop();
  });
});

// The binary's tools/list schemas are computed at build time (scripts/bundle.mjs).
describe('the bundle', () => {
  it('lists the same tools, schemas included, as the source (default toolsets)', async () => {
    const { address, token } = devServer();
    const mcp = await start({ VAULT_ADDR: address, VAULT_TOKEN: token });
    const inProcess = await connect();
    try {
      const fromBinary = await mcp.client.listTools();
      expect(fromBinary.tools.length).toBeGreaterThan(30);
      expect(fromBinary).toEqual(await inProcess.client.listTools());
    } finally {
      await mcp.close();
      await inProcess.close();
    }
  }, 60_000);

  const files = readdirSync(dirname(cliPath));
  const sources = files.map((f) => readFileSync(join(dirname(cliPath), f), 'utf8'));

  it("carries the hand-written tools' schemas precomputed", () => {
    expect(sources.join('\n')).toContain('{"list_mounts":{"inputSchema":{"type":"object"');
  });

  it('has no chunk that nothing imports (old builds are cleaned away)', () => {
    const unused = files.filter(
      (f) => f !== 'vault-mcp.mjs' && !sources.some((s) => s.includes(`./${f}`)),
    );
    expect(unused).toEqual([]);
  });
});
