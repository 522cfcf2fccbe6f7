/**
 * `make bench`, side by side (BENCH_ONLY=compare): vault-mcp next to
 *   - the floor, bench/floor-server.mjs: the least a server built on the official MCP SDK does for
 *     one read (one tool, one keep-alive GET, no guards); what no SDK-based server can go below;
 *   - HashiCorp's Go server (hashicorp/vault-mcp-server), when BENCH_REFERENCE names its binary
 *     (the Go module proxy does not serve it; build it from its source with `go build
 *     ./cmd/vault-mcp-server`);
 *   - another build of vault-mcp, when BENCH_AB names its bundle (an A/B in the same rounds).
 * One OpenBao dev server, one non-root token, rate limits on (LIMITS_ON: out of reach), raw
 * JSON-RPC clients; CPU in interleaved rounds (medians), divided by OpenBao's CPU per direct GET
 * of the same secret.
 * Numbers, never a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import { freePort, repoRoot, type DevServer } from '../scripts/lib/openbao.js';
import {
  cpuPerCall,
  LIMITS_ON,
  median,
  msSince,
  nodeLaunch,
  RawHttp,
  RawStdio,
  rssMib,
  succeeded,
  timed,
  type Launch,
} from './lib.js';

/** One server in the comparison: how to start it over stdio and over HTTP on a port. */
export interface Contender {
  readonly name: string;
  readonly stdio: Launch;
  readonly http: (port: number) => Launch;
  /** Settings beyond VAULT_ADDR and VAULT_TOKEN (rate limits, session caps raised). */
  readonly env: Record<string, string>;
}

/** What the comparison runs against: the dev server, a token and a direct GET of the secret. */
export interface Ground {
  readonly vault: DevServer;
  readonly token: string;
  readonly direct: () => Promise<void>;
}

const ROUNDS = 3;
const CALLS = 3000;
const CONCURRENCY = 8;
const READ = { name: 'read_secret', arguments: { mount: 'secret', path: 'bench/db' } };

/** vault-mcp (`cli`), the floor, and the Go reference when BENCH_REFERENCE is set. */
export function contenders(cli: string): Contender[] {
  const floor = join(repoRoot, 'bench', 'floor-server.mjs');
  const ours = (name: string, bundle: string): Contender => ({
    name,
    stdio: nodeLaunch(bundle),
    http: (port) => nodeLaunch(bundle, 'http', '--port', String(port)),
    env: {
      MCP_RATE_LIMIT_GLOBAL: LIMITS_ON,
      MCP_RATE_LIMIT_SESSION: LIMITS_ON,
      MCP_MAX_SESSIONS: '200',
      MCP_MAX_SESSIONS_PER_CALLER: '100',
      LOG_LEVEL: 'warn',
    },
  });
  // BENCH_AB=<another build's dist/bin/vault-mcp.mjs>: that build in the same interleaved rounds.
  const other = process.env['BENCH_AB'];
  const list: Contender[] = [
    ours('vault-mcp', cli),
    ...(other ? [ours('vault-mcp (BENCH_AB)', other)] : []),
    {
      name: 'floor (SDK, one tool)',
      stdio: nodeLaunch(floor),
      http: (port) => nodeLaunch(floor, 'http', '--port', String(port)),
      env: {},
    },
  ];
  const reference = process.env['BENCH_REFERENCE'];
  if (reference)
    list.push({
      name: 'Go reference',
      stdio: { command: reference, args: ['stdio'] },
      http: (port) => ({
        command: reference,
        args: [
          'streamable-http',
          '--transport-host',
          '127.0.0.1',
          '--transport-port',
          String(port),
        ],
      }),
      env: { MCP_RATE_LIMIT_GLOBAL: LIMITS_ON, MCP_RATE_LIMIT_SESSION: LIMITS_ON },
    });
  return list;
}

function envOf(ground: Ground, contender: Contender): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    VAULT_ADDR: ground.vault.address,
    VAULT_TOKEN: ground.token,
    ...contender.env,
  };
}

