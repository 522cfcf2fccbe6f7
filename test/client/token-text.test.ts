/**
 * The token scrubbers (VaultClient.redact, the HTTP layer's scrubberOf) take a token out of text
 * base64-encoded as well as it is: both alphabets, with or without padding, at each of the three
 * byte offsets inside a longer encoded text, leaving nothing of the token beside the marker;
 * also line-wrapped (GNU base64, openssl, MIME CRLF, indented, JSON-escaped) and hex-encoded.
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

/** `text` cut into lines of `width` characters, each ended by `eol` (as GNU base64 and openssl do). */
const wrap = (text: string, width: number, eol = '\n'): string =>
  (text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(eol) + eol;
// A HashiCorp-shaped token (`hvs.` + 91): its base64 (127+ characters) always wraps.
const HVS =
  'hvs.CAESIB?>~wrapped-canary-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
// An OpenBao-shaped short token (`s.` + 24): 35 characters of base64, wrapped only inside a longer text.
const SHORT = 's.Wr4pCanary?>~0123456789z';

describe('line-wrapped and hex echoes of a token', () => {
  /** Given token, given text, and what is left with the token replaced by `[token]`. */
  const WRAPPED: ReadonlyArray<readonly [string, string, string]> = [
    // GNU `base64` (76 columns); the padding on the next line goes with the token.
    [HVS, wrap(b64(`vault:${HVS}`), 76), 'dmF1bHQ6[token]\n\n'],
    // `openssl base64` (64 columns), the token inside a JSON document.
    [HVS, wrap(b64(JSON.stringify({ token: HVS })), 64), 'eyJ0b2tlbiI6I[token]\n\nIn0=\n'],
    // MIME (76 columns, CRLF): the CRLFs stay as they were.
    [
      HVS,
      wrap(b64(`Authorization: Bearer ${HVS}\r\n`), 76, '\r\n'),
      'QXV0aG9yaXphdGlvbjogQmVhcmVyI[token]\r\n\r\nDQo=\r\n',
    ],
    // The short token in a longer blob, a break falling inside its encoding.
    [
      SHORT,
      wrap(b64(`${'#'.repeat(30)} X-Vault-Token: ${SHORT} ${'#'.repeat(10)}`), 64),
      'IyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIFgtVmF1bHQtVG9rZW46I[token]\nICMjIyMjIyMjIyM=\n',
    ],
    // An indented YAML block: the indentation after each break stays too.
    [
      HVS,
      `cfg: |\n  ${wrap(b64(`vault:${HVS}`), 76, '\n  ')}`,
      'cfg: |\n  dmF1bHQ6[token]\n  \n  ',
    ],
    // JSON-escaped breaks (`\\n`, as a tool result's text rendering shows a multi-line value).
    [
      HVS,
      JSON.stringify(wrap(b64(JSON.stringify({ token: HVS })), 64)),
      '"eyJ0b2tlbiI6I[token]\\n\\nIn0=\\n"',
    ],
    // Two wrapped encodings after prose and a blank line (76 and 64 columns, offsets 2 and 0).
    [
      HVS,
      `two keys\nbelow:\n\n${wrap(b64(`a:${HVS}`), 76)}\n${wrap(b64(`bb:${HVS}`), 64)}`,
      'two keys\nbelow:\n\nYT[token]\n\n\nYmI6[token]\n\n\n',
    ],
    // Hex, lower and upper case, one line and wrapped at 60 (`xxd -p`).
    [
      HVS,
      `${Buffer.from(`t=${HVS}`).toString('hex')} ${Buffer.from(HVS).toString('hex').toUpperCase()}`,
      '743d[token] [token]',
    ],
    [HVS, wrap(Buffer.from(`t=${HVS}`).toString('hex'), 60), '743d[token]\n\n\n\n'],
  ];

  it('the HTTP scrubber replaces each of them, keeping the lines inside as empty lines', () => {
    expect(WRAPPED.map(([token, given]) => scrubberOf(token)(given))).toEqual(
      WRAPPED.map(([, , want]) => want),
    );
  });

  it("the client's redact() replaces each of them", () => {
    const redact = (token: string, text: string): string =>
      createVaultClient({ address: 'http://127.0.0.1:1', token }).redact(text, '[token]');
    expect(WRAPPED.map(([token, given]) => redact(token, given))).toEqual(
      WRAPPED.map(([, , want]) => want),
    );
  });

  it('wrapped text without the token is left alone, and a one-line echo beside it still goes', () => {
    const scrub = scrubberOf(HVS);
    const other = wrap(b64(`vault:${HVS.slice(0, -1)}X`), 76);
    const prose = 'policies:\n  default\nkeys:\n  username\n  password\n';
    expect([scrub(other), scrub(prose), scrub(`${other}${b64(HVS)}`)]).toEqual([
      other,
      prose,
      `${other}[token]`,
    ]);
  });
});
