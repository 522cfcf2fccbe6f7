/**
 * SharedState in Redis (MCP_REDIS_URL), for replicas behind a load balancer: the server-wide,
 * per-caller, token-check and per-client token-check buckets are
 * `rate-limiter-flexible` Redis limiters (fixed windows of `burst` calls per `burst / rps` seconds: the same burst and average rate as
 * the in-memory token buckets), and each stateful session's caller binding is a key that expires
 * when the session is idle, with a sorted set per caller for its session count. ioredis pipelines
 * the commands of one tick together, so a tool call costs one round trip.
 *
 * Nothing secret is stored: keys and values hold caller identities (sha256 hex), sha256 hashes of
 * session ids (an id is a bearer credential in stateful mode) and of client addresses, and counters. Redis unreachable:
 * MCP_REDIS_UNAVAILABLE=closed (default) fails closed (503 with Retry-After); `local` answers
 * from this replica's memory (insurance limiters, a MemoryState of its own bindings) and writes
 * its sessions back when Redis answers. One log line per outage either way; ioredis reconnects by
 * itself. Only state.ts imports this file, and only when MCP_REDIS_URL is set.
 */
import { createHash } from 'node:crypto';
import { Redis, type ChainableCommander, type Result } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { HttpConfig, RateLimit } from '../../config.js';
import type { Logger } from '../../log.js';
import { MemoryState } from './memory-state.js';
import { HttpRefusal } from './refusal.js';
import {
  rateLimitRefusal,
  tokenCheckRefusal,
  type Claim,
  type Refusal,
  type SessionOwner,
  type SharedState,
} from './state.js';

const PREFIX = 'vault-mcp:';

/**
 * The per-caller cap's check and the new binding in one script, so that two replicas opening
 * sessions of one caller at once cannot both pass. KEYS: the caller's sorted set, the new
 * session's binding. ARGV: now (ms), TTL (ms), cap, `refuse` or `evict`, the new session's hash,
 * the identity, the binding-key prefix (evicted bindings are deleted by their hash).
 * Returns {0, held} (refused) or {1, held, evicted hashes...}.
 */
