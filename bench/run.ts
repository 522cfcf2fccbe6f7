/**
 * `make bench`: measured numbers, never a test. Against a local OpenBao dev server, with a
 * non-root token and vault-mcp launched as the README does (`node dist/bin/vault-mcp.mjs`, or the
 * build BENCH_CLI names, to compare two builds on one machine):
 *   - CPU per read_secret of vault-mcp over stdio and HTTP, divided by OpenBao's CPU per direct
 *     GET of the same secret in the same run (interleaved rounds, medians)
 *   - cold start: spawn to the first tools/list answer, divided by `node -e 0`; Vault reachable and
 *     unreachable
 *   - RSS after 10,000 and 20,000 stdio calls and with 40 HTTP sessions, next to an idle `node`
 *   - tools/list bytes for the default toolsets, and an estimate of tokens per tool
 *   - what must hold: Vault requests per KV read, p50 overhead over the direct GET, calls/s
 *   - completion latency on a mount of 2,000 secrets; `make generate` on HashiCorp's document
 * Every target prints figure, same-run baseline, ratio and verdict; all go to bench/results.json
 * (BENCH_OUT to write elsewhere; BENCH_ONLY=cpu,cold,memory,context,kept,completion,generate,compare
 * to run some parts only; BENCH_REFERENCE=<binary> adds HashiCorp's Go server to compare).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, Pool, request } from 'undici';
import { forward } from '../test/support/proxy.js';
import { compare, sideBySide } from './compare.js';
import { repoRoot, startDevServer, vaultRequest, type DevServer } from '../scripts/lib/openbao.js';
import {
  cpuPerCall,
  figure,
  LIMITS_ON,
  median,
  msSince,
  percentile,
  RawHttp,
  RawStdio,
  rssMib,
  succeeded,
  table,
  timed,
  type Figure,
} from './lib.js';

const CLI = process.env['BENCH_CLI'] ?? join(repoRoot, 'dist', 'bin', 'vault-mcp.mjs');
const OUT = process.env['BENCH_OUT'] ?? join(repoRoot, 'bench', 'results.json');
const ROUNDS = 3;
const CPU_CALLS = 3000;
const CONCURRENCY = 8;
const READ = { name: 'read_secret', arguments: { mount: 'secret', path: 'bench/db' } };

interface Bench {
  vault: DevServer;
  /** A token with read on the bench secret only. */
  token: string;
  direct: () => Promise<void>;
  agent: Agent;
  figures: Figure[];
  /** Tables printed after the figures (the side-by-side comparison). */
  tables: string[];
  extra: Record<string, unknown>;
}

function stdioEnv(bench: Bench, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    VAULT_ADDR: bench.vault.address,
    VAULT_TOKEN: bench.token,
    LOG_LEVEL: 'warn',
    MCP_RATE_LIMIT_GLOBAL: LIMITS_ON,
    MCP_RATE_LIMIT_SESSION: LIMITS_ON,
    ...env,
  };
}

async function stdioServer(
  bench: Bench,
  env: Record<string, string> = {},
  cli = CLI,
): Promise<RawStdio> {
  const server = new RawStdio(cli, stdioEnv(bench, env));
  await server.initialize();
  return server;
}

/** A secret, a policy that reads it, a token of that policy, and a keep-alive direct GET. */
async function setUp(vault: DevServer): Promise<Bench> {
  await vaultRequest(vault, 'POST', 'secret/data/bench/db', {
    data: { username: 'app', password: 'bench-value' },
  });
  await vaultRequest(vault, 'PUT', 'sys/policies/acl/bench', {
    policy:
      'path "secret/data/bench/*" { capabilities = ["read"] }\n' +
      'path "secret/metadata/bench/*" { capabilities = ["read", "list"] }\n' +
      'path "bench-complete/*" { capabilities = ["read", "list"] }\n' +
      // HashiCorp's Go server (BENCH_ONLY=compare) lists mounts before every read.
      'path "sys/mounts" { capabilities = ["read"] }',
  });
  const created = (await vaultRequest(vault, 'POST', 'auth/token/create', {
    policies: ['bench'],
    ttl: '4h',
  })) as { auth: { client_token: string } };
  const token = created.auth.client_token;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const direct = async (): Promise<void> => {
    const response = await request(`${vault.address}/v1/secret/data/bench/db`, {
      headers: { 'X-Vault-Token': token },
      dispatcher: agent,
    });
    await response.body.json();
  };
  return { vault, token, direct, agent, figures: [], tables: [], extra: {} };
}

