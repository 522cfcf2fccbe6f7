/**
 * Real parts for the multi-replica tests and bench: a redis-server on a free loopback port (the
 * binary `make setup` installs), `vault-mcp http` replicas started from dist/, and a round-robin
 * proxy over node:http that can stop routing to a replica.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cliPath, freePort } from '../../scripts/lib/openbao.js';

/** A running redis-server; stop() and start() again keep its port. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The redis-server binary: REDIS_SERVER, else the one on PATH. */
export const redisBinary = process.env['REDIS_SERVER'] ?? 'redis-server';

/**
 * Start redis-server on a free loopback port, without persistence. `args` are added to its
 * command line (e.g. ACL users, TLS); with `tls`, the port is the TLS port and plain TCP is off.
 * @throws Error when it does not say "Ready to accept connections" within 20 s.
 */
export async function startRedis(args: readonly string[] = [], tls = false): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const portArgs = tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
      const proc = spawn(
        redisBinary,
        [...portArgs, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${out}`)),
        20_000,
      );
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${redisBinary} (make setup installs it): ${error.message}`));
      });
    });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
    start,
  };
}

/** A `vault-mcp http` process from dist/. */
export interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Start `vault-mcp http` with `env` (PATH and HOME added, TRANSPORT_PORT=0 unless given).
 * @throws Error when it exits before printing its URL.
 */
export function startReplica(env: Record<string, string>): Promise<Replica> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'http'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', TRANSPORT_PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const onExit = (code: number | null) =>
      reject(new Error(`vault-mcp http exited with ${code}: ${stderr}`));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /"url":"([^"]+)"/.exec(stderr);
      if (match?.[1]) {
        child.off('exit', onExit);
        resolve({
          url: match[1],
          child,
          stderr: () => stderr,
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', onExit);
  });
}

/** Wait until `url`'s /readyz answers `status` (up to 30 s). */
export async function untilReady(url: string, status = 200): Promise<void> {
  const readyz = url.replace(/\/mcp$/, '/readyz');
  for (let i = 0; i < 300; i++) {
    const answer = await fetch(readyz).catch(() => undefined);
    if (answer?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${readyz} never answered ${status}`);
}

/** A round-robin HTTP proxy in front of replicas. */
export interface Proxy {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  /** Requests sent to each target (by replica URL). */
  readonly served: Map<string, number>;
  /** Stop routing to `target` (a replica URL). */
  remove(target: string): void;
  close(): Promise<void>;
}

/** Start a proxy sending each request to the next of `targets` (replica URLs) in turn. */
export async function roundRobinProxy(targets: readonly string[]): Promise<Proxy> {
  const live = [...targets];
  const served = new Map<string, number>(targets.map((t) => [t, 0]));
  let next = 0;
  const server: Server = createServer((req, res) => {
    const target = live[next++ % live.length];
    if (!target) {
      res.writeHead(502).end();
      return;
    }
    served.set(target, (served.get(target) ?? 0) + 1);
    const to = new URL(target);
    const upstream = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    served,
    remove: (target) => {
      const at = live.indexOf(target);
      if (at >= 0) live.splice(at, 1);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
