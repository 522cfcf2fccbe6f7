/**
 * The fast paths of the key-material checks (src/server/redact.ts) and of the token scrubber
 * (src/client/token-text.ts) only skip work: for any text they give what the full expressions
 * give. The references below are the checks as they were before the fast paths (stop 22).
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeyMaterial, redactText, WITHHELD } from '../../src/server/redact.js';
import { tokenScrubber } from '../../src/client/token-text.js';

const PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const RUN = /[A-Za-z0-9+/]{64,}={0,2}/g;

// The DER parse itself is not a fast path: on a compact base64 text isKeyMaterial is that parse.
const isDer = (base64: string): boolean => isKeyMaterial(base64);

function referenceIsKey(value: string): boolean {
  PEM.lastIndex = 0;
  if (PEM.test(value)) return true;
  const compact = value.replace(/\s+/g, '');
  return compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact) && isDer(compact);
}

const referenceText = (text: string): string =>
  text.replace(PEM, WITHHELD).replace(RUN, (run) => (isDer(run) ? WITHHELD : run));

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const der = privateKey.export({ format: 'der', type: 'sec1' }).toString('base64');
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
// Pieces that matter to the checks, next to plain ones: key material whole and cut, base64 runs
// of every length around 64, white space of every kind `\s` takes, a PEM header alone.
const PIECES = [
  der,
  der.slice(0, 40),
  der.slice(40),
  pem,
  pem.slice(0, 40),
  '-----BEGIN PRIVATE KEY-----',
  '-----BEGIN RSA PRIVATE KEY-----',
  '-----END PRIVATE KEY-----',
  'A'.repeat(63),
  'QUJD'.repeat(16),
  '==',
  '=',
  ' ',
  '\n',
  '\u00a0',
  '\u2028',
  '\ufeff',
  'key:',
  'é',
  '-',
  '_',
];
const texts = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 8 })), { maxLength: 8 })
  .map((parts) => parts.join(''));

describe('redaction fast paths give what the full checks give', () => {
  it('isKeyMaterial and redactText on 3,000 texts of key pieces, base64 and white space', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(isKeyMaterial(text)).toBe(referenceIsKey(text));
        expect(redactText(text, { keys: true, token: (t) => t })).toBe(referenceText(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('a DER key wrapped with any white space is still key material', () => {
    for (const space of [' ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '\ufeff'])
      expect(isKeyMaterial(der.replace(/(.{40})/g, `$1${space}`))).toBe(true);
  });

  it('the token scrubber replaces every one-line form of the token inside any text', () => {
    const token = 's.AbCdEfGhIjKlMnOpQrStUvWx';
    const scrub = tokenScrubber(token);
    const bytes = Buffer.from(token);
    const forms = [
      token,
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      Buffer.concat([Buffer.from('x'), bytes]).toString('base64'),
      Buffer.concat([Buffer.from('xy'), bytes]).toString('base64'),
    ];
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.constantFrom(...forms),
        fc.string({ maxLength: 10 }),
        (before, form, after) => {
          const out = scrub(`${before}${form}${after}`, '<t>');
          expect(out).toContain('<t>');
          expect(out).not.toContain(token);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
