/**
 * What the server sends on its own: log records (`notifications/message`, the stderr events,
 * redacted the same way, filtered by logging/setLevel), progress of a long audit, prompt stop on
 * cancellation, and `notifications/tools/list_changed` when capability verdicts change.
 */
import { Writable } from 'node:stream';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, teeLogger, type LogRecord } from '../../src/log.js';
import { logDataForClient } from '../../src/server/server.js';
import { connect, type McpHarness } from '../support/mcp.js';
import { adminRequest, countingFetch, mountEngine, scopedToken, unique } from '../support/vault.js';

/** Resolves when `check` holds (polled), or fails after `ms`. */
async function eventually(check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('log notifications', () => {
  it('the session logger writes what stderr gets and forwards the same redacted record', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const records: LogRecord[] = [];
    const log = teeLogger(createLogger('info', sink), (r) => records.push(r));
    log.info({ token: 'hvs.secret-token', data: { password: 'pw' }, tool: 'x' }, 'hello');
    log.debug('below the level');
    expect(lines).toHaveLength(1);
    expect(records).toHaveLength(1);
    const stderr = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(records[0]?.level).toBe('info');
    expect(records[0]?.data).toEqual({ ...stderr, pid: undefined });
    expect(records[0]?.data).toMatchObject({
      token: '[redacted]',
      data: '[redacted]',
      tool: 'x',
      msg: 'hello',
    });
    expect(JSON.stringify(records)).not.toMatch(/hvs\.secret-token|"pw"/);
  });

  it('reach the client at the level it sets with logging/setLevel', async () => {
    const mount = await mountEngine('logs', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { k: 'log-value' } });
    const received: Array<LoggingMessageNotification['params']> = [];
    const mcp = await connect(
      {},
      {
        setup: (client) =>
          client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
            received.push(n.params);
          }),
      },
    );
    expect(mcp.client.getServerCapabilities()?.logging).toEqual({});
    await mcp.client.setLoggingLevel('debug');
    await mcp.ok('read_secret', { mount, path: 'app' });
    await eventually(() =>
      received.some((r) => (r.data as { tool?: string }).tool === 'read_secret'),
    );
    const call = received.find((r) => (r.data as { msg?: string }).msg === 'tool call');
    expect(call).toMatchObject({
      level: 'debug',
      logger: 'vault-mcp',
      data: { tool: 'read_secret' },
    });
    await mcp.client.setLoggingLevel('error');
    const before = received.length;
    await mcp.ok('read_secret', { mount, path: 'app' });
    await mcp.fails('read_secret', { mount, path: 'missing' }); // logged at info: filtered
    await mcp.client.setLoggingLevel('info');
    await mcp.fails('read_secret', { mount, path: 'missing-2' });
    await eventually(() => received.length > before);
    expect(received.slice(before).map((r) => [r.level, (r.data as { msg?: string }).msg])).toEqual([
      ['info', 'tool call failed'],
    ]);
    expect(JSON.stringify(received)).not.toContain('log-value');
    await mcp.close();
  });
});

