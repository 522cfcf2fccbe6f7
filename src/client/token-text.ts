/**
 * Where text can carry a token: as it is, base64-encoded (a proxy or a library that echoes a
 * header, a Basic credential, a value someone encoded before storing it), or hex-encoded in lower
 * or upper case (a byte dump; not mixed case, nor `%xx`, `\xNN` or `68:76` forms). The base64
 * forms are found in both alphabets (standard `+/` and URL-safe `-_`), with or without `=`
 * padding, and at each of the three byte offsets (mod 3) the token can start at inside a longer
 * encoded text: there its first and last characters also carry bits of the bytes around it, so
 * they are matched by every character those bits allow, and nothing of the token is left beside
 * the replacement.
 *
 * Encoders wrap base64 (GNU `base64` at 76 columns, `openssl base64` and PEM at 64, MIME at 76
 * with CRLF), so a line break may fall anywhere inside a token's encoding: between any two of its
 * characters and before its padding. A break is `\n` or `\r\n`, also in the escaped form a JSON
 * text shows (the two characters `\` `n`, as a tool result's text rendering has it), and may be
 * followed by spaces or tabs (an indented block: YAML, a folded header). A space alone is not a
 * break: no base64 encoder separates its output with spaces, and accepting them would send most
 * prose down the slower path. Text with a break takes a second pass: each run of base64 or hex
 * characters cut by breaks is joined and searched as one line (wrapped hex, `xxd -p`, too).
 * A raw token cut by a break is not found: no encoder wraps it.
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

/** One line break of wrapped base64, as the file comment describes it. */
const BREAK = String.raw`(?:\r?\n|\\r\\n|\\n)[ \t]*`;
const BREAKS = new RegExp(BREAK, 'g');
/** A character of base64 (either alphabet, or padding) or hex: never `\`, a space or a break. */
const ENCODED = '[A-Za-z0-9+/_=-]';
/** A run of {@link ENCODED} characters cut by at least one {@link BREAK}, from `lastIndex` on. */
const RUN_AT = new RegExp(`${ENCODED}+(?:${BREAK}${ENCODED}+)+`, 'y');
const FIND_BREAK = new RegExp(BREAK, 'g');
/** Char codes of the {@link ENCODED} characters. */
const IS_ENCODED = new Uint8Array(128).map((_, code) =>
  new RegExp(`^${ENCODED}$`).test(String.fromCharCode(code)) ? 1 : 0,
);
/**
 * True when `text` holds `length` characters in a row whose char codes are below 128 and marked
 * 1 in `codes`. A loop over char codes: far cheaper than a regular expression, as a test for
 * whether one can match at all.
 */
export function hasRun(text: string, codes: Uint8Array, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    run = code < 128 && codes[code] === 1 ? run + 1 : 0;
    if (run >= length) return true;
  }
  return false;
}

/** True when `text` holds a break, raw or JSON-escaped: only then can base64 in it be wrapped. */
const hasBreak = (text: string): boolean => text.includes('\n') || text.includes('\\n');

/**
 * The characters of `bytes` base64-encoded after `offset` (0, 1 or 2) bytes of anything, in
 * `alphabet`, each as a pattern: the characters holding only token bits as they are; the first
 * (offset 1 or 2) and the last (when the token does not end a 3-byte group) as a class of the
 * characters whose other bits may be anything. `padding`: how many `=` follow when the token ends
 * the encoded text.
 */
function echoAtoms(
  bytes: Buffer,
  offset: number,
  alphabet: string,
): { atoms: string[]; padding: number } {
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
  const atoms: string[] = [];
  for (let i = first; i <= last; i++) {
    const inner = i !== first && i !== last;
    atoms.push(
      inner
        ? literal(encoded.charAt(i))
        : edge(i, i === first ? 2 * offset : 0, i === last ? lowFree : 0),
    );
  }
  return { atoms, padding: (3 - ((offset + bytes.length) % 3)) % 3 };
}

/**
 * One regular expression (global) for every encoded form of `bytes` on one line: base64 (see
 * {@link echoAtoms}), its padding optional, and hex in lower and upper case (`xxd -p`, a dump of a
 * header).
 */
