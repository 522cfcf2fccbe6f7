/**
 * `make bench`: measured numbers, never a test. Against a local OpenBao dev server:
 *   1. cold start: process spawn to the first tools/list answer over stdio (median of 10)
 *   2. tools/list latency (median, p99), default toolsets and with `api`
 *   3. read_secret latency over stdio (p50, p99 of 2,000 sequential calls) next to the physical
 *      limit, the same KV read as a direct keep-alive HTTP GET to OpenBao, with the ratio
 *   4. throughput with 1, 8 and 32 concurrent read_secret calls over stdio and HTTP, next to
 *      direct HTTP at the same concurrency
 *   5. RSS of the stdio server after start-up, after 10,000 and after 20,000 calls
 *   6. completion/complete latency for a KV path on a mount of 2,000 secrets (p50, p99 of 200)
 *   7. `make generate` time on HashiCorp's full Vault 2.1 document
 * Prints a table and writes bench/results.json.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, request } from 'undici';
import {
  cliPath,
  repoRoot,
  startDevServer,
  vaultRequest,
  type DevServer,
} from '../scripts/lib/openbao.js';

const CLI = cliPath;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const median = (values: readonly number[]): number => percentile(values, 50);
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * A minimal JSON-RPC client over the server's stdin/stdout: newline-delimited messages, nothing
 * else. It measures the server, not an SDK client's own work (the SDK client compiles every output
 * schema with ajv on tools/list, which costs it 100+ ms that no server can save).
 */
class RawStdio {
  readonly child: ChildProcessWithoutNullStreams;
  #next = 1;
  readonly #pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  constructor(env: Record<string, string>) {
    // Executed through its shebang, as `npx vault-mcp` and an mcp.json `command` run it.
    this.child = spawn(CLI, [], {
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
    }) as unknown as ChildProcessWithoutNullStreams;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
    });
  }

  request(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<{ result?: unknown; error?: unknown }> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, (message) => {
        this.#pending.delete(id);
        resolve(message);
      });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  notify(method: string): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  }

  async initialize(): Promise<void> {
    await this.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'bench', version: '1' },
    });
    this.notify('notifications/initialized');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

function serverEnv(vault: DevServer, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    VAULT_ADDR: vault.address,
    VAULT_TOKEN: vault.token,
    LOG_LEVEL: 'warn',
    ...env,
  };
}

async function raw(vault: DevServer, env: Record<string, string> = {}): Promise<RawStdio> {
  const server = new RawStdio(serverEnv(vault, env));
  await server.initialize();
  return server;
}

interface Stdio {
  client: Client;
  pid: number;
  close(): Promise<void>;
}

async function stdio(vault: DevServer, env: Record<string, string> = {}): Promise<Stdio> {
  const transport = new StdioClientTransport({
    command: CLI,
    args: [],
    env: serverEnv(vault, env),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid ?? 0, close: () => client.close() };
}

async function timed(
  n: number,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t = process.hrtime.bigint();
        await call();
        latencies.push(ms(t));
      }
    }),
  );
  return { latencies, perSecond: (n / ms(start)) * 1000 };
}

