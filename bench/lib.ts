/**
 * What `make bench` measures with: raw JSON-RPC clients over stdio and HTTP (they measure the
 * server, not an SDK client's own work), process CPU and RSS from /proc, and a timing loop.
 * Numbers, never a test.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Pool } from 'undici';

/**
 * Rate limits as the bench runs every server: on (the issue measures with them on, so their cost
 * counts), at a rate ("rps:burst", vault-mcp's and the Go server's syntax) no bench run reaches.
 */
export const LIMITS_ON = '1000000:1000000';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The p-th percentile (0–100) of `values`, NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The median of `values`. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** CPU time (user + system) the process `pid` has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** Resident set size of the process `pid`, in MiB. */
export function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * Runs `call` `n` times from `concurrency` workers. Returns every latency (ms) and calls per
 * second over the whole run.
 */
export async function timed(
  n: number,
  concurrency: number,
  call: (worker: number) => Promise<unknown>,
): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < n) {
        next++;
        const t = process.hrtime.bigint();
        await call(worker);
        latencies.push(msSince(t));
      }
    }),
  );
  return { latencies, perSecond: (n / msSince(start)) * 1000 };
}

/**
 * CPU milliseconds that each process of `pids` spends per call while `n` calls run from
 * `concurrency` workers.
 */
export async function cpuPerCall(
  pids: readonly number[],
  n: number,
  concurrency: number,
  call: (worker: number) => Promise<unknown>,
): Promise<{ perCallMs: number[]; perSecond: number }> {
  const before = pids.map(cpuMs);
  const { perSecond } = await timed(n, concurrency, call);
  return { perCallMs: pids.map((pid, i) => (cpuMs(pid) - (before[i] ?? 0)) / n), perSecond };
}

/** A JSON-RPC answer: `result` or `error`. */
export interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * The answer of a successful read_secret: a JSON-RPC error or an isError result (a rate-limit
 * refusal, a permission error) would make every figure meaningless, so it stops the bench.
 * @throws Error quoting the answer's first 300 characters.
 */