function echoesOf(bytes: Buffer): RegExp {
  const forms = [STANDARD, URL_SAFE].flatMap((alphabet) =>
    [0, 1, 2].map((offset) => {
      const { atoms, padding } = echoAtoms(bytes, offset, alphabet);
      return atoms.join('') + (padding ? `(?:${'='.repeat(padding)})?` : '');
    }),
  );
  const hex = bytes.toString('hex');
  forms.push(hex, hex.toUpperCase());
  return new RegExp([...new Set(forms)].join('|'), 'g');
}

/**
 * `text` with each wrapped encoding `echoes` finds replaced (see {@link unwrapAndScrub}). It goes
 * from break to break (a fast scan for `\n` and `\\`), not through a regular expression tried at
 * every word: the run around a break starts where the {@link ENCODED} characters before it start.
 * Runs shorter than `shortest` (characters) are left as they are: they cannot hold the token.
 */
function scrubWrapped(text: string, shortest: number, echoes: RegExp, replacement: string): string {
  let out = '';
  let at = 0; // text before `at` is in `out`
  let scanned = 0; // no run starts before `scanned`
  FIND_BREAK.lastIndex = 0;
  for (let found = FIND_BREAK.exec(text); found; found = FIND_BREAK.exec(text)) {
    let start = found.index;
    while (start > scanned && IS_ENCODED[text.charCodeAt(start - 1)] === 1) start--;
    RUN_AT.lastIndex = start;
    const run = RUN_AT.exec(text)?.[0];
    if (run === undefined) continue;
    scanned = start + run.length;
    FIND_BREAK.lastIndex = scanned;
    if (run.length < shortest) continue;
    out += text.slice(at, start) + unwrapAndScrub(run, echoes, replacement);
    at = scanned;
  }
  return at === 0 ? text : out + text.slice(at);
}

/**
 * `run` (a {@link RUN_AT} run) with each encoding `echoes` finds once its breaks are taken out
 * replaced by `replacement`, followed by the breaks that stood inside that encoding.
 */
function unwrapAndScrub(run: string, echoes: RegExp, replacement: string): string {
  const joined = run.replace(BREAKS, '');
  // search(), not test(): it leaves `lastIndex` alone, which matchAll below starts from.
  if (joined.search(echoes) < 0) return run;
  // kept[i]: where the i-th character of `joined` stands in `run`.
  const kept = new Int32Array(joined.length);
  let k = 0;
  let from = 0;
  for (const { index, 0: gap } of [...run.matchAll(BREAKS), { index: run.length, 0: '' }]) {
    for (let i = from; i < index; i++) kept[k++] = i;
    from = index + gap.length;
  }
  let out = '';
  let at = 0;
  for (const { index, 0: echo } of joined.matchAll(echoes)) {
    const start = kept[index] ?? 0;
    const end = (kept[index + echo.length - 1] ?? 0) + 1;
    const gaps = run.slice(start, end).match(BREAKS) ?? [];
    out += run.slice(at, start) + replacement + gaps.join('');
    at = end;
  }
  return out + run.slice(at);
}

/**
 * A function replacing `token` in a text by `replacement`: for a token of
 * {@link MIN_REDACTABLE_TOKEN} characters or more, every occurrence, as it is, base64-encoded
 * (one line or wrapped, see the file comment) and hex-encoded; for a shorter one, only a whole
 * text that equals the token or its base64 encoding (a dev token like `root` is also a word, and
 * its few base64 characters turn up in any encoded text). A wrapped encoding keeps its line
 * breaks: the replacement stands where the encoding began, and the breaks inside it follow the
 * replacement as they were, so every line keeps its number and the line where the encoding ended
 * keeps what follows it. The patterns are built on first use, once per scrubber; a text with
 * no line break is scanned once, as if nothing were ever wrapped.
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
  // Below this length a run cannot hold the token's encoding (4 characters per 3 bytes).
  const shortest = Math.ceil((bytes.length * 4) / 3);
  let echoes: RegExp | undefined;
  return (text, replacement) => {
    // Every form of the token (raw, base64 at any offset, hex) is at least as long as the token.
    if (text.length < token.length) return text;
    const raw = text.includes(token) ? text.split(token).join(replacement) : text;
    echoes ??= echoesOf(bytes);
    // A function, so that `$` in the replacement is never read as a group reference.
    // A one-line encoding of the token is a run of at least `shortest` ENCODED characters.
    const out = hasRun(raw, IS_ENCODED, shortest) ? raw.replace(echoes, () => replacement) : raw;
    if (!hasBreak(out)) return out;
    return scrubWrapped(out, shortest, echoes, replacement);
  };
}