/** `vault-mcp http` on a free loopback port; resolves with its pid and MCP URL. */
async function httpServer(
  bench: Bench,
  env: Record<string, string>,
): Promise<{ pid: number; url: URL; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'http', '--port', '0'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: '/nonexistent',
      VAULT_ADDR: bench.vault.address,
      MCP_RATE_LIMIT_GLOBAL: LIMITS_ON,
      MCP_RATE_LIMIT_SESSION: LIMITS_ON,
      MCP_MAX_SESSIONS: '200',
      MCP_MAX_SESSIONS_PER_CALLER: '100',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /"url":"([^"]+)"/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(err)));
  });
  return { pid: child.pid ?? 0, url: new URL(url), stop: () => child.kill('SIGTERM') };
}

async function httpSessions(bench: Bench, pool: Pool, url: URL, n: number): Promise<RawHttp[]> {
  const sessions = Array.from({ length: n }, () => new RawHttp(pool, url.pathname, bench.token));
  for (const session of sessions) await session.initialize();
  return sessions;
}

/** Median over rounds of each process's CPU per call. */
function medians(rounds: number[][]): number[] {
  return (rounds[0] ?? []).map((_, i) => median(rounds.map((r) => r[i] ?? NaN)));
}

/** CPU per read_secret over stdio and over HTTP (stateful and stateless) vs the direct GET. */
async function cpuFigures(bench: Bench): Promise<void> {
  const bao = bench.vault.process.pid ?? 0;
  const stdio = await stdioServer(bench);
  const stateful = await httpServer(bench, {});
  const stateless = await httpServer(bench, { MCP_SESSION_MODE: 'stateless' });
  const pool = new Pool(stateful.url.origin, { connections: 64, keepAliveTimeout: 30_000 });
  const poolLess = new Pool(stateless.url.origin, { connections: 64, keepAliveTimeout: 30_000 });
  const sessions = await httpSessions(bench, pool, stateful.url, CONCURRENCY);
  const lessClients = await httpSessions(bench, poolLess, stateless.url, CONCURRENCY);
  const read = async (): Promise<unknown> => succeeded(await stdio.request('tools/call', READ));
  const viaHttp = (clients: RawHttp[]) => async (worker: number) =>
    succeeded(await (clients[worker] as RawHttp).send('tools/call', READ));
  // Warm-up: JIT, connection pools, caches.
  await timed(500, CONCURRENCY, bench.direct);
  await timed(500, CONCURRENCY, read);
  await timed(500, CONCURRENCY, viaHttp(sessions));
  await timed(500, CONCURRENCY, viaHttp(lessClients));
  const rounds = { direct: [] as number[][], stdio: [] as number[][], http: [] as number[][] };
  const less: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.direct.push((await cpuPerCall([bao], CPU_CALLS, CONCURRENCY, bench.direct)).perCallMs);
    rounds.stdio.push((await cpuPerCall([stdio.pid, bao], CPU_CALLS, CONCURRENCY, read)).perCallMs);
    rounds.http.push(
      (await cpuPerCall([stateful.pid, bao], CPU_CALLS, CONCURRENCY, viaHttp(sessions))).perCallMs,
    );
    less.push(
      (await cpuPerCall([stateless.pid, bao], CPU_CALLS, CONCURRENCY, viaHttp(lessClients)))
        .perCallMs,
    );
  }
  const [baoPerGet = NaN] = medians(rounds.direct);
  const [stdioCpu = NaN, baoPerStdio = NaN] = medians(rounds.stdio);
  const [httpCpu = NaN, baoPerHttp = NaN] = medians(rounds.http);
  const [lessCpu = NaN] = medians(less);
  const baseline = { name: 'OpenBao CPU per direct GET', value: baoPerGet, unit: 'ms' };
  bench.figures.push(
    figure('CPU per read_secret, HTTP stateful, 8 sessions', httpCpu, 'ms', {
      baseline,
      target: { max: 1.0, of: 'ratio' },
    }),
    figure('CPU per read_secret, HTTP stateless, 8 clients', lessCpu, 'ms', { baseline }),
    figure('CPU per read_secret, stdio, 8 concurrent', stdioCpu, 'ms', {
      baseline,
      target: { max: 0.7, of: 'ratio' },
    }),
    figure('  OpenBao CPU per read_secret (stdio / HTTP)', baoPerStdio, 'ms', {
      baseline: {
        name: `HTTP ${baoPerHttp.toFixed(2)} ms; direct GET`,
        value: baoPerGet,
        unit: 'ms',
      },
    }),
  );
  bench.extra['cpuRounds'] = { ...rounds, stateless: less };
  await Promise.all([...sessions, ...lessClients].map((s) => s.close()));
  await pool.close();
  await poolLess.close();
  stateful.stop();
  stateless.stop();
  await stdio.close();
}

