/**
 * Two `vault-mcp http` replicas sharing a real redis-server, behind a round-robin proxy, against
 * the real OpenBao dev server: limits, session caps and bindings hold across replicas; a killed
 * replica or a Redis outage fail the documented way; Redis holds no token and no secret value.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { RedisState } from '../../src/transports/http/redis-state.js';
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
const LONG_LIMITS = { MCP_RATE_LIMIT_GLOBAL: '0.01:1000', MCP_RATE_LIMIT_SESSION: '0.01:1000' };
const LONG_WINDOWS = { MCP_SESSION_MODE: 'stateless', ...LONG_LIMITS };

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

/** A ping in session `session`: 'ok', or the HTTP status and the error message. */
async function ping(
  url: string,
  session: string,
  token: string,
): Promise<string | [number, string]> {
  const answer = await post(
    url,
    { jsonrpc: '2.0', id: 3, method: 'ping' },
    { 'X-Vault-Token': token, 'Mcp-Session-Id': session },
  );
  if (answer.status === 200 && 'result' in answer.body) return 'ok';
  return [answer.status, (answer.body['error'] as { message: string } | undefined)?.message ?? ''];
}

/** An initialize at `url`; the session id (empty when refused), the status and any error. */
async function openSession(
  url: string,
  headers: Record<string, string>,
): Promise<{ session: string; status: number; error: string | undefined }> {
  const answer = await post(url, INITIALIZE, headers);
  return {
    session: answer.session ?? '',
    status: answer.status,
    error: (answer.body['error'] as { message: string } | undefined)?.message,
  };
}

/** Long enough for a replica to re-check its sessions' bindings (at least every 2 s). */
const pastTouch = () => new Promise((r) => setTimeout(r, 2_500));

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

/**
 * Redis holds something, and no token, no secret value and none of `sessions` (ids: bearer
 * credentials in stateful mode); it names each of them by its sha256 instead.
 */
async function expectNothingSecret(
  url: string,
  options: ClientTls = {},
  sessions: readonly string[] = [],
): Promise<void> {
  const entries = await dump(url, options);
  expect(entries.length).toBeGreaterThan(0);
  for (const needle of [tokenA, tokenB, devServer().token, secretValue, ...sessions])
    expect(entries.filter((e) => e.includes(needle))).toEqual([]);
  for (const id of sessions)
    expect(entries.filter((e) => e.includes(sha256(id))).length).toBeGreaterThan(0);
}

