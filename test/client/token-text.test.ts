/**
 * The token scrubbers (VaultClient.redact, the HTTP layer's scrubberOf) take a token out of text
 * base64-encoded as well as it is: both alphabets, with or without padding, at each of the three
 * byte offsets inside a longer encoded text, leaving nothing of the token beside the marker.
 */
import { describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/client/client.js';
import { scrubberOf } from '../../src/transports/http/callers.js';

// `?>~` make `+` and `/` (or `-` and `_`) appear in its encodings.
const TOKEN = 'hvs.CAESIB?>~echo-canary-0123456789';
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** Given text, and what is left with the token replaced by `[token]`. */
const CASES: ReadonlyArray<readonly [string, string]> = [
  // The token alone: standard with padding, standard without, URL-safe (never padded by Node).
  [`Basic ${b64(TOKEN)}`, 'Basic [token]'],
  [`Basic ${b64(TOKEN).replace(/=+$/, '')}`, 'Basic [token]'],
  [`cookie=${b64url(TOKEN)}`, 'cookie=[token]'],
  // Inside a longer encoded text, at offsets 0, 1 and 2 (mod 3), with and without bytes after it.
  [b64(`x-vault-token: ${TOKEN}\n`), 'eC12YXVsdC10b2tlbjog[token]K'],
  [b64url(`{"t":"${TOKEN}"}`), 'eyJ0Ijoi[token]ifQ'],
  [b64(`z${TOKEN}zz`), 'e[token]eno='],
  [b64url(`zzzz${TOKEN}`), 'enp6e[token]'],
  [b64(`user:${TOKEN}`), 'dXNlcj[token]'],
  [b64url(`a:${TOKEN}:b`), 'YT[token]pi'],
];

describe('base64 echoes of a token', () => {
  it('the HTTP scrubber replaces each of them', () => {
    const scrub = scrubberOf(TOKEN);
    expect(CASES.map(([given]) => scrub(given))).toEqual(CASES.map(([, want]) => want));
  });

  it("the client's redact() replaces each of them, and a raw token beside them too", () => {
    const client = createVaultClient({ address: 'http://127.0.0.1:1', token: TOKEN });
    expect(CASES.map(([given]) => client.redact(given, '[token]'))).toEqual(
      CASES.map(([, want]) => want),
    );
    expect(client.redact(`${TOKEN} ${b64(TOKEN)} $&`)).toBe('<token withheld> <token withheld> $&');
  });

  it('a short dev token: only a whole text equal to it or its encoding, never inside other text', () => {
    const dev = createVaultClient({ address: 'http://127.0.0.1:1', token: 'root' });
    expect(['cm9vdA==', 'cm9vdA', 'xcm9vdA==', 'policies: root'].map((t) => dev.redact(t))).toEqual(
      ['<token withheld>', '<token withheld>', 'xcm9vdA==', 'policies: root'],
    );
  });

  it('text without the token is left alone, base64 or not', () => {
    const scrub = scrubberOf(TOKEN);
    const other = b64('hvs.CAESIB?>~echo-canary-012345678X');
    expect([scrub(other), scrub('plain text')]).toEqual([other, 'plain text']);
  });
});