/** Spawn to exit of `node -e 0`, in ms. */
async function nodeNothing(): Promise<number> {
  const t = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', () => resolve());
  });
  return msSince(t);
}

/** Spawn to the first tools/list answer, in ms. */
async function coldStart(bench: Bench, env: Record<string, string>): Promise<number> {
  const t = process.hrtime.bigint();
  const server = new RawStdio(CLI, stdioEnv(bench, env));
  await server.initialize();
  const answer = await server.request('tools/list');
  const elapsed = msSince(t);
  if (answer.error) throw new Error(`tools/list failed: ${answer.error.message}`);
  await server.close();
  return elapsed;
}

/** A loopback address where nothing listens. */
async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function coldStartFigures(bench: Bench): Promise<void> {
  const unreachable = { VAULT_ADDR: await closedAddress() };
  const nothing: number[] = [];
  const reachable: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < 12; i++) {
    nothing.push(await nodeNothing());
    reachable.push(await coldStart(bench, {}));
    down.push(await coldStart(bench, unreachable));
  }
  const baseline = { name: 'node -e 0', value: median(nothing), unit: 'ms' };
  bench.figures.push(
    figure('cold start to first tools/list (median of 12)', median(reachable), 'ms', {
      baseline,
      target: { max: 3, of: 'ratio' },
    }),
    figure('  the same with Vault unreachable', median(down), 'ms', {
      baseline,
      target: { max: 3, of: 'ratio' },
    }),
    figure('  unreachable / reachable ("no slower")', median(down) / median(reachable), 'x', {
      target: { max: 1.1, of: 'value' },
    }),
  );
  bench.extra['coldStartMs'] = { nothing, reachable, unreachable: down };
}

/** RSS of an idle `node` process: what any Node server starts from. */
async function idleNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rss = rssMib(child.pid ?? 0);
  child.kill();
  return rss;
}

async function memoryFigures(bench: Bench): Promise<void> {
  const idle = { name: 'idle node', value: await idleNodeRss(), unit: 'MiB' };
  const stdio = await stdioServer(bench);
  await stdio.request('tools/list');
  const afterStart = rssMib(stdio.pid);
  await timed(10_000, CONCURRENCY, async () => succeeded(await stdio.request('tools/call', READ)));
  const after10k = rssMib(stdio.pid);
  await timed(10_000, CONCURRENCY, async () => succeeded(await stdio.request('tools/call', READ)));
  const after20k = rssMib(stdio.pid);
  await stdio.close();

  const http = await httpServer(bench, {});
  const pool = new Pool(http.url.origin, { connections: 64, keepAliveTimeout: 30_000 });
  const sessions = await httpSessions(bench, pool, http.url, 40);
  await timed(10_000, 40, async (worker) =>
    succeeded(await (sessions[worker] as RawHttp).send('tools/call', READ)),
  );
  const http40 = rssMib(http.pid);
  await Promise.all(sessions.map((s) => s.close()));
  await pool.close();
  http.stop();

  bench.figures.push(
    figure('RSS of the stdio server after start-up', afterStart, 'MiB', { baseline: idle }),
    figure('RSS after 10,000 stdio read_secret calls', after10k, 'MiB', {
      baseline: idle,
      target: { max: 60, of: 'value' },
    }),
    figure(
      'RSS growth from 10,000 to 20,000 calls',
      ((after20k - after10k) / after10k) * 100,
      '%',
      {
        target: { max: 5, of: 'value' },
      },
    ),
    figure('RSS of HTTP with 40 sessions after 10,000 reads', http40, 'MiB', {
      baseline: idle,
      target: { max: 90, of: 'value' },
    }),
  );
}

