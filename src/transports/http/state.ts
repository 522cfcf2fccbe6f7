/**
 * What replicas of `vault-mcp http` may share: rate buckets, and which caller each stateful
 * session belongs to. One interface, two implementations: memory (one process, the default) and
 * Redis (MCP_REDIS_URL; loaded only then). Nothing secret crosses it: callers are the sha256
 * identities of callers.ts, sessions their random ids.
 */
import type { Config, RateLimit } from '../../config.js';
import type { Logger } from '../../log.js';

/** A refused spend: the text for the caller, the HTTP status and the whole seconds to wait. */
export interface Refusal {
  readonly message: string;
  /** 429 for a bucket that is empty, 503 when the shared state cannot be reached. */
  readonly status: 429 | 503;
  readonly retryAfterS: number;
}

/**
 * What {@link SharedState.claim} did: `bound` false (refused: the caller holds `held` sessions
 * already), or true with the evicted session ids this replica holds (it closes them; a replica
 * holding one of the others finds its binding gone at its next touch).
 */
export type Claim =
  | { readonly bound: false; readonly held: number }
  | { readonly bound: true; readonly evicted: readonly string[] };

/**
 * Who holds a session: only `identity` (hex; address, namespace and token) may use it, and it
 * counts toward the per-caller cap of `holder` (hex; the token alone), so one token does not get
 * a cap of its own for each namespace or Vault address it names.
 */
export interface SessionOwner {
  readonly identity: string;
  readonly holder: string;
}

/**
 * The state replicas share, behind one interface (memory-state.ts, redis-state.ts). While Redis
 * cannot be reached, every method rejects or refuses with 503 (MCP_REDIS_UNAVAILABLE=closed, the
 * default: callers fail closed), or answers from this replica's memory (`local`).
 */
export interface SharedState {
  /** `memory` or `redis`, for the start-up line. */
  readonly kind: string;
  /**
   * Spend one call of bucket `key` (a caller's, see limits.ts) and of the server-wide bucket.
   * `what` says what is refused (`list_mounts was not run`). Undefined when allowed; a refused
   * spend costs neither bucket.
   */
  spend(key: string, what: string): Promise<Refusal | undefined>;
  /**
   * Spend one token check of a new caller (auth/token/lookup-self) from the bucket of `client`
   * (its address key, see client-address.ts), then from the server-wide token-check bucket; a
   * client refused by its own bucket spends nothing server-wide. Undefined when allowed.
   */
  spendTokenCheck(client: string): Promise<Refusal | undefined>;
  /** How many sessions count toward `holder` (hex), on every replica. */
  sessionCount(holder: string): Promise<number>;
  /**
   * Bind new session `id` to `owner` if its holder holds fewer than `cap` sessions, in one step
   * no other replica can interleave with. When it holds `cap` already, `beyond` decides:
   * `refuse` binds nothing; `evict` unbinds its least recently used sessions to make room.
   */
  claim(id: string, owner: SessionOwner, cap: number, beyond: 'refuse' | 'evict'): Promise<Claim>;
  /** Mark session `id` used now; false when its binding is gone (expired, or closed elsewhere). */
  touch(id: string, owner: SessionOwner): Promise<boolean>;
  /** The identity session `id` is bound to, on any replica; undefined when none. */
  ownerOf(id: string): Promise<string | undefined>;
  /** End the binding of session `id`. */
  unbind(id: string, owner: SessionOwner): Promise<void>;
  /** Milliseconds between two touches of one session (0: every request). */
  readonly touchEveryMs: number;
  /** Undefined while usable; else a word for /readyz (`unreachable`). */
  unavailable(): string | undefined;
  close(): Promise<void>;
}

/** The shortest wait a refusal advises, in ms. */
const MIN_RETRY_MS = 100;

/** The refusal text of an empty bucket; `which` names the bucket that ran out. */
export function rateLimitRefusal(
  what: string,
  which: 'server-wide' | 'per-caller',
  limit: RateLimit | undefined,
  waitMs: number,
): Refusal {
  // At least 0.1 s: the advice is printed to a tenth, and "Retry in 0.0 s" says nothing.
  const wait = Math.max(waitMs, MIN_RETRY_MS);
  return {
    message: `rate limit reached: ${what} (${which} limit ${limit?.rps ?? '?'} calls/s, burst ${limit?.burst ?? '?'}). Retry in ${(wait / 1000).toFixed(1)} s.`,
    status: 429,
    retryAfterS: Math.ceil(wait / 1000),
  };
}

/**
 * The refusal text of a token check over its bucket: `server-wide` (sized like the server-wide
 * call bucket) or `per-client` (MCP_RATE_LIMIT_CLIENT_CHECKS, one per client address).
 */
export function tokenCheckRefusal(
  limit: RateLimit | undefined,
  waitMs: number,
  which: 'server-wide' | 'per-client' = 'server-wide',
): Refusal {
  // At least 0.1 s: the advice is printed to a tenth, and "Retry in 0.0 s" says nothing.
  const wait = Math.max(waitMs, MIN_RETRY_MS);
  const from = which === 'per-client' ? ' from this client address' : '';
  return {
    message: `rate limit reached: too many new Vault tokens to check${from} (${limit?.rps ?? '?'} checks/s, burst ${limit?.burst ?? '?'}). Retry in ${(wait / 1000).toFixed(1)} s.`,
    status: 429,
    retryAfterS: Math.ceil(wait / 1000),
  };
}

/**
 * The shared state `config` asks for: Redis when MCP_REDIS_URL is set (its module is imported
 * only then), else this process's memory.
 */
export async function openSharedState(config: Config, log: Logger): Promise<SharedState> {
  if (config.http.redisUrl) {
    const { RedisState } = await import('./redis-state.js');
    return new RedisState(config.http, config.http.redisUrl, log);
  }
  const { MemoryState } = await import('./memory-state.js');
  return new MemoryState(config.http);
}