const CLAIM_SCRIPT = `
local now, ttl, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local held = redis.call('ZCARD', KEYS[1])
local evicted = {}
if held >= cap then
  if ARGV[4] == 'refuse' then return {0, held} end
  evicted = redis.call('ZRANGE', KEYS[1], 0, held - cap)
  for _, member in ipairs(evicted) do
    redis.call('DEL', ARGV[7] .. member)
    redis.call('ZREM', KEYS[1], member)
  end
end
redis.call('SET', KEYS[2], ARGV[6], 'PX', ttl)
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, held, unpack(evicted)}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** CLAIM_SCRIPT (defined with defineCommand). */
    vaultMcpClaim(
      callerKey: string,
      sessionKey: string,
      ...args: string[]
    ): Result<Array<number | string>, Context>;
  }
}

/** Refusal when Redis cannot answer: fail closed. */
function unreachable(what: string): Refusal {
  return {
    message: `${what}: the shared rate limits (Redis) cannot be read right now; retry shortly`,
    status: 503,
    retryAfterS: 1,
  };
}

/** Hex sha256: how a session id appears in Redis. */
const hashed = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Spent (undefined), refused (ms to wait), or Redis failed (the error). */
type Outcome = undefined | { waitMs: number } | { error: unknown };

/**
 * SharedState in Redis (MCP_REDIS_URL): `rate-limiter-flexible` fixed windows over ioredis for
 * the buckets, a sorted set per caller identity for its sessions, a key per session binding with
 * the idle time as its TTL. While Redis is unreachable: 503 (closed), or this replica's memory
 * (local).
 */
export class RedisState implements SharedState {
  readonly kind = 'redis';
  readonly touchEveryMs: number;
  readonly #http: HttpConfig;
  readonly #log: Logger;
  readonly #client: Redis;
  readonly #global: RateLimiterRedis | undefined;
  readonly #scoped: RateLimiterRedis | undefined;
  readonly #checks: RateLimiterRedis | undefined;
  readonly #clientChecks: RateLimiterRedis | undefined;
  /** MCP_REDIS_UNAVAILABLE=local: this replica's own bindings, mirrored, answering in outages. */
  readonly #local: MemoryState | undefined;
  /** Sessions bound, touched or unbound here while Redis was unreachable: written on recovery. */
  readonly #pending = new Map<string, SessionOwner>();
  /** Hash → id of the sessions bound here, to name the evicted ones a claim returns. */
  readonly #ids = new Map<string, string>();
  #outage = false;

  /** @param url `redis://` or `rediss://`, user and password in it when needed (never logged). */
  constructor(http: HttpConfig, url: string, log: Logger) {
    this.#http = http;
    this.#log = log;
    // A session's binding is refreshed at most this often (and lives that much past its idle time).
    this.touchEveryMs = Math.min(2_000, Math.max(100, http.sessionIdleMs / 4));
    this.#client = new Redis(url, {
      // Fail at once while disconnected instead of queueing: limits must not wait or lapse.
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    });
    this.#client.defineCommand('vaultMcpClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
    this.#client.on('error', (error: Error & { code?: string }) => this.#down(error));
    this.#client.on('close', () => this.#down(undefined));
    this.#client.on('ready', () => this.#up());
    const local = http.redisUnavailable === 'local';
    this.#local = local ? new MemoryState(http) : undefined;
    const limiter = (name: string, limit: RateLimit | undefined) => {
      if (!limit) return undefined;
      const window = {
        points: limit.burst,
        duration: Math.max(1, Math.ceil(limit.burst / limit.rps)),
      };
      return new RateLimiterRedis({
        storeClient: this.#client,
        keyPrefix: `${PREFIX}rl:${name}`,
        ...window,
        rejectIfRedisNotReady: true,
        // local: the same window in this replica's memory while Redis fails.
        ...(local ? { insuranceLimiter: new RateLimiterMemory(window) } : {}),
      });
    };
    this.#global = limiter('global', http.rateLimitGlobal);
    this.#scoped = limiter('scoped', http.rateLimitSession);
    this.#checks = limiter('checks', http.rateLimitGlobal);
    this.#clientChecks = limiter('client-checks', http.rateLimitClientChecks);
  }

  #down(error: (Error & { code?: string }) | undefined): void {
    if (this.#outage) return;
    this.#outage = true;
    this.#log.error(
      { redis: error?.code ?? error?.name ?? 'connection closed' },
      this.#local
        ? 'Redis cannot be reached: each replica uses its own rate buckets and session bindings until it answers (MCP_REDIS_UNAVAILABLE=local: limits and the session cap hold per replica meanwhile)'
        : 'Redis cannot be reached: MCP requests are refused with 503 until it answers (fail closed)',
    );
  }

  #up(): void {
    if (!this.#outage) return;
    this.#outage = false;
    this.#log.info('Redis answers again: shared rate limits and sessions resumed');
    void this.#writeBack();
  }

  /** Write the sessions bound, touched or unbound during the outage (local mode) to Redis. */
  async #writeBack(): Promise<void> {
    const local = this.#local;
    if (!local) return;
    for (const [id, owner] of [...this.#pending]) {
      try {
        const bound = (await local.ownerOf(id)) !== undefined;
        await (bound ? this.#bindNow(id, owner) : this.#unbindNow(id, owner)).exec();
        this.#pending.delete(id);
      } catch {
        return; // Down again: the rest waits for the next recovery.
      }
    }
  }

  async #consume(limiter: RateLimiterRedis | undefined, key: string): Promise<Outcome> {
    if (!limiter) return undefined;
    try {
      await limiter.consume(key);
      // Errors reach here only without insurance limiters (closed): a slow spell has ended.
      if (!this.#local && this.#outage && this.#client.status === 'ready') this.#up();
      return undefined;
    } catch (refused) {
      if (refused instanceof RateLimiterRes) return { waitMs: refused.msBeforeNext };
      this.#down(refused instanceof Error ? refused : undefined);
      return { error: refused };
    }
  }

  async spend(ownKey: string, what: string): Promise<Refusal | undefined> {
    // Both in one tick: one pipeline.
    const [own, global] = await Promise.all([
      this.#consume(this.#scoped, ownKey),
      this.#consume(this.#global, 'all'),
    ]);
    if ((own && 'error' in own) || (global && 'error' in global)) return unreachable(what);
    // A refused call costs nothing: the bucket that allowed it gets its point back, so a caller
    // over its own limit cannot drain the server-wide one for everyone (as the memory buckets,
    // chained, never charge the parent for a refused child).
    if (own && !global) await this.#refund(this.#global, 'all');
    if (global && !own) await this.#refund(this.#scoped, ownKey);
    if (global)
      return rateLimitRefusal(what, 'server-wide', this.#http.rateLimitGlobal, global.waitMs);
    if (own) return rateLimitRefusal(what, 'per-caller', this.#http.rateLimitSession, own.waitMs);
    return undefined;
  }

  /** One point back to `key` of `limiter` (a refused call's other bucket); errors are ignored. */
  async #refund(limiter: RateLimiterRedis | undefined, key: string): Promise<void> {
    await limiter?.reward(key, 1).catch(() => undefined);
  }

  async spendTokenCheck(client: string): Promise<Refusal | undefined> {
    // One after the other: a client over its own limit never spends from the server-wide bucket.
    const key = hashed(client);
    const own = await this.#consume(this.#clientChecks, key);
    if (own && 'error' in own) return unreachable('the token was not checked');
    if (own) return tokenCheckRefusal(this.#http.rateLimitClientChecks, own.waitMs, 'per-client');
    const outcome = await this.#consume(this.#checks, 'all');
    if (!outcome) return undefined;
    // Not checked after all: the client's point back.
    await this.#refund(this.#clientChecks, key);
    if ('error' in outcome) return unreachable('the token was not checked');
    return tokenCheckRefusal(this.#http.rateLimitGlobal, outcome.waitMs);
  }

  /**
   * Run `work` on Redis. When it fails: with a local fallback, note session `id` (of `owner`)
   * for the write-back and answer `fallback()`; else a 503 refusal.
   * @throws HttpRefusal 503 (MCP_REDIS_UNAVAILABLE=closed) when Redis fails.
   */
  async #shared<T>(
    work: () => Promise<T>,
    fallback: (local: MemoryState) => Promise<T>,
    session?: { id: string; owner: SessionOwner },
  ): Promise<T> {
    const local = this.#local;
    const fallBack = (from: MemoryState): Promise<T> => {
      if (session) this.#pending.set(session.id, session.owner);
      return fallback(from);
    };
    // local, in an outage: no wait on a Redis that is known to be disconnected.
    if (local && this.#outage && this.#client.status !== 'ready') return fallBack(local);
    try {
      const result = await work();
      if (this.#outage && this.#client.status === 'ready') this.#up();
      return result;
    } catch (error) {
      this.#down(error instanceof Error ? error : undefined);
      if (local) return fallBack(local);
      throw new HttpRefusal(
        503,
        'the shared sessions (Redis, MCP_REDIS_URL) cannot be read right now; retry shortly',
        1,
      );
    }
  }

  /** A transaction binding session `id` to `owner` (no cap: written back after an outage). */
  #bindNow(id: string, owner: SessionOwner): ChainableCommander {
    const key = this.#callerKey(owner.holder);
    return this.#client
      .multi()
      .set(this.#sessionKey(id), owner.identity, 'PX', this.#ttl())
      .zadd(key, Date.now(), hashed(id))
      .pexpire(key, this.#ttl());
  }

  /** A transaction ending the binding of session `id`. */
  #unbindNow(id: string, owner: SessionOwner): ChainableCommander {
    return this.#client
      .multi()
      .del(this.#sessionKey(id))
      .zrem(this.#callerKey(owner.holder), hashed(id));
  }

  #sessionKey = (id: string): string => `${PREFIX}session:${hashed(id)}`;
  /** The sorted set of the sessions counted toward `holder`. */
  #callerKey = (holder: string): string => `${PREFIX}caller:${holder}`;
  #ttl = (): number => this.#http.sessionIdleMs + this.touchEveryMs;

  sessionCount(holder: string): Promise<number> {
    return this.#shared(
      async () => {
        const key = this.#callerKey(holder);
        const results = await this.#client
          .multi()
          .zremrangebyscore(key, '-inf', Date.now() - this.#ttl())
          .zcard(key)
          .exec();
        return Number(results?.[1]?.[1] ?? 0);
      },
      (local) => local.sessionCount(holder),
    );
  }

  async claim(
    id: string,
    owner: SessionOwner,
    cap: number,
    beyond: 'refuse' | 'evict',
  ): Promise<Claim> {
    const claimed = await this.#shared(
      async (): Promise<Claim> => {
        const answer = await this.#client.vaultMcpClaim(
          this.#callerKey(owner.holder),
          this.#sessionKey(id),
          String(Date.now()),
          String(this.#ttl()),
          String(cap),
          beyond,
          hashed(id),
          owner.identity,
          `${PREFIX}session:`,
        );
        if (answer[0] !== 1) return { bound: false, held: Number(answer[1]) };
        const evicted = answer.slice(2).flatMap((hash) => {
          const held = this.#ids.get(String(hash));
          this.#ids.delete(String(hash));
          return held === undefined ? [] : [held];
        });
        // The local mirror, in case Redis fails later: the same binding, no cap of its own.
        for (const old of evicted) await this.#local?.unbind(old);
        await this.#local?.claim(id, owner, Number.MAX_SAFE_INTEGER, 'evict');
        return { bound: true, evicted };
      },
      (local) => local.claim(id, owner, cap, beyond),
      { id, owner },
    );
    if (claimed.bound) this.#ids.set(hashed(id), id);
    return claimed;
  }

  touch(id: string, owner: SessionOwner): Promise<boolean> {
    return this.#shared(
      async () => {
        const key = this.#callerKey(owner.holder);
        if (this.#pending.has(id)) {
          // Bound or touched in the outage and not written back yet: write it now.
          await this.#bindNow(id, owner).exec();
          this.#pending.delete(id);
          return true;
        }
        const results = await this.#client
          .multi()
          .pexpire(this.#sessionKey(id), this.#ttl())
          .zadd(key, 'XX', String(Date.now()), hashed(id))
          .pexpire(key, this.#ttl())
          .exec();
        return results?.[0]?.[1] === 1;
      },
      (local) => local.touch(id),
      { id, owner },
    );
  }

  ownerOf(id: string): Promise<string | undefined> {
    // Bound or touched in an outage and not written back yet: Redis does not know it yet.
    const local = this.#local;
    if (local && this.#pending.has(id)) return local.ownerOf(id);
    return this.#shared(
      async () => (await this.#client.get(this.#sessionKey(id))) ?? undefined,
      (local) => local.ownerOf(id),
    );
  }

  async unbind(id: string, owner: SessionOwner): Promise<void> {
    this.#ids.delete(hashed(id));
    await this.#local?.unbind(id);
    await this.#shared(
      async () => {
        await this.#unbindNow(id, owner).exec();
      },
      () => Promise.resolve(),
      { id, owner },
    );
  }

  unavailable(): string | undefined {
    // local: a replica serves from its own memory meanwhile, so it stays ready.
    return this.#local || this.#client.status === 'ready' ? undefined : 'unreachable';
  }

  async close(): Promise<void> {
    await this.#local?.close();
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}
