/**
 * Every tool gets garbage arguments and the server keeps answering; a KV read costs one Vault
 * request once the mount is cached. Runs against its own dev server: garbage that happens to be
 * valid for an all-optional tool (enable_pki {}) must not touch the shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import { connect, textOf } from '../support/mcp.js';
import { adminRequest, countingFetch, mountEngine } from '../support/vault.js';

let own: DevServer;
beforeAll(async () => {
  own = await startDevServer();
});
afterAll(() => own.stop());

const GARBAGE: unknown[] = [
  {},
  { mount: 42, path: ['a'], role_name: null },
  { mount: { nested: { deeper: [1, 2, 3] } }, versions: 'all', data: 'not-an-object' },
  { mount: 'x'.repeat(100_000), path: '\u0000\u0007', common_name: 7 },
  { path: '../../sys/seal', mount: '..' },
  { versions: [-1, 0, 1.5], max_depth: 10_000, max_secrets: -3, ttl: { d: 1 } },
  { unexpected_field: true },
];

describe('garbage arguments', () => {
  it('every tool answers every garbage input with a result, and the server keeps serving', async () => {
    const mcp = await connect({
      VAULT_ADDR: own.address,
      VAULT_TOKEN: own.token,
      VAULT_MCP_TOOLSETS: 'all',
    });
    const { tools } = await mcp.client.listTools();
    let errors = 0;
    for (const tool of tools) {
      for (const args of GARBAGE) {
        const result = await mcp.call(tool.name, args as Record<string, unknown>);
        expect(Array.isArray(result.content), `${tool.name}`).toBe(true);
        if (result.isError) {
          errors++;
          expect(textOf(result)).not.toMatch(/internal error/);
        }
      }
    }
    expect(errors).toBeGreaterThan(tools.length * (GARBAGE.length - 1));
    expect(await mcp.ok('list_mounts')).toMatchObject({ mounts: expect.any(Array) });
    expect(await mcp.fails('list_secrets', { mount: 42 })).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool list_secrets: Invalid input: expected string, received number at mount',
    );
    // Nothing reached Vault from a path with '..': the seal status is unchanged.
    const health = (await fetch(`${own.address}/v1/sys/seal-status`).then((r) => r.json())) as {
      sealed: boolean;
    };
    expect(health.sealed).toBe(false);
    await mcp.close();
  });
});

describe('request cost', () => {
  it('a KV read costs one Vault request once the mount is cached', async () => {
    const mount = await mountEngine('cost', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app/db`, { data: { a: '1' } });
    const counter = countingFetch();
    const mcp = await connect({}, { fetch: counter.fetch });
    await mcp.ready; // the start-up token lookup is not part of a read
    counter.requests.length = 0;
    await mcp.ok('read_secret', { mount, path: 'app/db' });
    expect(counter.requests).toEqual([
      `GET sys/internal/ui/mounts/${mount}`,
      `GET ${mount}/data/app/db`,
    ]);
    counter.requests.length = 0;
    await mcp.ok('read_secret', { mount, path: 'app/db' });
    await mcp.ok('list_secrets', { mount, path: 'app' });
    expect(counter.requests).toEqual([
      `GET ${mount}/data/app/db`,
      `GET ${mount}/metadata/app/?list=true`,
    ]);
    await mcp.close();
  });
});