/** `n` RedisStates (the shared state of `n` replicas) on `shared` with `env`, once connected. */
async function redisStates(
  shared: RedisServer,
  n: number,
  env: Record<string, string> = {},
): Promise<RedisState[]> {
  const config = loadConfig(
    { VAULT_ADDR: devServer().address, MCP_REDIS_URL: shared.url, HOME: '/nonexistent', ...env },
    undefined,
    { transport: 'streamable-http' },
  );
  const log = createLogger('silent');
  const states = Array.from({ length: n }, () => new RedisState(config.http, shared.url, log));
  started.push(...states);
  // Connected (commands are refused, not queued, before then).
  for (let i = 0; i < 300 && states.some((st) => st.unavailable()); i++)
    await new Promise((r) => setTimeout(r, 100));
  return states;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

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
      // Out of reach, in windows that outlast the test: each session's bucket stays to scan.
      ...LONG_LIMITS,
    })) as [Replica, Replica];
    const open = async (r: Replica) =>
      (await openSession(r.url, { 'X-Vault-Token': tokenA })).session;
    const s1 = await open(a);
    const s2 = await open(b);
    const s3 = await open(b); // the caller's third: s1, on the other replica, is closed
    // ...by replica a itself, unused: its periodic check finds the binding gone.
    await untilLogged(
      a,
      'closed elsewhere (its caller opened too many sessions on other replicas)',
    );
    await pastTouch();
    expect([
      await readSecret(a.url, tokenA, s1),
      await readSecret(b.url, tokenA, s2),
      await readSecret(b.url, tokenA, s3),
    ]).toEqual([404, 'ok', 'ok']);
    expect(await ping(a.url, s2, tokenB)).toEqual([
      403,
      'this session belongs to another Vault token',
    ]);
    expect(await ping(a.url, s2, tokenA)).toEqual([
      404,
      'this session is held by another replica (stateful mode wants sticky routing): initialize a new one',
    ]);
    // s2 and s3 are bound (key and sorted-set member) by hash only; the three openings and the
    // calls spent one bucket, the token's, named by a hash of it.
    await expectNothingSecret(shared.url, {}, [s2, s3]);
    const entries = await dump(shared.url, {});
    expect(entries.join('\n')).not.toContain(s1);
    const keys = entries.map((e) => e.split(' = ')[0] ?? '');
    expect(keys).toEqual(expect.arrayContaining([`vault-mcp:session:${sha256(s2)}`]));
    expect(keys.filter((k) => k.startsWith('vault-mcp:rl:scoped:'))).toEqual([
      expect.stringMatching(/^vault-mcp:rl:scoped:h:[0-9a-f]{64}$/),
    ]);
  });

  it("a token's sessions on two replicas share its one bucket: a second session buys no more calls", async () => {
    const shared = await redis();
    // A burst of 4 per 400 s window: the two openings and two calls, on any machine.
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_RATE_LIMIT_SESSION: '0.01:4',
      MCP_RATE_LIMIT_GLOBAL: 'off',
    })) as [Replica, Replica];
    const sa = (await openSession(a.url, { 'X-Vault-Token': tokenA })).session;
    const sb = (await openSession(b.url, { 'X-Vault-Token': tokenA })).session;
    const outcomes = [
      await readSecret(a.url, tokenA, sa),
      await readSecret(b.url, tokenA, sb),
      await readSecret(a.url, tokenA, sa),
      await readSecret(b.url, tokenA, sb),
    ];
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    for (const refused of outcomes.slice(2))
      expect(refused).toMatch(
        /^rate limit reached: read_secret was not run \(per-caller limit 0\.01 calls\/s, burst 4\)\. Retry in \d+\.\d s\.$/,
      );
    // Another token's bucket is its own.
    const other = (await openSession(b.url, { 'X-Vault-Token': tokenB })).session;
    expect(await readSecret(b.url, tokenB, other)).toBe('ok');
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
  it('MCP_REDIS_UNAVAILABLE=local, stateless: in an outage each replica spends buckets of its own (the global limit holds per replica), then Redis is shared again without a restart', async () => {
    const shared = await redis();
    // A burst of 3 per 300 s window: any machine hits it.
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_REDIS_UNAVAILABLE: 'local',
      MCP_SESSION_MODE: 'stateless',
      MCP_RATE_LIMIT_GLOBAL: '0.01:3',
      MCP_RATE_LIMIT_SESSION: 'off',
    })) as [Replica, Replica];
    const refused = expect.stringMatching(
      /^rate limit reached: read_secret was not run \(server-wide limit 0\.01 calls\/s, burst 3\)\. Retry in \d+\.\d s\.$/,
    );
    const calls = async (order: readonly Replica[]): Promise<Array<string | number>> => {
      const out: Array<string | number> = [];
      for (const r of order) out.push(await readSecret(r.url, tokenA));
      return out;
    };
    expect(await calls([a])).toEqual(['ok']); // 1 of the 3 shared calls
    await shared.stop();
    await untilLogged(a, 'Redis cannot be reached');
    await untilLogged(b, 'Redis cannot be reached');
    const readyz = await fetch(a.url.replace(/\/mcp$/, '/readyz'));
    expect([readyz.status, await readyz.json()]).toEqual([200, { status: 'ready' }]);
    // Each replica's own window of 3, fresh: 6 calls in all where Redis would allow 2 more.
    expect(await calls([a, a, a, a])).toEqual(['ok', 'ok', 'ok', refused]);
    expect(await calls([b, b, b, b])).toEqual(['ok', 'ok', 'ok', refused]);
    await shared.start();
    await untilLogged(a, 'Redis answers again');
    await untilLogged(b, 'Redis answers again');
    // Redis restarted empty: one shared window of 3 again. Both replicas' own windows are spent,
    // so these calls are allowed by Redis alone, and the fourth is refused across replicas.
    expect(await calls([a, b, a, b])).toEqual(['ok', 'ok', 'ok', refused]);
    for (const r of [a, b]) {
      expect(r.child.exitCode).toBeNull();
      expect(r.stderr().match(/Redis cannot be reached: each replica uses its own/g)).toHaveLength(
        1,
      );
      expect(r.stderr().match(/Redis answers again/g)).toHaveLength(1);
    }
    await expectNothingSecret(shared.url);
  });

  it('MCP_REDIS_UNAVAILABLE=local, stateful: sessions live through an outage, new ones open under a per-replica cap, and Redis learns them on recovery', async () => {
    const shared = await redis();
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_REDIS_UNAVAILABLE: 'local',
      MCP_MAX_SESSIONS_PER_CALLER: '2',
      ...LONG_LIMITS,
    })) as [Replica, Replica];
    const caller = { 'X-Vault-Token': tokenA };
    const s1 = (await openSession(a.url, caller)).session;
    await shared.stop();
    await untilLogged(a, 'Redis cannot be reached');
    await untilLogged(b, 'Redis cannot be reached');
    const s2 = (await openSession(a.url, caller)).session;
    const s3 = (await openSession(a.url, caller)).session; // A's own cap of 2: s1 is closed
    const s4 = (await openSession(b.url, caller)).session; // B counts its own: none closed
    await pastTouch();
    expect([
      await ping(a.url, s1, tokenA),
      await ping(a.url, s2, tokenA),
      await ping(a.url, s3, tokenA),
      await ping(b.url, s4, tokenA),
    ]).toEqual([[404, 'unknown or expired session: initialize a new one'], 'ok', 'ok', 'ok']);
    // B cannot see A's bindings meanwhile: the id is unknown there, useless with any token.
    expect(await ping(b.url, s2, tokenB)).toEqual([
      404,
      'unknown or expired session: initialize a new one',
    ]);
    await shared.start();
    await untilLogged(a, 'Redis answers again');
    await untilLogged(b, 'Redis answers again');
    await pastTouch();
    // Written back to Redis, not dropped as "closed elsewhere" at their next touch.
    expect([
      await ping(a.url, s2, tokenA),
      await ping(a.url, s3, tokenA),
      await ping(b.url, s4, tokenA),
    ]).toEqual(['ok', 'ok', 'ok']);
    expect(await ping(b.url, s2, tokenB)).toEqual([
      403,
      'this session belongs to another Vault token',
    ]);
    await expectNothingSecret(shared.url, {}, [s2, s3, s4]);
    expect((await dump(shared.url, {})).join('\n')).not.toContain(s1);
  });

  it('the per-caller cap holds when one caller opens 12 sessions at the same moment across both replicas', async () => {
    const shared = await redis();
    const [a, b] = (await replicas(2, {
      MCP_REDIS_URL: shared.url,
      MCP_MAX_SESSIONS_PER_CALLER: '3',
      // The server's own token serves requests without X-Vault-Token (loopback).
      VAULT_TOKEN: devServer().token,
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
      MCP_RATE_LIMIT_GLOBAL: 'off',
      MCP_RATE_LIMIT_SESSION: 'off',
    })) as [Replica, Replica];
    const at = (i: number): Replica => (i % 2 === 0 ? a : b);
    const opens = (headers: Record<string, string>) =>
      Promise.all(Array.from({ length: 12 }, (_, i) => openSession(at(i).url, headers)));
    // The server's own token is refused beyond its share: exactly 3 open.
    const own = await opens({});
    expect(own.filter((o) => o.status === 200)).toHaveLength(3);
    expect(own.filter((o) => o.status !== 200).map((o) => [o.status, o.error])).toEqual(
      Array.from({ length: 9 }, () => [
        503,
        "the server's own token already holds 3 sessions, its share (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS): close one, or send your own token in X-Vault-Token",
      ]),
    );
    // A caller with its own token: every opening succeeds and closes its oldest beyond 3.
    const mine = await opens({ 'X-Vault-Token': tokenA });
    expect(mine.map((o) => o.status)).toEqual(Array.from({ length: 12 }, () => 200));
    await pastTouch();
    const alive = await Promise.all(mine.map((o, i) => ping(at(i).url, o.session, tokenA)));
    expect(alive.filter((p) => p === 'ok')).toHaveLength(3);
    const bindings = (await dump(shared.url, {})).filter((e) => e.startsWith('vault-mcp:session:'));
    expect(bindings).toHaveLength(6); // 3 of the server's token, 3 of token A
    await expectNothingSecret(
      shared.url,
      {},
      mine.filter((_, i) => alive[i] === 'ok').map((o) => o.session),
    );
  });

  it('claim is one step: 20 claims of one caller at once from two replicas bind exactly the cap', async () => {
    const shared = await redis();
    const states = await redisStates(shared, 2);
    const claims = (identity: string, beyond: 'refuse' | 'evict') =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          states[i % 2]?.claim(`id-${beyond}-${i}`, { identity, holder: identity }, 3, beyond),
        ),
      );
    const refusing = await claims(sha256('refusing caller'), 'refuse');
    expect(refusing.filter((c) => c?.bound)).toHaveLength(3);
    expect(refusing.filter((c) => c && !c.bound && c.held === 3)).toHaveLength(17);
    expect(await states[0]?.sessionCount(sha256('refusing caller'))).toBe(3);
    const evicting = await claims(sha256('evicting caller'), 'evict');
    expect(evicting.filter((c) => c?.bound)).toHaveLength(20);
    expect(await states[1]?.sessionCount(sha256('evicting caller'))).toBe(3);
    // One token in three namespaces: three identities, one holder, one cap.
    const holder = sha256('one token');
    const mixed = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        states[i % 2]?.claim(
          `id-mixed-${i}`,
          { identity: sha256(`ns-${i % 3}`), holder },
          3,
          'refuse',
        ),
      ),
    );
    expect(mixed.filter((c) => c?.bound)).toHaveLength(3);
    expect(await states[0]?.sessionCount(holder)).toBe(3);
    const owners = await Promise.all(
      Array.from({ length: 9 }, (_, i) => states[1]?.ownerOf(`id-mixed-${i}`)),
    );
    // Each binding names its own identity (only it may use the session), not the holder.
    expect(owners.every((o, i) => o === undefined || o === sha256(`ns-${i % 3}`))).toBe(true);
    expect(owners.filter((o) => o !== undefined)).toHaveLength(3);
    const bindings = (await dump(shared.url, {})).filter((e) => e.startsWith('vault-mcp:session:'));
    expect(bindings).toHaveLength(9);
  });

  it("a caller over its own limit does not spend the server-wide one: another caller's calls still run", async () => {
    const [state] = await redisStates(await redis(), 1, {
      MCP_RATE_LIMIT_GLOBAL: '0.001:3',
      MCP_RATE_LIMIT_SESSION: '0.001:1',
    });
    // Which limit refused a call ('per-caller' or 'server-wide'), or 'ok'.
    const spend = async (caller: string): Promise<string> =>
      /\((per-caller|server-wide) limit/.exec(
        (await state?.spend(caller, 'read_secret'))?.message ?? '',
      )?.[1] ?? 'ok';
    const greedy = [];
    for (let i = 0; i < 6; i++) greedy.push(await spend('c:greedy'));
    expect(greedy).toEqual(['ok', ...Array<string>(5).fill('per-caller')]);
    // The server-wide burst of 3: one spent by the greedy caller, two left for the others.
    expect([await spend('c:other'), await spend('c:another')]).toEqual(['ok', 'ok']);
    expect(await spend('c:third')).toBe('server-wide');
  });

  it('token checks: a client address over its own limit on two replicas spends nothing server-wide', async () => {
    const shared = await redis();
    const states = await redisStates(shared, 2, {
      MCP_RATE_LIMIT_GLOBAL: '0.001:5',
      MCP_RATE_LIMIT_CLIENT_CHECKS: '0.001:3',
    });
    // Which bucket refused a check ('per-client' or 'server-wide'), or 'ok'; replicas alternate.
    let turn = 0;
    const check = async (client: string): Promise<string> => {
      const refusal = await states[turn++ % 2]?.spendTokenCheck(client);
      if (!refusal) return 'ok';
      expect(refusal.status).toBe(429);
      return refusal.message.includes('from this client address') ? 'per-client' : 'server-wide';
    };
    const flood = [];
    for (let i = 0; i < 6; i++) flood.push(await check('127.0.0.2'));
    expect(flood).toEqual(['ok', 'ok', 'ok', 'per-client', 'per-client', 'per-client']);
    // The server-wide burst of 5: three spent by the flood, two left for other addresses.
    expect([await check('127.0.0.1'), await check('127.0.0.3')]).toEqual(['ok', 'ok']);
    expect(await check('127.0.0.4')).toBe('server-wide');
    // Points spent per address, named by hash: refused server-wide, 127.0.0.4 got its point back.
    const spent = (await dump(shared.url, {}))
      .filter((e) => e.startsWith('vault-mcp:rl:client-checks:'))
      .map((e) => e.slice('vault-mcp:rl:client-checks:'.length).split(' = '));
    expect(Object.fromEntries(spent)).toEqual({
      [sha256('127.0.0.2')]: '6',
      [sha256('127.0.0.1')]: '1',
      [sha256('127.0.0.3')]: '1',
      [sha256('127.0.0.4')]: '0',
    });
  });
});
