/**
 * RequestTargets (src/client/http.ts): the request options of a URL without parsing the pool's
 * origin on every request must be exactly what `urlToHttpOptions(new URL(url))` gives, for any
 * path and query, including dot segments, percent-encoded dots, backslashes and characters a URL
 * encodes.
 */
import { urlToHttpOptions } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestTargets } from '../../src/client/http.js';

/** What `new URL` then `urlToHttpOptions` give, in the fields node:http reads; or the error. */
function parsed(url: string): unknown {
  try {
    const { protocol, hostname, port, path, auth } = urlToHttpOptions(new URL(url));
    return { protocol, hostname, port, path, ...(auth !== undefined ? { auth } : {}) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

function target(targets: RequestTargets, url: string): unknown {
  try {
    return targets.of(url);
  } catch (error) {
    return { error: (error as Error).name };
  }
}

const ORIGINS = [
  'http://127.0.0.1:8200',
  'https://vault.example.com:8200',
  'http://[::1]:8200',
  'http://user:pw@vault:80',
  'HTTPS://Vault.Example.COM',
  'http://vault:8200?',
];
// Characters that matter to URL parsing, next to plain ones.
const PIECES = ['a', 'Z', '0', '.', '..', '%2e', '%2E', '%', '/', '//', '?', '#', "'", '\\'];
const ODD = [' ', '\t', '\n', '"', '<', '`', '{', '|', '^', 'é', '\u0000', '%00', '&', '=', '+'];

describe('RequestTargets', () => {
  it('gives node:http the Vault address, path and query of a plain URL as given', () => {
    const targets = new RequestTargets();
    expect(targets.of('http://127.0.0.1:8200/v1/secret/data/app/db?version=2')).toEqual({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8200,
      path: '/v1/secret/data/app/db?version=2',
    });
    expect(targets.of('https://[::1]/v1/pki/issuers?list=true')).toEqual({
      protocol: 'https:',
      hostname: '::1',
      port: undefined,
      path: '/v1/pki/issuers?list=true',
    });
  });

  it('normalizes what URL parsing changes: dot segments, %2e, backslashes, spaces', () => {
    const targets = new RequestTargets();
    const path = (url: string): unknown => (targets.of(url) as { path: string }).path;
    expect(path('http://h:1/v1/secret/data/a/../../../sys/mounts')).toBe('/v1/sys/mounts');
    expect(path('http://h:1/v1/secret/%2e%2E/sys')).toBe('/v1/sys');
    expect(path('http://h:1/v1/a\\b')).toBe('/v1/a/b');
    expect(path("http://h:1/v1/a b?x='y'")).toBe('/v1/a%20b?x=%27y%27');
  });

  it('matches urlToHttpOptions(new URL(url)) for any path, one pool across origins', () => {
    const targets = new RequestTargets();
    const suffix = fc
      .array(fc.oneof(fc.constantFrom(...PIECES), fc.constantFrom(...ODD)), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.constantFrom(...ORIGINS), fc.boolean(), suffix, (origin, slash, rest) => {
        const url = `${origin}${slash ? '/' : ''}${rest}`;
        expect(target(targets, url)).toEqual(parsed(url));
      }),
      { numRuns: 3000 },
    );
  });
});
