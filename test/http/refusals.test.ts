import { describe, expect, it } from 'vitest';
import { rateLimitRefusal, tokenCheckRefusal } from '../../src/transports/http/state.js';

describe('rate-limit refusals', () => {
  it('advise at least 0.1 s, never "Retry in 0.0 s"', () => {
    const limit = { rps: 10, burst: 20 };
    expect(rateLimitRefusal('read_secret was not run', 'server-wide', limit, 3)).toEqual({
      message:
        'rate limit reached: read_secret was not run (server-wide limit 10 calls/s, burst 20). Retry in 0.1 s.',
      status: 429,
      retryAfterS: 1,
    });
    expect(tokenCheckRefusal(limit, 0).message).toBe(
      'rate limit reached: too many new Vault tokens to check (10 checks/s, burst 20). Retry in 0.1 s.',
    );
    expect(tokenCheckRefusal({ rps: 1, burst: 5 }, 99_960, 'per-client')).toEqual({
      message:
        'rate limit reached: too many new Vault tokens to check from this client address (1 checks/s, burst 5). Retry in 100.0 s.',
      status: 429,
      retryAfterS: 100,
    });
    expect(rateLimitRefusal('x', 'per-caller', limit, 2_340).message).toMatch(/Retry in 2\.3 s\.$/);
  });
});
