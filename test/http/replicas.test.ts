/**
 * Two `vault-mcp http` replicas sharing a real redis-server, behind a round-robin proxy, against
 * the real OpenBao dev server: limits, session caps and bindings hold across replicas; a killed
 * replica or a Redis outage fail the documented way; Redis holds no token and no secret value.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE } from '../support/mcp.js';
import { adminRequest, devServer, mountEngine, scopedToken, unique } from '../support/vault.js';
import {
  roundRobinProxy,
  startRedis,
  startReplica,
  untilReady,
  type Proxy,
  type RedisServer,
  type Replica,
} from '../support/replicas.js';

const MCP_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'Mcp-Protocol-Version': '2025-06-18',
};

let mount = '';
let tokenA = '';
let tokenB = '';
const secretValue = unique('s3cret-value');
beforeAll(async () => {
  mount = await mountEngine('replicas', 'kv-v2');
  await adminRequest('POST', `${mount}/data/app`, { data: { password: secretValue } });
  const policy = `path "${mount}/*" { capabilities = ["read", "list"] }`;
  tokenA = await scopedToken(policy);
  tokenB = await scopedToken(policy);
});

// Everything a test started, stopped after it whatever happened.
const started: Array<{ stop: () => Promise<void> } | { close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const part of started.splice(0).reverse())
    await ('stop' in part ? part.stop() : part.close());
});
async function redis(args: readonly string[] = [], tls = false): Promise<RedisServer> {
  const server = await startRedis(args, tls);
  started.push(server);
  return server;
}
async function replicas(n: number, env: Record<string, string>): Promise<Replica[]> {
  const list = await Promise.all(
    Array.from({ length: n }, () =>
      startReplica({ VAULT_ADDR: devServer().address, LOG_LEVEL: 'info', ...env }),
    ),
  );
  started.push(...list);
  for (const r of list) await untilReady(r.url);
  return list;
}
async function proxy(targets: readonly Replica[]): Promise<Proxy> {
  const p = await roundRobinProxy(targets.map((t) => t.url));
  started.push(p);
  return p;
}

/** Stateless, with limits whose windows (100,000 s) outlast any test: Redis keeps buckets to scan. */
const LONG_WINDOWS = {
  MCP_SESSION_MODE: 'stateless',
  MCP_RATE_LIMIT_GLOBAL: '0.01:1000',
  MCP_RATE_LIMIT_SESSION: '0.01:1000',
};

/** Wait until `replica` has logged `text` (its stderr arrives through a pipe), up to 30 s. */
async function untilLogged(replica: Replica, text: string): Promise<void> {
  for (let i = 0; i < 300 && !replica.stderr().includes(text); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(replica.stderr()).toContain(text);
}

/** One JSON-RPC POST; the HTTP status, the body and the session id header. */
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{
  status: number;
  body: Record<string, unknown>;
  session: string | null;
  headers: Headers;
}> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  // Stateful sessions answer POSTs with an event stream: the message is its last data line.
  const json = answer.headers.get('content-type')?.startsWith('text/event-stream')
    ? (text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .pop()
        ?.slice(6) ?? '')
    : text;
  return {
    status: answer.status,
    body: (json ? JSON.parse(json) : {}) as Record<string, unknown>,
    session: answer.headers.get('mcp-session-id'),
    headers: answer.headers,
  };
}

/** A read_secret call; 'ok', the isError text, or the HTTP status when not 200. */
async function readSecret(url: string, token: string, session?: string): Promise<string | number> {
  const answer = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'read_secret', arguments: { mount, path: 'app' } },
    },
    { 'X-Vault-Token': token, ...(session ? { 'Mcp-Session-Id': session } : {}) },
  );
  if (answer.status !== 200) return answer.status;
  const result = answer.body['result'] as { isError?: boolean; content: Array<{ text: string }> };
  return result.isError ? (result.content[0]?.text ?? '?') : 'ok';
}

/** Every key and value in Redis, as text. */
/** TLS options of the test's own client, for rediss://. */
type ClientTls = { tls?: { ca: Buffer } };

