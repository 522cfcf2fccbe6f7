/**
 * SharedState in this process's memory (no MCP_REDIS_URL): token buckets of the `limiter`
 * library, one server-wide and one per caller token (all its sessions together) chained to it
 * (a call spends from both), the same pair for token checks (server-wide, and per client address
 * chained to it), and the session bindings in a Map.
 */
import { TokenBucket } from 'limiter';
import { LRUCache } from 'lru-cache';
import type { HttpConfig, RateLimit } from '../../config.js';
import {
  rateLimitRefusal,
  tokenCheckRefusal,
  type Claim,
  type Refusal,
  type SessionOwner,
  type SharedState,
} from './state.js';

function bucket(limit: RateLimit, parent?: TokenBucket): TokenBucket {
  const created = new TokenBucket({
    bucketSize: limit.burst,
    tokensPerInterval: limit.rps,
    interval: 1000,
    ...(parent ? { parentBucket: parent } : {}),
  });
  // limiter's buckets start empty; a new session may use its burst right away.
  created.content = limit.burst;
  return created;
}

/**
 * SharedState in one process: `limiter` token buckets and a Map of session bindings. Also the
 * bindings a Redis replica falls back to with MCP_REDIS_UNAVAILABLE=local.
 */
export class MemoryState implements SharedState {
  readonly kind = 'memory';
  readonly touchEveryMs = 0;
  readonly #http: HttpConfig;
  readonly #global: TokenBucket | undefined;
  readonly #checks: TokenBucket | undefined;
  // Per client address, each chained to #checks; bounded, and idle no longer than a refill takes.
  readonly #clientChecks: LRUCache<string, TokenBucket> | undefined;
  // Per caller, bounded in count and idle time (an expired one starts full again).
  readonly #buckets: LRUCache<string, { bucket: TokenBucket | undefined }>;
  readonly #bindings = new Map<string, SessionOwner & { lastSeen: number }>();

  constructor(http: HttpConfig) {
    this.#http = http;
    this.#global = http.rateLimitGlobal ? bucket(http.rateLimitGlobal) : undefined;
    // Token checks have a bucket of their own, sized like the server-wide one: made-up tokens
    // cannot make the server ask Vault without bound, nor use up accepted callers' calls.
    this.#checks = http.rateLimitGlobal ? bucket(http.rateLimitGlobal) : undefined;
    const perClient = http.rateLimitClientChecks;
    // An entry idle for a whole refill is full again: dropping it then gives nobody a free burst.
    this.#clientChecks = perClient
      ? new LRUCache({
          max: 10_000,
          ttl: Math.ceil((perClient.burst / perClient.rps) * 1000),
          updateAgeOnGet: true,
        })
      : undefined;
    this.#buckets = new LRUCache({
      max: 10_000 + http.maxSessions,
      ttl: http.sessionIdleMs,
      updateAgeOnGet: true,
    });
  }

  spend(key: string, what: string): Promise<Refusal | undefined> {
    let entry = this.#buckets.get(key);
    if (!entry) {
      const limit = this.#http.rateLimitSession;
      entry = { bucket: limit ? bucket(limit, this.#global) : this.#global };
      this.#buckets.set(key, entry);
    }
    const spent = entry.bucket;
    if (!spent || spent.tryRemoveTokens(1)) return Promise.resolve(undefined);
    const globalEmpty = this.#global !== undefined && this.#global.getWaitTime(1) > 0;
    return Promise.resolve(
      rateLimitRefusal(
        what,
        globalEmpty ? 'server-wide' : 'per-caller',
        globalEmpty ? this.#http.rateLimitGlobal : this.#http.rateLimitSession,
        spent.getWaitTime(1),
      ),
    );
  }

  spendTokenCheck(client: string): Promise<Refusal | undefined> {
    const perClient = this.#http.rateLimitClientChecks;
    let own = this.#clientChecks?.get(client);
    if (perClient && !own) {
      own = bucket(perClient, this.#checks);
      this.#clientChecks?.set(client, own);
    }
    // Chained: the client's bucket is charged only when #checks has a token too, and the other way round.
    const spent = own ?? this.#checks;
    if (!spent || spent.tryRemoveTokens(1)) return Promise.resolve(undefined);
    const waitMs = spent.getWaitTime(1);
    return Promise.resolve(
      own !== undefined && own.content < 1
        ? tokenCheckRefusal(perClient, waitMs, 'per-client')
        : tokenCheckRefusal(this.#http.rateLimitGlobal, waitMs),
    );
  }

  sessionCount(holder: string): Promise<number> {
    return Promise.resolve(this.#sessionsOfNow(holder).length);
  }

  /** The session ids counted toward `holder`, least recently used first. */
  #sessionsOfNow(holder: string): string[] {
    return [...this.#bindings.entries()]
      .filter(([, b]) => b.holder === holder)
      .sort(([, a], [, b]) => a.lastSeen - b.lastSeen)
      .map(([id]) => id);
  }

  claim(id: string, owner: SessionOwner, cap: number, beyond: 'refuse' | 'evict'): Promise<Claim> {
    // One synchronous step: no other request of this process runs in between.
    const held = this.#sessionsOfNow(owner.holder);
    if (held.length >= cap && beyond === 'refuse')
      return Promise.resolve({ bound: false, held: held.length });
    const evicted = held.slice(0, Math.max(0, held.length - cap + 1));
    for (const old of evicted) this.#bindings.delete(old);
    this.#bindings.set(id, {
      identity: owner.identity,
      holder: owner.holder,
      lastSeen: Date.now(),
    });
    return Promise.resolve({ bound: true, evicted });
  }

  touch(id: string): Promise<boolean> {
    const binding = this.#bindings.get(id);
    if (binding) binding.lastSeen = Date.now();
    return Promise.resolve(binding !== undefined);
  }

  ownerOf(id: string): Promise<string | undefined> {
    return Promise.resolve(this.#bindings.get(id)?.identity);
  }

  unbind(id: string): Promise<void> {
    this.#bindings.delete(id);
    return Promise.resolve();
  }

  unavailable(): string | undefined {
    return undefined;
  }

  close(): Promise<void> {
    this.#buckets.clear();
    this.#bindings.clear();
    return Promise.resolve();
  }
}