/** A contender over HTTP: its process, a keep-alive pool and `sessions` initialized clients. */
interface HttpRun {
  readonly child: ChildProcess;
  readonly pool: Pool;
  readonly clients: RawHttp[];
}

/** Starts `contender` over HTTP and opens `sessions` sessions (waits up to 30 s for the port). */
async function startHttp(ground: Ground, contender: Contender, sessions: number): Promise<HttpRun> {
  const port = await freePort();
  const { command, args } = contender.http(port);
  const child = spawn(command, [...args], {
    env: envOf(ground, contender),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, keepAliveTimeout: 30_000 });
  const first = new RawHttp(pool, '/mcp', ground.token);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await first.initialize();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        await pool.close();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const clients = [first];
  while (clients.length < sessions) {
    const client = new RawHttp(pool, '/mcp', ground.token);
    await client.initialize();
    clients.push(client);
  }
  return { child, pool, clients };
}

async function stopHttp(run: HttpRun): Promise<void> {
  await Promise.all(run.clients.map((c) => c.close().catch(() => undefined)));
  await run.pool.close();
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  run.child.kill('SIGTERM');
  // A server that ignores SIGTERM is killed after 10 s.
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One column of the side-by-side table. */
export interface Column {
  readonly name: string;
  readonly figures: Record<string, number>;
}

/** Spawn to the first tools/list answer (ms), and that answer's size (bytes). */
async function coldStart(ground: Ground, contender: Contender): Promise<[number, number]> {
  const t = process.hrtime.bigint();
  const server = new RawStdio(contender.stdio, envOf(ground, contender));
  await server.initialize();
  const answer = await server.request('tools/list');
  const elapsed = msSince(t);
  await server.close();
  if (answer.error) throw new Error(`tools/list failed: ${answer.error.message}`);
  return [elapsed, Buffer.byteLength(JSON.stringify(answer.result))];
}

/** CPU per read (ms) of each contender over stdio and HTTP, interleaved, and OpenBao's per GET. */
async function cpuRounds(
  ground: Ground,
  list: readonly Contender[],
  columns: Column[],
): Promise<number> {
  const bao = ground.vault.process.pid ?? 0;
  const stdio = await Promise.all(
    list.map(async (c) => {
      const server = new RawStdio(c.stdio, envOf(ground, c));
      await server.initialize();
      return server;
    }),
  );
  const http: HttpRun[] = [];
  for (const c of list) http.push(await startHttp(ground, c, CONCURRENCY));
  const viaStdio = (s: RawStdio) => async () => succeeded(await s.request('tools/call', READ));
  const viaHttp = (run: HttpRun) => async (worker: number) =>
    succeeded(await (run.clients[worker] as RawHttp).send('tools/call', READ));
  await timed(500, CONCURRENCY, ground.direct);
  for (let i = 0; i < list.length; i++) {
    await timed(500, CONCURRENCY, viaStdio(stdio[i] as RawStdio));
    await timed(500, CONCURRENCY, viaHttp(http[i] as HttpRun));
  }
  const direct: number[] = [];
  const samples = list.map(() => ({
    stdio: [] as number[],
    http: [] as number[],
    rate: [] as number[],
  }));
  for (let r = 0; r < ROUNDS; r++) {
    direct.push((await cpuPerCall([bao], CALLS, CONCURRENCY, ground.direct)).perCallMs[0] ?? NaN);
    for (let i = 0; i < list.length; i++) {
      const s = stdio[i] as RawStdio;
      const h = http[i] as HttpRun;
      const bucket = samples[i] as (typeof samples)[number];
      const viaS = await cpuPerCall([s.pid], CALLS, CONCURRENCY, viaStdio(s));
      bucket.stdio.push(viaS.perCallMs[0] ?? NaN);
      bucket.rate.push(viaS.perSecond);
      const viaH = await cpuPerCall([h.child.pid ?? 0], CALLS, CONCURRENCY, viaHttp(h));
      bucket.http.push(viaH.perCallMs[0] ?? NaN);
    }
  }
  const perGet = median(direct);
  samples.forEach((bucket, i) => {
    const figures = (columns[i] as Column).figures;
    figures['CPU per read_secret, stdio, 8 concurrent (ms)'] = median(bucket.stdio);
    figures['  stdio / OpenBao CPU per direct GET'] = median(bucket.stdio) / perGet;
    figures['CPU per read_secret, HTTP, 8 sessions (ms)'] = median(bucket.http);
    figures['  HTTP / OpenBao CPU per direct GET'] = median(bucket.http) / perGet;
    figures['read_secret calls/s, stdio, 8 concurrent'] = median(bucket.rate);
  });
  await Promise.all(stdio.map((s) => s.close()));
  for (const run of http) await stopHttp(run);
  return perGet;
}

/** RSS after 10,000 stdio reads, and over HTTP with 40 sessions after 10,000 reads (MiB). */
async function memory(ground: Ground, contender: Contender, column: Column): Promise<void> {
  const stdio = new RawStdio(contender.stdio, envOf(ground, contender));
  await stdio.initialize();
  await timed(10_000, CONCURRENCY, async () => succeeded(await stdio.request('tools/call', READ)));
  column.figures['RSS after 10,000 stdio reads (MiB)'] = rssMib(stdio.pid);
  await stdio.close();
  const http = await startHttp(ground, contender, 40);
  await timed(10_000, 40, async (worker) =>
    succeeded(await (http.clients[worker] as RawHttp).send('tools/call', READ)),
  );
  column.figures['RSS, HTTP, 40 sessions, after 10,000 reads (MiB)'] = rssMib(http.child.pid ?? 0);
  await stopHttp(http);
}

/**
 * Measures every contender and returns the columns of the side-by-side table, vault-mcp first.
 * @throws when a read does not succeed or a server does not start within 30 s.
 */
export async function compare(ground: Ground, cli: string): Promise<Column[]> {
  const list = contenders(cli);
  const columns: Column[] = list.map((c) => ({ name: c.name, figures: {} }));
  const nothing: number[] = [];
  const starts = list.map(() => ({ ms: [] as number[], bytes: 0 }));
  for (let round = 0; round < 7; round++) {
    const t = process.hrtime.bigint();
    await new Promise((resolve) =>
      spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', resolve),
    );
    nothing.push(msSince(t));
    for (let i = 0; i < list.length; i++) {
      const [ms, bytes] = await coldStart(ground, list[i] as Contender);
      const start = starts[i] as (typeof starts)[number];
      start.ms.push(ms);
      start.bytes = bytes;
    }
  }
  starts.forEach((start, i) => {
    const figures = (columns[i] as Column).figures;
    figures['spawn to first tools/list (ms)'] = median(start.ms);
    figures['  / node -e 0'] = median(start.ms) / median(nothing);
    figures['tools/list (KB)'] = start.bytes / 1000;
  });
  await cpuRounds(ground, list, columns);
  for (let i = 0; i < list.length; i++)
    await memory(ground, list[i] as Contender, columns[i] as Column);
  return columns;
}

/** The side-by-side table as text: one row per figure, one column per server. */
export function sideBySide(columns: readonly Column[]): string {
  const rows = Object.keys(columns[0]?.figures ?? {});
  const num = (n: number | undefined): string =>
    n === undefined
      ? ''
      : Math.abs(n) >= 100
        ? n.toFixed(0)
        : Math.abs(n) >= 10
          ? n.toFixed(1)
          : n.toFixed(2);
  const cells = [
    ['', ...columns.map((c) => c.name)],
    ...rows.map((row) => [row, ...columns.map((c) => num(c.figures[row]))]),
  ];
  const widths = (cells[0] as string[]).map((_, i) =>
    Math.max(...cells.map((r) => (r[i] ?? '').length)),
  );
  return cells
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
