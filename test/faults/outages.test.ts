/**
 * Faults a real OpenBao produces when the test stops, restarts and slows it: vault-mcp reports
 * them clearly and recovers without a restart. The slow Vault is a delaying proxy in front of a
 * real one (fault injection a real server cannot do on demand).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortPair, startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import { connect } from '../support/mcp.js';
import { devServer } from '../support/vault.js';
import { forward } from '../support/proxy.js';

const TOKEN = 'root-outage-test-token';

describe('Vault down and back', () => {
  let server: DevServer | undefined;
  afterAll(() => server?.stop());

  it('at start-up, mid-session and back again: clear errors, then success without restarting vault-mcp', async () => {
    const port = await freePortPair();
    const address = `http://127.0.0.1:${port}`;
    const mcp = await connect({ VAULT_ADDR: address, VAULT_TOKEN: TOKEN, VAULT_MAX_RETRIES: '0' });
    const down = `cannot reach Vault at ${address}: connect ECONNREFUSED 127.0.0.1:${port}. Check VAULT_ADDR and that Vault is running and reachable; nothing was changed.`;
    expect(await mcp.fails('list_mounts')).toBe(down);

    server = await startDevServer({ port, token: TOKEN });
    expect(await mcp.ok<{ mounts: Array<{ path: string }> }>('list_mounts')).toMatchObject({
      mounts: expect.arrayContaining([expect.objectContaining({ path: 'secret' })]),
    });
    expect(
      await mcp.ok('write_secret', { mount: 'secret', path: 'app', key: 'k', value: 'v' }),
    ).toMatchObject({ version: 1 });

    await server.stop();
    expect(await mcp.fails('read_secret', { mount: 'secret', path: 'app' })).toBe(down);

    server = await startDevServer({ port, token: TOKEN });
    // A new dev server is empty: the read works and says so.
    expect(await mcp.fails('read_secret', { mount: 'secret', path: 'app' })).toBe(
      'no secret at secret/app: nothing was ever written there. list_secrets on the folder shows what exists.',
    );
    expect(await mcp.ok('list_secrets', { mount: 'secret' })).toEqual({
      mount: 'secret',
      path: '',
      kv_version: 2,
      keys: [],
    });
    await mcp.close();
  });
});

/** A proxy to the shared dev server that can delay answers or fail GETs with 502. */
function faultyProxy(): Promise<{
  address: string;
  set(options: { delayMs?: number; failGets?: number }): void;
  counts: Record<string, number>;
  close(): Promise<void>;
}> {
  const target = new URL(devServer().address);
  let delayMs = 0;
  let failGets = 0;
  const counts: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const proxy: Server = createServer((req, res) => {
    counts[req.method ?? '?'] = (counts[req.method ?? '?'] ?? 0) + 1;
    if (req.method === 'GET' && failGets > 0) {
      failGets--;
      res
        .writeHead(502, { 'Content-Type': 'application/json' })
        .end('{"errors":["upstream unavailable"]}');
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      forward(req, res, target);
    }, delayMs);
    timers.add(timer);
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () =>
      resolve({
        address: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        set: (options) => {
          delayMs = options.delayMs ?? 0;
          failGets = options.failGets ?? 0;
        },
        counts,
        close: () => {
          for (const timer of timers) clearTimeout(timer);
          proxy.closeAllConnections();
          return new Promise<void>((r) => proxy.close(() => r()));
        },
      }),
    ),
  );
}

