/**
 * A caller's rate bucket: one per token (its holder), whatever namespace, Vault address or
 * session a request names. Tool calls, session openings and each capability probe (a mounts
 * lookup and sys/capabilities-self) spend from it, so neither more sessions, nor a stream of new
 * ones, nor of tools/list buys a token more calls.
 */
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { CapabilityCache } from '../../server/capabilities.js';
import { capabilityCache } from '../../server/server.js';
import type { Tool } from '../../server/tool.js';
import { clientOf, type Caller } from './callers.js';
import { HttpRefusal } from './refusal.js';
import type { SharedState } from './state.js';

/** Cache key of a caller identity (its capability verdicts; stateless mode's mounts and servers). */
export const callerKey = (caller: Caller): string => `c:${caller.identity.toString('hex')}`;
/**
 * Bucket key of a caller's token (tool calls in either mode, session openings, probes): one
 * bucket whatever namespace, Vault address or session a request names.
 */
export const holderKey = (caller: Caller): string => `h:${caller.holder}`;

/**
 * A caller's spending on the shared buckets (tool calls, session openings and capability probes,
 * all from the caller's bucket), and the caller's capability cache. Refusals are HttpRefusal 429
 * (empty bucket) or 503 (no state).
 */
export class CallerLimits {
  // Bounded in count and idle time; a session keeps the cache it was given.
  readonly #capabilities: LRUCache<string, CapabilityCache>;

  constructor(
    private readonly state: SharedState,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly candidates: readonly Tool[],
  ) {
    this.#capabilities = new LRUCache({
      max: 10_000,
      ttl: config.http.sessionIdleMs,
      updateAgeOnGet: true,
    });
  }

  /**
   * The `admit` of createMcpServer: each tool call spends from `caller`'s bucket. All sessions of
   * one token share it: opening more sessions buys no more calls.
   */
  admitCalls(caller: Caller): (tool: string) => Promise<string | undefined> {
    const key = holderKey(caller);
    return async (tool) => (await this.state.spend(key, `${tool} was not run`))?.message;
  }

  /**
   * An initialize spends one token of the caller's bucket.
   * @throws HttpRefusal 429 (with Retry-After) when it is empty, 503 when it cannot be read.
   */
  async admitOpening(caller: Caller): Promise<void> {
    const refusal = await this.state.spend(holderKey(caller), 'no session was opened');
    if (refusal) throw new HttpRefusal(refusal.status, refusal.message, refusal.retryAfterS);
  }

  /**
   * The caller's capability verdicts, one cache per caller identity (all its sessions, or all its
   * stateless requests, share it: one probe per caller and TTL), each probe paid from the
   * caller's bucket. In this process's memory only: verdicts are Vault answers, never in Redis.
   */
  capabilities(caller: Caller): CapabilityCache {
    const key = callerKey(caller);
    let cache = this.#capabilities.get(key);
    if (!cache) {
      cache = this.#probing(caller, holderKey(caller));
      this.#capabilities.set(key, cache);
    }
    return cache;
  }

  /** A capability cache for `caller` whose probes spend from bucket `key`. */
  #probing(caller: Caller, key: string): CapabilityCache {
    return capabilityCache(
      {
        config: this.config,
        vault: () => clientOf(caller),
        log: this.log,
        candidates: this.candidates,
      },
      async () => (await this.state.spend(key, 'the capability probe was not run'))?.message,
    );
  }
}
