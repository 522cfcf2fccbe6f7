/**
 * Tool-call rate limits as token buckets (the `limiter` library): one bucket for the whole
 * server and one per session (per caller token in stateless mode) whose parent is the global
 * one, so a call spends a token from both. A refused call becomes an `isError` result that says
 * when to retry.
 */
import { TokenBucket } from 'limiter';
import type { RateLimit } from '../config.js';

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

export class RateLimits {
  readonly #global: TokenBucket | undefined;
  readonly #checks: TokenBucket | undefined;
  readonly #globalLimit: RateLimit | undefined;
  readonly #sessionLimit: RateLimit | undefined;

  constructor(global: RateLimit | undefined, session: RateLimit | undefined) {
    this.#globalLimit = global;
    this.#sessionLimit = session;
    this.#global = global ? bucket(global) : undefined;
    this.#checks = global ? bucket(global) : undefined;
  }

  /** A per-session (or per-caller) bucket chained to the global one; undefined when unlimited. */
  forSession(): TokenBucket | undefined {
    if (this.#sessionLimit) return bucket(this.#sessionLimit, this.#global);
    return this.#global;
  }

  /**
   * Spend one token of the bucket for token checks of new callers (HTTP mode), sized like the
   * server-wide limit but separate from it: made-up tokens cannot make the server ask Vault
   * without bound, nor use up the tool calls of accepted callers. Undefined when allowed, else
   * the refusal text.
   */
  admitTokenCheck(): string | undefined {
    if (!this.#checks || this.#checks.tryRemoveTokens(1)) return undefined;
    const waitMs = Math.max(this.#checks.getWaitTime(1), 1);
    return `rate limit reached: too many new Vault tokens to check (${this.#globalLimit?.rps ?? '?'} checks/s, burst ${this.#globalLimit?.burst ?? '?'}). Retry in ${(waitMs / 1000).toFixed(1)} s.`;
  }

  /**
   * Spend one token for a tool call. Returns undefined when the call may run, else the refusal
   * text with the wait in seconds.
   */
  admit(session: TokenBucket | undefined, tool: string): string | undefined {
    return this.#spend(session, `${tool} was not run`, 'per-session')?.message;
  }

  /**
   * Spend one token of a caller's bucket (see forSession) for work that is not a tool call but
   * costs the server or Vault as much: opening a session, a capability probe. `what` says what
   * was refused (`no session was opened`). Undefined when allowed, else the refusal text and
   * the whole seconds to wait (for a Retry-After header).
   */
  admitForCaller(
    caller: TokenBucket | undefined,
    what: string,
  ): { message: string; retryAfterS: number } | undefined {
    return this.#spend(caller, what, 'per-caller');
  }

  #spend(
    bucket: TokenBucket | undefined,
    what: string,
    scope: 'per-session' | 'per-caller',
  ): { message: string; retryAfterS: number } | undefined {
    if (!bucket || bucket.tryRemoveTokens(1)) return undefined;
    const waitMs = Math.max(bucket.getWaitTime(1), 1);
    const globalEmpty = this.#global !== undefined && this.#global.getWaitTime(1) > 0;
    const limit = globalEmpty ? this.#globalLimit : this.#sessionLimit;
    const which = globalEmpty ? 'server-wide' : scope;
    return {
      message: `rate limit reached: ${what} (${which} limit ${limit?.rps ?? '?'} calls/s, burst ${limit?.burst ?? '?'}). Retry in ${(waitMs / 1000).toFixed(1)} s.`,
      retryAfterS: Math.ceil(waitMs / 1000),
    };
  }
}