/** tools/list size of the default toolsets, and tokens per tool at about 4 bytes a token. */
async function contextFigures(bench: Bench): Promise<void> {
  const stdio = await stdioServer(bench);
  const answer = await stdio.request('tools/list');
  await stdio.close();
  const tools = (answer.result as { tools: Array<{ name: string }> }).tools;
  const bytes = Buffer.byteLength(JSON.stringify(answer.result));
  const perTool = Object.fromEntries(
    tools.map((tool) => [tool.name, Math.round(Buffer.byteLength(JSON.stringify(tool)) / 4)]),
  );
  bench.figures.push(
    figure(`tools/list bytes, default toolsets (${tools.length} tools)`, bytes / 1000, 'KB', {
      target: { max: 36, of: 'value' },
    }),
    figure('  estimated tokens per tool (bytes / 4), mean', bytes / 4 / tools.length, 'tokens'),
  );
  bench.extra['tokensPerTool'] = perTool;
}

/** A loopback proxy in front of OpenBao that counts the requests under /v1/secret/. */
async function countingProxy(
  vault: DevServer,
): Promise<{ url: string; count: () => number; server: Server }> {
  let count = 0;
  const target = new URL(vault.address);
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/secret/')) count++;
    forward(req, res, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, count: () => count, server };
}

/**
 * Sequential latencies (ms) of `calls`, taken in turn, one call of each per round, after 300
 * warm-up rounds: the machine's state drifts by more than the differences measured (on a shared
 * 2-core VM the same build's p50 overhead moved from 0.6 to 1.2 ms within an hour), and calls
 * taken in turn see the same drift, where blocks of 2,000 calls each did not.
 */
async function interleaved(
  rounds: number,
  calls: ReadonlyArray<() => Promise<unknown>>,
): Promise<number[][]> {
  const latencies = calls.map((): number[] => []);
  for (let round = -300; round < rounds; round++)
    for (const [i, call] of calls.entries()) {
      const start = process.hrtime.bigint();
      await call();
      if (round >= 0) latencies[i]?.push(msSince(start));
    }
  return latencies;
}

/**
 * What must hold: one Vault request per KV read, the p50 overhead (next to the SDK floor's, see
 * bench/floor-server.mjs), and calls/s.
 */
async function keptFigures(bench: Bench): Promise<void> {
  const proxy = await countingProxy(bench.vault);
  const counted = await stdioServer(bench, { VAULT_ADDR: proxy.url });
  await counted.request('tools/call', READ);
  const before = proxy.count();
  for (let i = 0; i < 100; i++) succeeded(await counted.request('tools/call', READ));
  bench.figures.push(
    figure(
      'Vault requests per read_secret (100 calls)',
      (proxy.count() - before) / 100,
      'requests',
      {
        target: { max: 1, of: 'value' },
      },
    ),
  );
  await counted.close();
  proxy.server.close();

  const stdio = await stdioServer(bench);
  const read = async (): Promise<unknown> => succeeded(await stdio.request('tools/call', READ));
  const floor = await stdioServer(bench, {}, join(repoRoot, 'bench', 'floor-server.mjs'));
  const viaFloor = async (): Promise<unknown> => succeeded(await floor.request('tools/call', READ));
  const [viaMcp = [], viaGet = [], viaSdk = []] = await interleaved(2000, [
    read,
    bench.direct,
    viaFloor,
  ]);
  await floor.close();
  bench.figures.push(
    figure('read_secret p50 over stdio, sequential', median(viaMcp), 'ms', {
      baseline: { name: 'direct GET p50', value: median(viaGet), unit: 'ms' },
    }),
    figure('  p50 overhead over the direct GET', median(viaMcp) - median(viaGet), 'ms', {
      target: { max: 0.5, of: 'value' },
    }),
    figure("  the SDK floor's p50 overhead, same calls", median(viaSdk) - median(viaGet), 'ms'),
  );
  bench.extra['readSecretMs'] = {
    stdio: { p50: median(viaMcp), p99: percentile(viaMcp, 99) },
    directGet: { p50: median(viaGet), p99: percentile(viaGet, 99) },
    sdkFloor: { p50: median(viaSdk), p99: percentile(viaSdk, 99) },
  };
  const http = await httpServer(bench, {});
  const pool = new Pool(http.url.origin, { connections: 64, keepAliveTimeout: 30_000 });
  for (const c of [1, 8, 32]) {
    const sessions = await httpSessions(bench, pool, http.url, c);
    const direct = (await timed(3000, c, bench.direct)).perSecond;
    const viaStdio = (await timed(3000, c, read)).perSecond;
    const viaHttp = (
      await timed(3000, c, async (worker) =>
        succeeded(await (sessions[worker] as RawHttp).send('tools/call', READ)),
      )
    ).perSecond;
    const baseline = { name: 'direct GETs/s', value: direct, unit: '/s' };
    bench.figures.push(
      figure(`read_secret calls/s, stdio, ${c} concurrent`, viaStdio, '/s', { baseline }),
      figure(`read_secret calls/s, HTTP, ${c} sessions`, viaHttp, '/s', { baseline }),
    );
    await Promise.all(sessions.map((s) => s.close()));
  }
  await pool.close();
  http.stop();
  await stdio.close();
}

