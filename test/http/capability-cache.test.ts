/**
 * Stateful HTTP sessions of one caller share one capability cache, as stateless requests of a
 * caller do: the real server in-process, the real SDK client, the real OpenBao dev server, and
 * every request the server sends to Vault counted.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer } from '../../src/transports/http.js';
import { countingFetch, devServer, scopedToken } from '../support/vault.js';

describe('capability cache in stateful mode', () => {
  it("a caller's second session makes no capabilities-self request; another caller's does", async () => {
    const counter = countingFetch();
    const config = loadConfig(
      {
        VAULT_ADDR: devServer().address,
        HOME: '/nonexistent',
        TRANSPORT_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      undefined,
      { transport: 'streamable-http' },
    );
    const server = await startHttpServer(
      { ...config, vault: { ...config.vault, fetch: counter.fetch } },
      createLogger('silent'),
      await candidateTools(config),
    );
    const policy = 'path "sys/mounts" { capabilities = ["read"] }';
    const [tokenA, tokenB] = [await scopedToken(policy), await scopedToken(policy)];
    /** A new session with `token`: its id, and the capabilities-self requests of its whoami. */
    const session = async (token: string): Promise<[string, number]> => {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { 'X-Vault-Token': token } },
      });
      const client = new Client({ name: 'capability-cache-test', version: '1' });
      await client.connect(transport);
      counter.requests.length = 0;
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.isError).toBeFalsy();
      const probes = counter.requests.filter((r) => r === 'POST sys/capabilities-self').length;
      const id = transport.sessionId ?? '';
      await client.close();
      return [id, probes];
    };
    const [first, firstProbes] = await session(tokenA);
    const [second, secondProbes] = await session(tokenA);
    const [, otherProbes] = await session(tokenB);
    expect(second).not.toBe(first);
    expect([firstProbes, secondProbes, otherProbes]).toEqual([1, 0, 1]);
    await server.close();
  });
});