export function succeeded(answer: RpcAnswer): RpcAnswer {
  const result = answer.result as { isError?: boolean } | undefined;
  if (answer.error || !result || result.isError)
    throw new Error(`read_secret did not succeed: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

const INITIALIZE = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'bench', version: '1' },
};

/** How to start a server process: its executable and arguments. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** `node <cli> ...args`: a Node server launched as the README launches vault-mcp (no shebang flag). */
export function nodeLaunch(cli: string, ...args: string[]): Launch {
  return { command: process.execPath, args: [cli, ...args] };
}

/**
 * vault-mcp over stdio, spawned as the README launches it: `node <cli>`, so no shebang flag
 * applies. Newline-delimited JSON-RPC on the child's stdin/stdout, nothing else.
 */
export class RawStdio {
  readonly child: ChildProcessWithoutNullStreams;
  #next = 1;
  readonly #pending = new Map<number, (message: RpcAnswer) => void>();

  /** `server`: the CLI file `node` runs, or any {@link Launch} (another server to compare). */
  constructor(server: string | Launch, env: Record<string, string>) {
    const { command, args } = typeof server === 'string' ? nodeLaunch(server) : server;
    this.child = spawn(command, [...args], {
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
    }) as unknown as ChildProcessWithoutNullStreams;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as RpcAnswer & { id?: number };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Sends one request and resolves with its answer. */
  request(method: string, params: Record<string, unknown> = {}): Promise<RpcAnswer> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, (message) => {
        this.#pending.delete(id);
        resolve(message);
      });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  /** initialize, then notifications/initialized. */
  async initialize(): Promise<void> {
    await this.request('initialize', INITIALIZE);
    this.child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
    );
  }

  /** Ends stdin and resolves when the process has exited. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

/** The JSON-RPC answer in an HTTP body: plain JSON, or the `data:` line of an SSE stream. */
function answerOf(body: string, contentType: string): RpcAnswer {
  if (!contentType.includes('text/event-stream')) return JSON.parse(body) as RpcAnswer;
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const message = JSON.parse(line.slice(5)) as RpcAnswer & { id?: unknown };
    if (message.id !== undefined) return message;
  }
  throw new Error(`no JSON-RPC answer in the SSE stream: ${body.slice(0, 200)}`);
}

/**
 * One MCP client over streamable HTTP, with raw requests through an undici keep-alive pool: in
 * stateful mode it holds the session id the server gave at initialize.
 */
export class RawHttp {
  #next = 1;
  #session: string | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly path: string,
    private readonly token: string,
  ) {}

  /** POSTs one JSON-RPC message; resolves with the answer (undefined for a notification). */
  async send(method: string, params: Record<string, unknown>, notify = false): Promise<RpcAnswer> {
    const message = notify
      ? { jsonrpc: '2.0', method, params }
      : { jsonrpc: '2.0', id: this.#next++, method, params };
    const response = await this.pool.request({
      method: 'POST',
      path: this.path,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        'x-vault-token': this.token,
        ...(this.#session ? { 'mcp-session-id': this.#session } : {}),
      },
      body: JSON.stringify(message),
    });
    const session = response.headers['mcp-session-id'];
    if (typeof session === 'string') this.#session = session;
    const body = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`HTTP ${response.statusCode}: ${body}`);
    if (notify) return {};
    return answerOf(body, String(response.headers['content-type'] ?? ''));
  }

  /** initialize (which opens the session in stateful mode), then notifications/initialized. */
  async initialize(): Promise<void> {
    await this.send('initialize', INITIALIZE);
    await this.send('notifications/initialized', {}, true);
  }

  /** DELETEs the session (stateful mode). */
  async close(): Promise<void> {
    if (!this.#session) return;
    const response = await this.pool.request({
      method: 'DELETE',
      path: this.path,
      headers: { 'mcp-session-id': this.#session, 'x-vault-token': this.token },
    });
    await response.body.dump();
  }
}

/** One line of the bench's table: what was measured, against what, and the target. */
export interface Figure {
  /** What was measured, in words. */
  name: string;
  /** The measured figure. */
  value: number;
  unit: string;
  /** The same-run baseline the figure is divided by, when the target is a ratio. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value, when there is a baseline. */
  ratio?: number;
  /** The target: a ratio (with a baseline) or an absolute figure (without one). */
  target?: { max: number; of: 'ratio' | 'value' };
  /** Whether the target is met (absent when there is no target). */
  met?: boolean;
}

/** A figure with its ratio and target verdict filled in. */
export function figure(
  name: string,
  value: number,
  unit: string,
  options: { baseline?: Figure['baseline']; target?: Figure['target'] } = {},
): Figure {
  const ratio = options.baseline ? value / options.baseline.value : undefined;
  const checked = options.target?.of === 'ratio' ? ratio : value;
  return {
    name,
    value,
    unit,
    ...(options.baseline && ratio !== undefined ? { baseline: options.baseline, ratio } : {}),
    ...(options.target
      ? { target: options.target, met: checked !== undefined && checked <= options.target.max }
      : {}),
  };
}

/** The table `make bench` prints: figure, baseline, ratio, target, verdict. */
export function table(figures: readonly Figure[]): string {
  const num = (n: number): string =>
    Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
  const rows = figures.map((f) => [
    f.name,
    `${num(f.value)} ${f.unit}`,
    f.baseline ? `${num(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})` : '',
    f.ratio !== undefined ? `${f.ratio.toFixed(2)}x` : '',
    f.target
      ? `${f.target.of === 'ratio' ? '<= ' + String(f.target.max) + 'x' : '<= ' + String(f.target.max) + ' ' + f.unit} ${f.met ? 'met' : 'NOT met'}`
      : '',
  ]);
  const header = ['figure', 'measured', 'same-run baseline', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