/** completion/complete for a KV path on a mount of 2,000 secrets (one LIST per request). */
async function completionFigures(bench: Bench): Promise<void> {
  await vaultRequest(bench.vault, 'POST', 'sys/mounts/bench-complete', {
    type: 'kv',
    options: { version: '2' },
  });
  const names = Array.from({ length: 2000 }, (_, i) => `app/s${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 50)
    await Promise.all(
      names
        .slice(i, i + 50)
        .map((name) =>
          vaultRequest(bench.vault, 'POST', `bench-complete/data/${name}`, { data: { k: 'v' } }),
        ),
    );
  const stdio = await stdioServer(bench);
  const args = {
    ref: { type: 'ref/resource', uri: 'vault://kv/{mount}/{+path}' },
    argument: { name: 'path', value: 'app/s1' },
    context: { arguments: { mount: 'bench-complete' } },
  };
  await timed(20, 1, () => stdio.request('completion/complete', args));
  const { latencies } = await timed(200, 1, () => stdio.request('completion/complete', args));
  await stdio.close();
  bench.figures.push(
    figure('completion of a KV path, 2,000 secrets, p50', median(latencies), 'ms'),
    figure('  p99', percentile(latencies, 99), 'ms', { target: { max: 2000, of: 'value' } }),
  );
}

/** `make generate` on HashiCorp's full Vault 2.1 document, median of 3. */
function generateFigure(bench: Bench): void {
  const out = join(repoRoot, '.tmp', 'bench-generate');
  const times: number[] = [];
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
    times.push(msSince(t) / 1000);
  }
  rmSync(out, { recursive: true, force: true });
  bench.figures.push(
    figure('make generate, HashiCorp Vault 2.1 document', median(times), 's', {
      target: { max: 15, of: 'value' },
    }),
  );
}

/** vault-mcp next to the floor and the Go reference (see compare.ts): a table of its own. */
async function compareSection(bench: Bench): Promise<void> {
  const columns = await compare(bench, CLI);
  bench.extra['sideBySide'] = columns;
  bench.tables.push(`side by side (same run, medians)\n\n${sideBySide(columns)}`);
}

/** The bench's parts, in the order they run; BENCH_ONLY=cpu,context runs only those. */
const SECTIONS: Record<string, (bench: Bench) => Promise<void> | void> = {
  cpu: cpuFigures,
  cold: coldStartFigures,
  memory: memoryFigures,
  context: contextFigures,
  kept: keptFigures,
  completion: completionFigures,
  generate: generateFigure,
  compare: compareSection,
};
const ONLY = process.env['BENCH_ONLY']?.split(',');

/** The 1-minute load average, to say how quiet the machine was. */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  const vault = await startDevServer();
  const loadBefore = loadAverage();
  const bench = await setUp(vault);
  try {
    for (const [name, section] of Object.entries(SECTIONS))
      if (ONLY === undefined || ONLY.includes(name)) await section(bench);
  } finally {
    await bench.agent.close();
    await vault.stop();
  }
  const header = `vault-mcp bench: ${CLI} (${process.version}, ${new Date().toISOString()}, load average ${loadBefore} before, ${loadAverage()} after)`;
  process.stdout.write(`\n${header}\n\n${table(bench.figures)}\n`);
  for (const text of bench.tables) process.stdout.write(`\n${text}\n`);
  writeFileSync(
    OUT,
    `${JSON.stringify({ cli: CLI, node: process.version, date: new Date().toISOString(), loadBefore, loadAfter: loadAverage(), figures: bench.figures, ...bench.extra }, null, 2)}\n`,
  );
  process.stdout.write(`\nwritten to ${OUT}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `make bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
