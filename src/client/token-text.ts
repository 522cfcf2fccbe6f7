/**
 * Where text can carry a token: as it is, or base64-encoded (a proxy or a library that echoes a
 * header, a Basic credential, a value someone encoded before storing it). The base64 forms are
 * found in both alphabets (standard `+/` and URL-safe `-_`), with or without `=` padding, and at
 * each of the three byte offsets (mod 3) the token can start at inside a longer encoded text: there
 * its first and last characters also carry bits of the bytes around it, so they are matched by
 * every character those bits allow, and nothing of the token is left beside the replacement.
 */

/**
 * Tokens at least this long are taken out of any text; shorter ones (dev tokens like `root`) only
 * where a whole string equals them. Every token Vault issues is far longer (`hvs.` + 91, `s.` + 24).
 */
export const MIN_REDACTABLE_TOKEN = 8;

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `c` as a regular expression matches it, inside a character class or out. */
const literal = (c: string): string => (/[+/-]/.test(c) ? `\\${c}` : c);

/**
 * The pattern of `bytes` base64-encoded after `offset` (0, 1 or 2) bytes of anything, in
 * `alphabet`: the characters holding only token bits as they are; the first (offset 1 or 2) and the
 * last (when the token does not end a 3-byte group) as a class of the characters whose other bits
 * may be anything; then the padding that follows when the token ends the encoded text, optional.
 */
function echoPattern(bytes: Buffer, offset: number, alphabet: string): string {
  const encoding = alphabet === STANDARD ? 'base64' : 'base64url';
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
    .toString(encoding)
    .replace(/=+$/, '');
  const first = offset; // char `offset` holds the first token bits: 2 * offset bits before them
  const last = encoded.length - 1;
  const lowFree = 6 * encoded.length - 8 * (offset + bytes.length); // 0, 2 or 4 bits after
  // The characters `i` may be when its `highFree` first and `lowFree` last bits are not the token's.
  const edge = (i: number, highFree: number, lowFree: number): string => {
    const mask = ((1 << (6 - highFree)) - 1) & ~((1 << lowFree) - 1);
    const value = alphabet.indexOf(encoded.charAt(i)) & mask;
    const allowed = [...alphabet].filter((_, v) => (v & mask) === value).map(literal);
    return allowed.length === 1 ? (allowed[0] ?? '') : `[${allowed.join('')}]`;
  };
  let pattern = '';
  for (let i = first; i <= last; i++) {
    const inner = i !== first && i !== last;
    pattern += inner
      ? literal(encoded.charAt(i))
      : edge(i, i === first ? 2 * offset : 0, i === last ? lowFree : 0);
  }
  const padding = (3 - ((offset + bytes.length) % 3)) % 3;
  return padding ? `${pattern}(?:${'='.repeat(padding)})?` : pattern;
}

/**
 * A function replacing `token` in a text by `replacement`: for a token of
 * {@link MIN_REDACTABLE_TOKEN} characters or more, every occurrence, as it is and base64-encoded
 * (see the file comment); for a shorter one, only a whole text that equals the token or its
 * base64 encoding (a dev token like `root` is also a word, and its few base64 characters turn up
 * in any encoded text). The patterns are built on first use, once per scrubber.
 * @param token the token, as sent to Vault (its UTF-8 bytes are what an encoder sees).
 */
export function tokenScrubber(token: string): (text: string, replacement: string) => string {
  const bytes = Buffer.from(token, 'utf8');
  if (token.length < MIN_REDACTABLE_TOKEN) {
    const whole = new Set([token]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = bytes.toString(encoding);
      whole.add(encoded).add(encoded.replace(/=+$/, ''));
    }
    return (text, replacement) => (whole.has(text) ? replacement : text);
  }
  let echoes: RegExp | undefined;
  return (text, replacement) => {
    const raw = text.includes(token) ? text.split(token).join(replacement) : text;
    echoes ??= new RegExp(
      [
        ...new Set(
          [STANDARD, URL_SAFE].flatMap((alphabet) =>
            [0, 1, 2].map((offset) => echoPattern(bytes, offset, alphabet)),
          ),
        ),
      ].join('|'),
      'g',
    );
    // A function, so that `$` in the replacement is never read as a group reference.
    return raw.replace(echoes, () => replacement);
  };
}