async function dump(url: string, options: ClientTls): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, ...options });
  await client.connect();
  const out: string[] = [];
  for (const key of await client.keys('*')) {
    const type = await client.type(key);
    const value =
      type === 'string'
        ? [await client.get(key)]
        : type === 'zset'
          ? await client.zrange(key, '0', '-1', 'WITHSCORES')
          : [`(${type})`];
    out.push(`${key} = ${value.join(' ')}`);
  }
  await client.quit();
  return out;
}

/** Redis holds something, and no token and no secret value. */
async function expectNothingSecret(url: string, options: ClientTls = {}): Promise<void> {
  const entries = await dump(url, options);
  expect(entries.length).toBeGreaterThan(0);
  for (const needle of [tokenA, tokenB, devServer().token, secretValue])
    expect(entries.filter((e) => e.includes(needle))).toEqual([]);
}

describe('replicas sharing Redis', () => {
  it('the global limit holds across replicas: 5 calls with limit 4 give exactly one rate-limit answer', async () => {
    const shared = await redis();
    // A burst of 4 per 400 s window: any machine hits it.
    const [a, b] = await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_SESSION_MODE: 'stateless',
      MCP_RATE_LIMIT_GLOBAL: '0.01:4',
      MCP_RATE_LIMIT_SESSION: 'off',
    });
    const front = await proxy([a as Replica, b as Replica]);
    const outcomes: Array<string | number> = [];
    for (let i = 0; i < 5; i++) outcomes.push(await readSecret(front.url, tokenA));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(4);
    expect(outcomes[4]).toMatch(
      /^rate limit reached: read_secret was not run \(server-wide limit 0\.01 calls\/s, burst 4\)\. Retry in \d+\.\d s\.$/,
    );
    expect([...front.served.values()]).toEqual([3, 2]);
    await expectNothingSecret(shared.url);
  });

  it('a per-caller session cap of 2 holds across replicas; a session id sent with another token to the other replica gets 403', async () => {
    const shared = await redis();
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_MAX_SESSIONS_PER_CALLER: '2',
      MCP_RATE_LIMIT_GLOBAL: 'off',
      MCP_RATE_LIMIT_SESSION: 'off',
    })) as [Replica, Replica];
    const open = async (r: Replica) =>
      (await post(r.url, INITIALIZE, { 'X-Vault-Token': tokenA })).session ?? '';
    const s1 = await open(a);
    const s2 = await open(b);
    const s3 = await open(b); // the caller's third: s1, on the other replica, is closed
    // A replica re-checks its sessions' bindings at least every 2 s.
    await new Promise((r) => setTimeout(r, 2_500));
    expect([
      await readSecret(a.url, tokenA, s1),
      await readSecret(b.url, tokenA, s2),
      await readSecret(b.url, tokenA, s3),
    ]).toEqual([404, 'ok', 'ok']);
    const ping = async (token: string): Promise<[number, string]> => {
      const answer = await post(
        a.url,
        { jsonrpc: '2.0', id: 3, method: 'ping' },
        { 'X-Vault-Token': token, 'Mcp-Session-Id': s2 },
      );
      return [answer.status, (answer.body['error'] as { message: string }).message];
    };
    expect(await ping(tokenB)).toEqual([403, 'this session belongs to another Vault token']);
    expect(await ping(tokenA)).toEqual([
      404,
      'this session is held by another replica (stateful mode wants sticky routing): initialize a new one',
    ]);
    await expectNothingSecret(shared.url);
  });

  it('stateless: a replica SIGKILLed mid-load loses no call once the proxy stops routing to it', async () => {
    const shared = await redis();
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_SESSION_MODE: 'stateless',
      // Limits no run reaches, in windows (100 s) that outlast the test, so Redis holds buckets to scan.
      MCP_RATE_LIMIT_GLOBAL: '1000:100000',
      MCP_RATE_LIMIT_SESSION: '1000:100000',
      // Values pass through the replicas: they must still not reach Redis.
      VAULT_MCP_REVEAL_SECRETS: 'true',
    })) as [Replica, Replica];
    const front = await proxy([a, b]);
    let phase: 'before' | 'after' = 'before';
    const outcomes = { before: [] as Array<string | number>, after: [] as Array<string | number> };
    const worker = async () => {
      while (outcomes.after.length < 40) {
        const at = phase;
        outcomes[at].push(await readSecret(front.url, tokenA));
        if (at === 'before' && outcomes.before.length >= 20 && phase === 'before') {
          b.child.kill('SIGKILL');
          front.remove(b.url);
          phase = 'after';
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(outcomes.after.filter((o) => o !== 'ok')).toEqual([]);
    expect(outcomes.after.length).toBeGreaterThanOrEqual(40);
    expect(b.child.signalCode).toBe('SIGKILL');
    expect(await readSecret(a.url, tokenA)).toBe('ok');
    await expectNothingSecret(shared.url);
  });

  it('Redis stopped and restarted mid-run: 503 with Retry-After and /readyz not ready, then recovery without a restart', async () => {
    const shared = await redis();
    const [a] = (await replicas(1, { MCP_REDIS_URL: shared.url, ...LONG_WINDOWS })) as [Replica];
    expect(await readSecret(a.url, tokenA)).toBe('ok');
    await shared.stop();
    await untilReady(a.url, 503);
    const readyz = await fetch(a.url.replace(/\/mcp$/, '/readyz'));
    expect([readyz.status, await readyz.json()]).toEqual([
      503,
      { status: 'not ready', redis: 'unreachable' },
    ]);
    const refused = await post(
      a.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'X-Vault-Token': tokenA },
    );
    expect([refused.status, refused.headers.get('retry-after'), refused.body]).toEqual([
      503,
      '1',
      {
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message:
            'the shared rate limits and sessions (Redis, MCP_REDIS_URL) cannot be reached: requests are refused until it answers; retry shortly',
        },
        id: null,
      },
    ]);
    await shared.start();
    await untilReady(a.url);
    expect(await readSecret(a.url, tokenA)).toBe('ok');
    expect(a.child.exitCode).toBeNull();
    await untilLogged(a, 'Redis answers again');
    expect(a.stderr().match(/Redis cannot be reached/g)).toHaveLength(1);
    expect(a.stderr().match(/Redis answers again/g)).toHaveLength(1);
    await expectNothingSecret(shared.url);
  });

  it('rediss:// with an ACL user and password works; a wrong password keeps /readyz not ready and is never logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-mcp-redis-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const password = unique('redis-pw');
    const shared = await redis(
      [
        '--tls-cert-file',
        cert,
        '--tls-key-file',
        key,
        '--tls-ca-cert-file',
        cert,
        '--tls-auth-clients',
        'no',
        '--user',
        'default',
        'off',
        '--user',
        'vmcp',
        'on',
        `>${password}`,
        '~vault-mcp:*',
        // The ACL the README documents, and no more.
        '+@string',
        '+@sortedset',
        '+@keyspace',
        '+@scripting',
        '+@transaction',
        '+@connection',
        '+info',
      ],
      true,
    );
    const url = `rediss://vmcp:${password}@127.0.0.1:${shared.port}`;
    const [good] = (await replicas(1, {
      MCP_REDIS_URL: url,
      NODE_EXTRA_CA_CERTS: cert,
      ...LONG_WINDOWS,
    })) as [Replica];
    expect(await readSecret(good.url, tokenA)).toBe('ok');
    const bad = await startReplica({
      VAULT_ADDR: devServer().address,
      MCP_REDIS_URL: `rediss://vmcp:wrong-${password}@127.0.0.1:${shared.port}`,
      NODE_EXTRA_CA_CERTS: cert,
    });
    started.push(bad);
    await untilReady(bad.url, 503);
    expect(await readSecret(bad.url, tokenA)).toBe(503);
    await untilLogged(bad, 'Redis cannot be reached');
    expect(bad.stderr().match(/Redis cannot be reached/g)).toHaveLength(1);
    expect(bad.stderr() + good.stderr()).not.toContain(password);
    await expectNothingSecret(url, { tls: { ca: readFileSync(cert) } });
  });
});
