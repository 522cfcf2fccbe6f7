/**
 * MCP cancellation (`notifications/cancelled`, sent by the SDK client when its signal aborts)
 * reaches the Vault requests of the call: the reads in flight are destroyed (Vault sees their
 * connections close), no further request is sent, and the call is logged as cancelled. A write
 * already sent runs to its end. Real OpenBao behind a proxy that holds chosen requests mid-answer
 * (a slow Vault on demand, which a real server cannot be).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type McpHarness } from '../support/mcp.js';
import { forward } from '../support/proxy.js';
import { adminRequest, devServer, mountEngine } from '../support/vault.js';
import { eventually } from '../support/wait.js';

/** A request the proxy held: whether its connection has closed, and a way to let it through. */
interface Held {
  readonly url: string;
  closed: boolean;
  release(): void;
}

/**
 * A proxy to the dev server. Requests `hold` picks are held: a read gets its answer's headers and
 * the first bytes of a body, then nothing (stuck mid-answer); a write gets nothing until released.
 */
async function holdingProxy(hold: (req: IncomingMessage) => boolean): Promise<{
  address: string;
  /** `METHOD /v1/path?query` of every request, in arrival order. */
  requests: string[];
  held: Held[];
  close(): Promise<void>;
}> {
  const target = new URL(devServer().address);
  const requests: string[] = [];
  const held: Held[] = [];
  const proxy: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (!hold(req)) return forward(req, res, target);
    const entry: Held = {
      url: req.url ?? '',
      closed: false,
      release: () => forward(req, res, target),
    };
    res.on('close', () => (entry.closed = true));
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data":');
    }
    held.push(entry);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    held,
    close: () => {
      proxy.closeAllConnections();
      return new Promise<void>((r) => proxy.close(() => r()));
    },
  };
}

/** The server's log records with message `msg`. */
function logged(mcp: McpHarness, msg: string): Array<Record<string, unknown>> {
  return mcp.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record['msg'] === msg);
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server behind `proxy` whose Vault timeout no test reaches: only a cancel ends a held read. */
async function connectVia(address: string): Promise<McpHarness> {
  const mcp = await connect({ VAULT_ADDR: address, VAULT_MCP_TIMEOUT_S: '3600' });
  closers.unshift(() => mcp.close());
  await mcp.ready;
  return mcp;
}

/**
 * Calls `name` through the SDK client, waits until the proxy holds `held` requests, then cancels
 * (the SDK sends `notifications/cancelled`). Resolves with how many requests Vault had seen then,
 * once the SDK call has rejected with the reason.
 */
async function callAndCancel(
  mcp: McpHarness,
  proxy: { held: Held[]; requests: string[] },
  call: { name: string; arguments: Record<string, unknown> },
  held: number,
): Promise<number> {
  const controller = new AbortController();
  const pending = mcp.client.callTool(call, undefined, {
    signal: controller.signal,
    timeout: 600_000,
  });
  expect(await eventually(() => proxy.held.length === held, 60_000)).toBe(true);
  const atCancel = proxy.requests.length;
  controller.abort('the user pressed stop');
  await expect(pending).rejects.toThrow('the user pressed stop');
  return atCancel;
}

describe('a cancelled tool call', () => {
  it('read_secret: the read in flight is destroyed mid-answer and nothing more is sent', async () => {
    const mount = await mountEngine('cancel-read', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
    const proxy = await holdingProxy((req) => req.url === `/v1/${mount}/data/app`);
    closers.push(() => proxy.close());
    const mcp = await connectVia(proxy.address);
    const atCancel = await callAndCancel(
      mcp,
      proxy,
      { name: 'read_secret', arguments: { mount, path: 'app' } },
      1,
    );
    expect(await eventually(() => logged(mcp, 'tool call cancelled').length === 1, 60_000)).toBe(
      true,
    );
    expect(logged(mcp, 'tool call cancelled')[0]).toMatchObject({ tool: 'read_secret' });
    expect(proxy.held[0]?.closed).toBe(true);
    expect(proxy.requests.slice(atCancel)).toEqual([]);
    // The pool is whole: the next call reads on a fresh connection.
    expect(
      await mcp.ok('read_secret', { mount, path: 'other' }).catch((e: Error) => e.message),
    ).toBe(
      `read_secret failed: no secret at ${mount}/other: nothing was ever written there. list_secrets on the folder shows what exists.`,
    );
  }, 120_000);

  it('audit_secrets: every worker’s read in flight is destroyed and the walk sends nothing more', async () => {
    const mount = await mountEngine('cancel-audit', 'kv-v2');
    for (let i = 0; i < 20; i++)
      await adminRequest('POST', `${mount}/data/app/s${i}`, { data: { k: 'v' } });
    // The folder lists pass; every secret's metadata read is held.
    const proxy = await holdingProxy(
      (req) => req.url?.startsWith(`/v1/${mount}/metadata/app/s`) === true,
    );
    closers.push(() => proxy.close());
    const mcp = await connectVia(proxy.address);
    // Its 8 workers each wait on one held read.
    const atCancel = await callAndCancel(
      mcp,
      proxy,
      { name: 'audit_secrets', arguments: { mount } },
      8,
    );
    expect(await eventually(() => logged(mcp, 'tool call cancelled').length === 1, 60_000)).toBe(
      true,
    );
    expect(proxy.held.map((h) => h.closed)).toEqual(Array.from({ length: 8 }, () => true));
    expect(proxy.requests.slice(atCancel)).toEqual([]);
  }, 120_000);

  it('a write already sent is not aborted: it is applied and the call runs to its end', async () => {
    const mount = await mountEngine('cancel-write', 'kv-v2');
    const proxy = await holdingProxy(
      (req) => req.method === 'POST' && req.url === `/v1/${mount}/data/app`,
    );
    closers.push(() => proxy.close());
    const mcp = await connectVia(proxy.address);
    await callAndCancel(
      mcp,
      proxy,
      { name: 'write_secret', arguments: { mount, path: 'app', key: 'k', value: 'v' } },
      1,
    );
    proxy.held[0]?.release();
    expect(
      await eventually(
        () => logged(mcp, 'tool call finished after it was cancelled').length === 1,
        60_000,
      ),
    ).toBe(true);
    expect(logged(mcp, 'tool call finished after it was cancelled')[0]).toMatchObject({
      tool: 'write_secret',
      changes: [`POST /v1/${mount}/data/app`],
    });
    expect(await adminRequest('GET', `${mount}/data/app`)).toMatchObject({
      data: { data: { k: 'v' }, metadata: { version: 1 } },
    });
  }, 120_000);
});