describe('progress and cancellation of a 2,000-secret audit', () => {
  let mount = '';
  beforeAll(async () => {
    mount = await mountEngine('big', 'kv-v2');
    const names = Array.from({ length: 2000 }, (_, i) => `app/s${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50)
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((name) => adminRequest('POST', `${mount}/data/${name}`, { data: { k: 'v' } })),
      );
  }, 300_000);

  it('reports progress up to the total when the request carries a progress token', async () => {
    const mcp = await connect();
    const progress: Progress[] = [];
    const result = await mcp.client.callTool(
      { name: 'audit_secrets', arguments: { mount, max_secrets: 5000 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 300_000 },
    );
    expect((result.structuredContent as { secrets: unknown[] }).secrets).toHaveLength(2000);
    expect(progress.length).toBeGreaterThan(2);
    // Two folders (the top and app/), then 2,000 secrets read: 2,002 units in all.
    expect(progress.at(-1)).toEqual({
      progress: 2002,
      total: 2002,
      message: 'read the metadata of 2000 of 2000 secrets',
    });
    const steps = progress.map((p) => p.progress);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    await mcp.close();
  }, 300_000);

  it('stops promptly on notifications/cancelled: no further Vault reads beyond those in flight', async () => {
    const counting = countingFetch();
    const mcp = await connect({}, { fetch: counting.fetch });
    await mcp.ready;
    const controller = new AbortController();
    let atCancel = -1;
    const call = mcp.client.callTool(
      { name: 'audit_secrets', arguments: { mount, max_secrets: 5000 } },
      undefined,
      {
        signal: controller.signal,
        timeout: 300_000,
        onprogress: (p) => {
          // Cancel once the secrets are being read (the total is known then).
          if (p.total !== undefined && atCancel < 0) {
            atCancel = counting.requests.length;
            controller.abort('the user pressed stop');
          }
        },
      },
    );
    await expect(call).rejects.toThrow();
    // Wait until the server has stopped (no new request for a while), however slow the machine.
    let seen = -1;
    await eventually(() => {
      const done = mcp.logs.some((l) => l.includes('"msg":"tool call cancelled"'));
      const settled = done && seen === counting.requests.length;
      seen = counting.requests.length;
      return settled;
    }, 120_000);
    // At most the 8 workers' reads in flight (metadata and subkeys each) after the cancel.
    expect(counting.requests.length - atCancel).toBeLessThanOrEqual(16);
    expect(counting.requests.filter((r) => r.includes('/metadata/app/s')).length).toBeLessThan(
      2000,
    );
    await mcp.close();
  }, 300_000);
});

describe('tools/list_changed', () => {
  it('is declared, and sent when a new mount changes what the token may use (VAULT_MCP_HIDE_UNAUTHORIZED)', async () => {
    // The token sees one KV mount where it may only list, so read_secret is hidden; it may create
    // a second one where it may read.
    const listOnly = await mountEngine('lc-list', 'kv-v2');
    const path = unique('lc');
    const token = await scopedToken(
      [
        `path "${listOnly}/metadata/*" { capabilities = ["list"] }`,
        // create_mount is probed on the visible mounts.
        `path "sys/mounts/${listOnly}" { capabilities = ["create", "read", "update", "sudo"] }`,
        `path "sys/mounts/${path}" { capabilities = ["create", "read", "update", "delete", "sudo"] }`,
        `path "${path}/*" { capabilities = ["create", "read", "update", "delete", "list", "patch"] }`,
      ].join('\n'),
    );
    let changes = 0;
    const mcp: McpHarness = await connect(
      { VAULT_TOKEN: token, VAULT_MCP_HIDE_UNAUTHORIZED: 'true' },
      {
        setup: (client) =>
          client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
            changes++;
          }),
      },
    );
    expect(mcp.client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
    const before = (await mcp.client.listTools()).tools.map((t) => t.name);
    expect(before).not.toContain('read_secret');
    await mcp.ok('create_mount', { type: 'kv-v2', path });
    await eventually(() => changes === 1);
    const after = (await mcp.client.listTools()).tools.map((t) => t.name);
    expect(after).toContain('read_secret');
    // A call that changes no verdict sends nothing.
    await mcp.ok('list_mounts');
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toBe(1);
    await mcp.close();
  });
});

describe('log records for the client', () => {
  it('carry no stack trace and no token, whatever the record holds', () => {
    const token = 'hvs.CAES-log-token-0123456789';
    const error = new TypeError(`Headers.set: "${token}" is an invalid header value`);
    const data = {
      level: 50,
      msg: 'unexpected error in tool',
      err: { type: 'TypeError', message: error.message, stack: error.stack },
    };
    expect(
      logDataForClient(data, {
        keys: true,
        token: (text) => text.split(token).join('<token withheld>'),
      }),
    ).toEqual({
      level: 50,
      msg: 'unexpected error in tool',
      err: {
        type: 'TypeError',
        message: 'Headers.set: "<token withheld>" is an invalid header value',
      },
    });
  });
});
