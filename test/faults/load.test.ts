/**
 * Load over HTTP on 127.0.0.1: 50 sessions x 200 tool calls. No errors without limits, only
 * rate-limit answers with low limits; afterwards the session table is empty and the heap is back
 * near where it started.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer, type HttpServerHandle } from '../../src/transports/http.js';
import { adminRequest, devServer, mountEngine, scopedToken } from '../support/vault.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
};

let mount = '';
let token = '';
beforeAll(async () => {
  mount = await mountEngine('load', 'kv-v2');
  await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
  token = await scopedToken(`path "${mount}/*" { capabilities = ["read", "list"] }`);
});

async function serve(env: Record<string, string>): Promise<HttpServerHandle> {
  const config = loadConfig(
    { VAULT_ADDR: devServer().address, HOME: '/x', TRANSPORT_PORT: '0', ...env },
    undefined,
    { transport: 'streamable-http' },
  );
  return startHttpServer(config, createLogger('silent'), await candidateTools(config));
}

/** `sessions` clients, each making `calls` sequential read_secret calls; returns every result's error text ('' for success). */
async function hammer(url: string, sessions: number, calls: number): Promise<string[]> {
  const outcomes: string[] = [];
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { 'X-Vault-Token': token } },
      });
      const client = new Client({ name: 'load', version: '1' });
      await client.connect(transport);
      for (let i = 0; i < calls; i++) {
        const result = (await client.callTool({
          name: 'read_secret',
          arguments: { mount, path: 'app' },
        })) as CallToolResult;
        outcomes.push(
          result.isError
            ? result.content.map((c) => (c.type === 'text' ? c.text : '')).join('')
            : '',
        );
      }
      await transport.terminateSession();
      await client.close();
    }),
  );
  return outcomes;
}

describe('HTTP under load', () => {
  it('50 sessions x 200 calls: no errors, the session table empties, memory returns near baseline', async () => {
    const server = await serve({ MCP_RATE_LIMIT_GLOBAL: 'off', MCP_RATE_LIMIT_SESSION: 'off' });
    await hammer(server.url, 2, 10); // warm-up: module loading and caches are not a leak
    const before = heapMb();
    const outcomes = await hammer(server.url, 50, 200);
    expect(outcomes).toHaveLength(10_000);
    expect(outcomes.filter((o) => o !== '')).toEqual([]);
    expect(server.sessionCount()).toBe(0);
    const after = heapMb();
    expect(after - before, `heap ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB`).toBeLessThan(
      15,
    );
    await server.close();
  }, 400_000);

  it('with low limits the only errors are rate-limit answers', async () => {
    // Refills of one token per 100 s: every machine, however fast or busy, runs out. The four
    // sessions share one token, so one caller bucket: its burst of 12 pays for the four openings
    // and 8 calls, whatever the number of sessions (the server-wide burst of 15 is not reached).
    const server = await serve({
      MCP_RATE_LIMIT_GLOBAL: '0.01:15',
      MCP_RATE_LIMIT_SESSION: '0.01:12',
    });
    const outcomes = await hammer(server.url, 4, 50);
    const errors = outcomes.filter((o) => o !== '');
    expect(outcomes.filter((o) => o === '')).toHaveLength(8);
    expect(errors).toHaveLength(192);
    expect(
      errors.filter(
        (e) =>
          !/^rate limit reached: read_secret was not run \(per-caller limit 0\.01 calls\/s, burst 12\)\. Retry in \d+\.\d s\.$/.test(
            e,
          ),
      ),
    ).toEqual([]);
    expect(server.sessionCount()).toBe(0);
    await server.close();
  }, 120_000);
});
