/**
 * redactValue on object keys: a key can carry the token as a value can, and a key named
 * `__proto__` stays a key (review of stop 22).
 */
import { describe, expect, it } from 'vitest';
import { redactValue, TOKEN_REDACTED } from '../../src/server/redact.js';
import { tokenScrubber } from '../../src/client/token-text.js';

const token = 's.AbCdEfGhIjKlMnOpQrStUvWx';
const scrub = tokenScrubber(token);
const options = { keys: true, token: (text: string) => scrub(text, TOKEN_REDACTED) };

describe('redactValue and object keys', () => {
  it('replaces the token in a key, at any depth, and lists where', () => {
    const withheld: string[] = [];
    const out = redactValue(
      { data: { [token]: 'lease-1', note: 'x' }, leases: [{ [`by-${token}`]: 2 }] },
      options,
      withheld,
    );
    expect(out).toEqual({
      data: { [TOKEN_REDACTED]: 'lease-1', note: 'x' },
      leases: [{ [`by-${TOKEN_REDACTED}`]: 2 }],
    });
    expect(JSON.stringify(out)).not.toContain(token);
    expect(withheld).toEqual([`data.${TOKEN_REDACTED}`, `leases[0].by-${TOKEN_REDACTED}`]);
  });

  it('keeps a key named __proto__ as a key of the copy', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const out = redactValue(parsed, options) as Record<string, unknown>;
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('a token equal to a field name does not turn the name rules off (review of stop 22)', () => {
    for (const [token, field] of [
      ['token', 'token'],
      ['client_token', 'client_token'],
      ['wrapping', 'wrapping_token'],
      ['private_key', 'private_key'],
    ] as const) {
      const own = tokenScrubber(token);
      const withheld: string[] = [];
      const out = redactValue(
        { [field]: 'hvs.SomeOtherTokenOrKeyText' },
        { keys: true, token: (text) => own(text, TOKEN_REDACTED) },
        withheld,
      );
      expect(Object.values(out as Record<string, unknown>)).toEqual([
        field === 'private_key' ? '<withheld>' : TOKEN_REDACTED,
      ]);
    }
  });
});
