/**
 * SharedState in Redis (MCP_REDIS_URL), for replicas behind a load balancer: the server-wide,
 * per-session/per-caller and token-check buckets are `rate-limiter-flexible` Redis limiters
 * (fixed windows of `burst` calls per `burst / rps` seconds: the same burst and average rate as
 * the in-memory token buckets), and each stateful session's caller binding is a key that expires
 * when the session is idle, with a sorted set per caller for its session count. ioredis pipelines
 * the commands of one tick together, so a tool call costs one round trip.
 *
 * Nothing secret is stored: keys and values hold caller identities (sha256 hex), session ids and
 * counters. Redis unreachable: every operation fails closed (503 with Retry-After); one log line
 * per outage; ioredis reconnects by itself. Only state.ts imports this file, and only when
 * MCP_REDIS_URL is set.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { HttpConfig, RateLimit } from '../../config.js';
import type { Logger } from '../../log.js';
import { HttpRefusal } from './refusal.js';
import {
  rateLimitRefusal,
  tokenCheckRefusal,
  type Refusal,
  type Scope,
  type SharedState,
} from './state.js';

const PREFIX = 'vault-mcp:';

/** Refusal when Redis cannot answer: fail closed. */
function unreachable(what: string): Refusal {
  return {
    message: `${what}: the shared rate limits (Redis) cannot be read right now; retry shortly`,
    status: 503,
    retryAfterS: 1,
  };
}

/** Spent (undefined), refused (ms to wait), or Redis failed (the error). */
type Outcome = undefined | { waitMs: number } | { error: unknown };

/**
 * SharedState in Redis (MCP_REDIS_URL): `rate-limiter-flexible` fixed windows over ioredis for
 * the buckets, a sorted set per caller identity for its sessions, a key per session binding with
 * the idle time as its TTL. Fails closed (503) while Redis is unreachable.
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
    this.#client.on('error', (error: Error & { code?: string }) => this.#down(error));
    this.#client.on('close', () => this.#down(undefined));
    this.#client.on('ready', () => {
      if (this.#outage) log.info('Redis answers again: shared rate limits and sessions resumed');
      this.#outage = false;
    });
    const limiter = (name: string, limit: RateLimit | undefined) =>
      limit &&
      new RateLimiterRedis({
        storeClient: this.#client,
        keyPrefix: `${PREFIX}rl:${name}`,
        points: limit.burst,
        duration: Math.max(1, Math.ceil(limit.burst / limit.rps)),
        rejectIfRedisNotReady: true,
      });
    this.#global = limiter('global', http.rateLimitGlobal);
    this.#scoped = limiter('scoped', http.rateLimitSession);
    this.#checks = limiter('checks', http.rateLimitGlobal);
  }

  #down(error: (Error & { code?: string }) | undefined): void {
    if (this.#outage) return;
    this.#outage = true;
    this.#log.error(
      { redis: error?.code ?? error?.name ?? 'connection closed' },
      'Redis cannot be reached: MCP requests are refused with 503 until it answers (fail closed)',
    );
  }

  async #consume(limiter: RateLimiterRedis | undefined, key: string): Promise<Outcome> {
    if (!limiter) return undefined;
    try {
      await limiter.consume(key);
      return undefined;
    } catch (refused) {
      if (refused instanceof RateLimiterRes) return { waitMs: refused.msBeforeNext };
      return { error: refused };
    }
  }

  async spend(key: string, what: string, scope: Scope): Promise<Refusal | undefined> {
    // Both in one tick: one pipeline.
    const [own, global] = await Promise.all([
      this.#consume(this.#scoped, key),
      this.#consume(this.#global, 'all'),
    ]);
    if ((own && 'error' in own) || (global && 'error' in global)) return unreachable(what);
    if (global)
      return rateLimitRefusal(what, 'server-wide', this.#http.rateLimitGlobal, global.waitMs);
    if (own) return rateLimitRefusal(what, scope, this.#http.rateLimitSession, own.waitMs);
    return undefined;
  }

  async spendTokenCheck(): Promise<Refusal | undefined> {
    const outcome = await this.#consume(this.#checks, 'all');
    if (!outcome) return undefined;
    if ('error' in outcome) return unreachable('the token was not checked');
    return tokenCheckRefusal(this.#http.rateLimitGlobal, outcome.waitMs);
  }

  forget(key: string): void {
    // Its window expires in Redis by itself; deleting it would hand a reused key a fresh burst.
    void key;
  }

  /** Run `work`; a Redis failure becomes a 503 refusal. */
  async #shared<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.#down(error instanceof Error ? error : undefined);
      throw new HttpRefusal(
        503,
        'the shared sessions (Redis, MCP_REDIS_URL) cannot be read right now; retry shortly',
        1,
      );
    }
  }

  #sessionKey = (id: string): string => `${PREFIX}session:${id}`;
  #callerKey = (identity: string): string => `${PREFIX}caller:${identity}`;
  #ttl = (): number => this.#http.sessionIdleMs + this.touchEveryMs;

  sessionsOf(identity: string): Promise<string[]> {
    return this.#shared(async () => {
      const key = this.#callerKey(identity);
      const results = await this.#client
        .multi()
        .zremrangebyscore(key, '-inf', Date.now() - this.#ttl())
        .zrange(key, '0', '-1')
        .exec();
      const ids = results?.[1]?.[1];
      return Array.isArray(ids) ? ids.map(String) : [];
    });
  }

  bind(id: string, identity: string): Promise<void> {
    return this.#shared(async () => {
      const key = this.#callerKey(identity);
      await this.#client
        .multi()
        .set(this.#sessionKey(id), identity, 'PX', this.#ttl())
        .zadd(key, Date.now(), id)
        .pexpire(key, this.#ttl())
        .exec();
    });
  }

  touch(id: string, identity: string): Promise<boolean> {
    return this.#shared(async () => {
      const key = this.#callerKey(identity);
      const results = await this.#client
        .multi()
        .pexpire(this.#sessionKey(id), this.#ttl())
        .zadd(key, 'XX', String(Date.now()), id)
        .pexpire(key, this.#ttl())
        .exec();
      return results?.[0]?.[1] === 1;
    });
  }

  ownerOf(id: string): Promise<string | undefined> {
    return this.#shared(async () => (await this.#client.get(this.#sessionKey(id))) ?? undefined);
  }

  unbind(id: string, identity: string): Promise<void> {
    return this.#shared(async () => {
      await this.#client
        .multi()
        .del(this.#sessionKey(id))
        .zrem(this.#callerKey(identity), id)
        .exec();
    });
  }

  unavailable(): string | undefined {
    return this.#client.status === 'ready' ? undefined : 'unreachable';
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}
