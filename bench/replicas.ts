/**
 * `make bench`, second part: the team service. Against a local OpenBao dev server and a local
 * redis-server (stateless mode, limits on but out of reach so every call spends from Redis):
 *   1. read_secret calls/s through one replica, straight, without Redis and with it
 *   2. the same through the round-robin proxy in front of two replicas sharing Redis (same run)
 *   3. Redis round trips (socket reads on the server, INFO stats total_reads_processed) and
 *      commands (Lua scripts' inner commands included) per tool call, one call at a time
 *   4. one replica against two through the proxy, interleaved in ROUNDS rounds: medians, ratio
 *   5. stateful mode: Redis round trips per session opening and per tool call in a session
 * Prints a table and writes bench/replicas.json. Numbers, never a test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { repoRoot, startDevServer, vaultRequest } from '../scripts/lib/openbao.js';
import { roundRobinProxy, startRedis, startReplica, untilReady } from '../test/support/replicas.js';

const CALLS = 3000;
const CONCURRENCY = 16;
const ROUNDS = 3;

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const vault = await startDevServer();
  const redis = await startRedis();
  const stats = new Redis(redis.url);
  try {
    await vaultRequest(vault, 'POST', 'sys/mounts/bench', {
      type: 'kv',
      options: { version: '2' },
    });
    await vaultRequest(vault, 'POST', 'bench/data/app', { data: { k: 'v' } });
    await vaultRequest(vault, 'PUT', 'sys/policies/acl/bench', {
      policy: 'path "bench/*" { capabilities = ["read", "list"] }',
    });
    const created = (await vaultRequest(vault, 'POST', 'auth/token/create', {
      policies: ['bench'],
    })) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    const env = (redisUrl?: string): Record<string, string> => ({
      VAULT_ADDR: vault.address,
      MCP_SESSION_MODE: 'stateless',
      MCP_RATE_LIMIT_GLOBAL: '1000000:1000000',
      MCP_RATE_LIMIT_SESSION: '1000000:1000000',
      LOG_LEVEL: 'info',
      ...(redisUrl ? { MCP_REDIS_URL: redisUrl } : {}),
    });
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'read_secret', arguments: { mount: 'bench', path: 'app' } },
    });
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': '2025-06-18',
      'X-Vault-Token': token,
    };
    /** `calls` calls from `concurrency` workers; calls per second (every answer checked). */
    const rate = async (url: string, calls = CALLS, concurrency = CONCURRENCY): Promise<number> => {
      for (let i = 0; i < 50; i++) await fetch(url, { method: 'POST', headers, body }); // warm-up
      let next = 0;
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < calls) {
            const answer = await fetch(url, { method: 'POST', headers, body });
            const text = await answer.text();
            if (answer.status !== 200 || text.includes('"isError":true'))
              throw new Error(`call failed: ${answer.status} ${text}`);
          }
        }),
      );
      return (calls / Number(process.hrtime.bigint() - start)) * 1e9;
    };
    const redisCounters = async (): Promise<{ reads: number; commands: number }> => {
      const info = await stats.info('stats');
      const value = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? NaN);
      return { reads: value('total_reads_processed'), commands: value('total_commands_processed') };
    };

    const memory = await startReplica(env());
    const [a, b] = await Promise.all([startReplica(env(redis.url)), startReplica(env(redis.url))]);
    for (const r of [memory, a, b]) await untilReady(r.url);
    const proxy = await roundRobinProxy([a.url, b.url]);
    const proxyOne = await roundRobinProxy([a.url]);

    const results: Record<string, number> = {};
    results['one replica, memory, straight'] = await rate(memory.url);
    results['one replica, Redis, straight'] = await rate(a.url);
    // Round trips per call: one call at a time, so that no two calls share a pipeline.
    const before = await redisCounters();
    results['one replica, Redis, one call at a time'] = await rate(a.url, 500, 1);
    const after = await redisCounters();
    // rate() makes 50 warm-up calls too; the stats client's own INFO is one read and command.
    const calls = 500 + 50;
    results['Redis round trips per tool call'] = (after.reads - before.reads - 1) / calls;
    results['Redis commands per tool call'] = (after.commands - before.commands - 1) / calls;
    results['one replica through the proxy'] = await rate(proxyOne.url);
    results['two replicas through the proxy'] = await rate(proxy.url);
    // The same two rows again, interleaved: the machine's load drifts less between them.
    const one: number[] = [];
    const two: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      one.push(await rate(proxyOne.url, CALLS / 2));
      two.push(await rate(proxy.url, CALLS / 2));
    }
    results[`one replica through the proxy, median of ${ROUNDS}`] = median(one);
    results[`two replicas through the proxy, median of ${ROUNDS}`] = median(two);
    results['Ratio two / one (medians)'] = median(two) / median(one);

    // Stateful: a session opening (token check cached), then tool calls in that session.
    const stateful = await startReplica({ ...env(redis.url), MCP_SESSION_MODE: 'stateful' });
    await untilReady(stateful.url);
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    });
    const open = async (): Promise<string> => {
      const answer = await fetch(stateful.url, { method: 'POST', headers, body: initialize });
      await answer.text();
      return answer.headers.get('mcp-session-id') ?? '';
    };
    await open(); // the token check, once
    const OPENINGS = 50;
    let start = await redisCounters();
    const sessions: string[] = [];
    for (let i = 0; i < OPENINGS; i++) sessions.push(await open());
    let end = await redisCounters();
    results['Redis round trips per session opening (stateful)'] =
      (end.reads - start.reads - 1) / OPENINGS;
    const inSession = { ...headers, 'Mcp-Session-Id': sessions[0] ?? '' };
    start = await redisCounters();
    for (let i = 0; i < 200; i++) {
      const answer = await fetch(stateful.url, { method: 'POST', headers: inSession, body });
      const text = await answer.text();
      if (!text.includes('"result"') || text.includes('"isError":true'))
        throw new Error(`call failed: ${answer.status} ${text}`);
    }
    end = await redisCounters();
    results['Redis round trips per tool call in a session (stateful)'] =
      (end.reads - start.reads - 1) / 200;
    await stateful.stop();

    for (const [name, value] of Object.entries(results))
      console.log(`${name.padEnd(56)} ${value.toFixed(/^(Redis|Ratio)/.test(name) ? 2 : 0)}`);
    writeFileSync(
      join(repoRoot, 'bench', 'replicas.json'),
      `${JSON.stringify({ calls: CALLS, concurrency: CONCURRENCY, results }, null, 2)}\n`,
    );
    await proxy.close();
    await proxyOne.close();
    for (const r of [memory, a, b]) await r.stop();
  } finally {
    await stats.quit();
    await redis.stop();
    await vault.stop();
  }
}

await main();