describe('a slow or flaky Vault', () => {
  it('VAULT_MCP_TIMEOUT_S bounds each call; the process carries on', async () => {
    const proxy = await faultyProxy();
    const mcp = await connect({
      VAULT_ADDR: proxy.address,
      VAULT_MCP_TIMEOUT_S: '1',
      VAULT_MAX_RETRIES: '0',
    });
    await mcp.ready;
    // Held far beyond any test's time: only the 1 s timeout can end the call (no clock is read).
    proxy.set({ delayMs: 600_000 });
    expect(await mcp.fails('list_mounts')).toBe(
      `Vault at ${proxy.address} did not answer GET /v1/sys/internal/ui/mounts within 1 s (VAULT_MCP_TIMEOUT_S). The request may or may not have been applied; check before retrying a write.`,
    );
    proxy.set({ delayMs: 0 });
    expect(await mcp.ok('list_mounts')).toMatchObject({ mounts: expect.any(Array) });
    await mcp.close();
    await proxy.close();
  });

  it('the capability probe behind tools/list is not retried, and a failed one is asked again next time', async () => {
    const proxy = await faultyProxy();
    const mcp = await connect({ VAULT_ADDR: proxy.address, VAULT_MAX_RETRIES: '2' });
    await mcp.ready;
    const gets = (): number => proxy.counts['GET'] ?? 0;
    const posts = (): number => proxy.counts['POST'] ?? 0;
    const before = { get: gets(), post: posts() };
    proxy.set({ failGets: 1 });
    const first = await mcp.client.listTools();
    expect(first.tools.length).toBeGreaterThan(30);
    // One GET of sys/internal/ui/mounts (502, no retry); capabilities-self is not reached.
    expect({ get: gets() - before.get, post: posts() - before.post }).toEqual({ get: 1, post: 0 });
    await mcp.client.listTools();
    // Not cached: ui/mounts again, then capabilities-self.
    expect({ get: gets() - before.get, post: posts() - before.post }).toEqual({ get: 2, post: 1 });
    await mcp.close();
    await proxy.close();
  });

  it('retries idempotent reads after 502, at most VAULT_MAX_RETRIES times', async () => {
    const proxy = await faultyProxy();
    const mcp = await connect({ VAULT_ADDR: proxy.address, VAULT_MAX_RETRIES: '2' });
    await mcp.ready;
    proxy.set({ failGets: 2 });
    expect(await mcp.ok('list_mounts')).toMatchObject({ mounts: expect.any(Array) });
    expect(proxy.counts['GET']).toBeGreaterThanOrEqual(3);
    proxy.set({ failGets: 3 });
    expect(await mcp.fails('list_mounts')).toBe(
      'Vault failed on GET /v1/sys/internal/ui/mounts (502: upstream unavailable).',
    );
    await mcp.close();
    await proxy.close();
  });

  it('never retries a write answered 502', async () => {
    // A stand-in Vault that knows one KV v2 mount and answers every write 502.
    let writes = 0;
    const failingWrite = createServer((req, res) => {
      if (req.method === 'POST') writes++;
      if (req.url?.startsWith('/v1/sys/internal/ui/mounts/')) {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ data: { path: 'secret/', type: 'kv', options: { version: '2' } } }),
          );
        return;
      }
      res.writeHead(502, { 'Content-Type': 'application/json' }).end('{"errors":["bad gateway"]}');
    });
    await new Promise<void>((r) => failingWrite.listen(0, '127.0.0.1', () => r()));
    const writer = await connect({
      VAULT_ADDR: `http://127.0.0.1:${(failingWrite.address() as AddressInfo).port}`,
      VAULT_MAX_RETRIES: '2',
    });
    await writer.ready;
    expect(
      await writer.fails('write_secret', { mount: 'secret', path: 'x', data: { a: '1' } }),
    ).toMatch(/^Vault failed on POST \/v1\/secret\/data\/x \(502: bad gateway\)\.$/);
    expect(writes).toBe(1);
    await writer.close();
    await new Promise<void>((r) => failingWrite.close(() => r()));
  });
});

describe('something that is not Vault', () => {
  it('an address answering 200 with a web page is named as such, not as "cannot reach"', async () => {
    // Fault injection: a real Vault never answers 200 with HTML.
    const page = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>login</html>');
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', () => r()));
    const address = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    const mcp = await connect({ VAULT_ADDR: address, VAULT_MAX_RETRIES: '0' });
    expect(await mcp.fails('list_mounts')).toBe(
      `Vault at ${address} answered GET /v1/sys/internal/ui/mounts with a body that is not JSON (Unexpected token '<', "<html>login</html>" is not valid JSON): is VAULT_ADDR really Vault, not a proxy or web page? A write may have been applied; check before retrying it.`,
    );
    await mcp.close();
    await new Promise<void>((r) => page.close(() => r()));
  });
});