async function main(): Promise<void> {
  const vault = await startDevServer();
  const results: Record<string, unknown> = {
    node: process.version,
    date: new Date().toISOString(),
  };
  const rows: Array<[string, string, string]> = [];
  try {
    await vaultRequest(vault, 'POST', 'secret/data/bench/db', {
      data: { username: 'app', password: 'bench-value' },
    });
    const readArgs = { name: 'read_secret', arguments: { mount: 'secret', path: 'bench/db' } };

    // 1. Cold start
    const cold: number[] = [];
    const coldSdk: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = process.hrtime.bigint();
      const r = await raw(vault);
      await r.request('tools/list');
      cold.push(ms(t));
      await r.close();
      const t2 = process.hrtime.bigint();
      const s = await stdio(vault);
      await s.client.listTools();
      coldSdk.push(ms(t2));
      await s.close();
    }
    results['coldStartMs'] = {
      median: median(cold),
      all: cold,
      withSdkClientMedian: median(coldSdk),
    };
    rows.push([
      'cold start: spawn to first tools/list answer (stdio, median of 10)',
      `${median(cold).toFixed(0)} ms`,
      'target < 300 ms',
    ]);
    rows.push([
      '  the same through the SDK Client (its ajv work included)',
      `${median(coldSdk).toFixed(0)} ms`,
      '',
    ]);

    // 2. tools/list latency
    for (const [label, env] of [
      ['default toolsets (34 tools)', {}],
      ['toolsets=all (152 tools)', { VAULT_MCP_TOOLSETS: 'all' }],
    ] as const) {
      const s = await raw(vault, env);
      await s.request('tools/list');
      const { latencies } = await timed(200, 1, () => s.request('tools/list'));
      results[`toolsList ${label}`] = { median: median(latencies), p99: percentile(latencies, 99) };
      rows.push([
        `tools/list, ${label}`,
        `p50 ${median(latencies).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
        '',
      ]);
      await s.close();
    }

    // 3. read_secret vs the physical limit
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    const direct = async (): Promise<void> => {
      const response = await request(`${vault.address}/v1/secret/data/bench/db`, {
        headers: { 'X-Vault-Token': vault.token },
        dispatcher: agent,
      });
      await response.body.json();
    };
    for (let i = 0; i < 200; i++) await direct();
    const s = await raw(vault);
    const read = (): Promise<unknown> => s.request('tools/call', readArgs);
    for (let i = 0; i < 200; i++) await read();
    const viaMcp = (await timed(2000, 1, read)).latencies;
    const viaHttp = (await timed(2000, 1, direct)).latencies;
    const overhead = median(viaMcp) - median(viaHttp);
    results['readSecret'] = {
      stdio: { p50: median(viaMcp), p99: percentile(viaMcp, 99) },
      directGet: { p50: median(viaHttp), p99: percentile(viaHttp, 99) },
      p50OverheadMs: overhead,
      ratio: median(viaMcp) / median(viaHttp),
    };
    rows.push([
      'read_secret over stdio (2,000 sequential)',
      `p50 ${median(viaMcp).toFixed(3)} ms, p99 ${percentile(viaMcp, 99).toFixed(3)} ms`,
      '',
    ]);
    rows.push([
      'direct GET to OpenBao, keep-alive (2,000)',
      `p50 ${median(viaHttp).toFixed(3)} ms, p99 ${percentile(viaHttp, 99).toFixed(3)} ms`,
      '',
    ]);
    rows.push([
      'read_secret p50 overhead over the direct GET',
      `${overhead.toFixed(3)} ms (ratio ${(median(viaMcp) / median(viaHttp)).toFixed(2)}x)`,
      'target < 0.5 ms',
    ]);

    // 4. Throughput
    const http = spawn(CLI, ['http', '--port', '0'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: vault.address,
        VAULT_TOKEN: vault.token,
        VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
        MCP_RATE_LIMIT_GLOBAL: 'off',
        MCP_RATE_LIMIT_SESSION: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      http.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /"url":"([^"]+)"/.exec(err);
        if (m?.[1]) resolve(m[1]);
      });
      http.once('exit', () => reject(new Error(err)));
    });
    const throughput: Record<string, Record<number, number>> = { stdio: {}, http: {}, direct: {} };
    for (const c of [1, 8, 32]) {
      throughput['stdio']![c] = (await timed(3000, c, read)).perSecond;
      const clients = await Promise.all(
        Array.from({ length: c }, async () => {
          const client = new Client({ name: 'bench-http', version: '1' });
          await client.connect(new StreamableHTTPClientTransport(new URL(url)));
          return client;
        }),
      );
      let i = 0;
      throughput['http']![c] = (
        await timed(3000, c, () => (clients[i++ % c] as Client).callTool(readArgs))
      ).perSecond;
      await Promise.all(clients.map((client) => client.close()));
      throughput['direct']![c] = (await timed(3000, c, direct)).perSecond;
      rows.push([
        `throughput, ${c} concurrent`,
        `stdio ${throughput['stdio']![c]!.toFixed(0)}/s, HTTP ${throughput['http']![c]!.toFixed(0)}/s, direct ${throughput['direct']![c]!.toFixed(0)}/s`,
        '',
      ]);
    }
    results['throughputPerSecond'] = throughput;
    http.kill('SIGTERM');

    // 5. Memory of a fresh stdio server
    const m = await raw(vault);
    await m.request('tools/list');
    const pid = m.child.pid ?? 0;
    const rssStart = rssMb(pid);
    await timed(10_000, 8, () => m.request('tools/call', readArgs));
    const rss10k = rssMb(pid);
    await timed(10_000, 8, () => m.request('tools/call', readArgs));
    const rss20k = rssMb(pid);
    const growth = ((rss20k - rss10k) / rss10k) * 100;
    results['rssMb'] = {
      afterStart: rssStart,
      after10k: rss10k,
      after20k: rss20k,
      growth10kTo20kPercent: growth,
    };
    rows.push([
      'RSS after start-up / 10,000 / 20,000 calls',
      `${rssStart.toFixed(1)} / ${rss10k.toFixed(1)} / ${rss20k.toFixed(1)} MB`,
      'target < 90 MB',
    ]);
    rows.push(['RSS growth 10,000 -> 20,000 calls', `${growth.toFixed(1)} %`, 'target < 5 %']);
    await m.close();
    await s.close();
    await agent.close();

    // 6. Completing a KV path on a mount of 2,000 secrets (one LIST of 2,000 keys per request)
    await vaultRequest(vault, 'POST', 'sys/mounts/bench-complete', {
      type: 'kv',
      options: { version: '2' },
    });
    const names = Array.from({ length: 2000 }, (_, i) => `app/s${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50)
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((name) =>
            vaultRequest(vault, 'POST', `bench-complete/data/${name}`, { data: { k: 'v' } }),
          ),
      );
    const c = await raw(vault);
    const completeArgs = {
      ref: { type: 'ref/resource', uri: 'vault://kv/{mount}/{+path}' },
      argument: { name: 'path', value: 'app/s1' },
      context: { arguments: { mount: 'bench-complete' } },
    };
    await timed(20, 1, () => c.request('completion/complete', completeArgs));
    const completion = await timed(200, 1, () => c.request('completion/complete', completeArgs));
    results['completionMs'] = {
      secrets: 2000,
      p50: median(completion.latencies),
      p99: percentile(completion.latencies, 99),
    };
    rows.push([
      'completion/complete of a KV path, mount of 2,000 secrets (p50 / p99)',
      `${median(completion.latencies).toFixed(2)} / ${percentile(completion.latencies, 99).toFixed(2)} ms`,
      'bounded at 2 s',
    ]);
    await c.close();

    // 7. make generate on the full HashiCorp document
    const out = join(repoRoot, '.tmp', 'bench-generate');
    const generateTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      rmSync(out, { recursive: true, force: true });
      const t = process.hrtime.bigint();
      execFileSync(
        join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [
          join(repoRoot, 'codegen', 'main.ts'),
          '--spec',
          join(repoRoot, '..', 'shared', 'vault-openapi', 'vault-2.1.0.json'),
          '--out',
          out,
        ],
        { stdio: 'ignore' },
      );
      generateTimes.push(ms(t));
    }
    rmSync(out, { recursive: true, force: true });
    results['generateMs'] = { median: median(generateTimes), all: generateTimes };
    rows.push([
      'make generate, HashiCorp Vault 2.1 document (median of 3)',
      `${(median(generateTimes) / 1000).toFixed(2)} s`,
      'target < 15 s',
    ]);
  } finally {
    await vault.stop();
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(`\nvault-mcp bench (${process.version}, ${new Date().toISOString()})\n\n`);
  for (const [name, value, target] of rows)
    process.stdout.write(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}\n`);
  writeFileSync(join(repoRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write('\nwritten to bench/results.json\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `make bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
