/**
 * What never reaches the model, whatever a tool or Vault returns: the Vault token in use (reveal
 * or not), and private key material unless the operator enabled reveal. Key material is found by
 * field name (`private_key`, `pem_bundle`, ...) and by value (PEM private keys, and base64 DER that
 * Node's crypto parses as a PKCS#1, PKCS#8 or SEC1 private key), so `format: der` or a raw KV tool
 * pointed at a PKI path cannot carry a key out in a field nobody listed.
 */
import { createPrivateKey } from 'node:crypto';
import { hasRun } from '../client/token-text.js';

/** The marker that replaces a withheld value. */
export const WITHHELD = '<withheld>';

/** The marker that replaces a token. */
export const TOKEN_REDACTED = '<token withheld>';

/** Field names whose value is key material (not `private_key_type`, which names an algorithm). */
const KEY_FIELDS = /^(private_key|.+_private_key|private_keys|pem_bundle|key_bundle)$/;

/** Field names whose value is a token; never returned, even with reveal on. */
const TOKEN_FIELDS = /^(client_token|token|wrapping_token)$/;

const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const BASE64_RUN = /[A-Za-z0-9+/]{64,}={0,2}/g;
/** The shortest text {@link PEM_PRIVATE_KEY} matches: `-----BEGIN PRIVATE KEY-----`. */
const SHORTEST_PEM = 27;
/** The shortest base64 DER run looked at ({@link BASE64_RUN}); no private key is shorter. */
const SHORTEST_DER = 64;
/** By char code below 128: 1 for a base64 character (`A-Z a-z 0-9 + /`), 2 for `=` or a space. */
const BASE64_CODES = new Uint8Array(128).map((_, code) => {
  const c = String.fromCharCode(code);
  return /[A-Za-z0-9+/]/.test(c) ? 1 : /[=\s]/.test(c) ? 2 : 0;
});

/**
 * True when `text` holds only base64 characters, `=` and white space (`\s`): else it cannot
 * be one base64 DER key however its spaces are taken out. A loop over char codes, far cheaper
 * than the expressions it spares.
 */
function onlyBase64(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 ? BASE64_CODES[code] === 0 : !/\s/.test(text.charAt(i))) return false;
  }
  return true;
}

/**
 * True when `value` is, or holds, a private key: PEM text, or base64 DER that parses as a
 * PKCS#8 (encrypted or not), PKCS#1 or SEC1 private key.
 */
export function isKeyMaterial(value: string): boolean {
  if (value.length < SHORTEST_PEM) return false;
  PEM_PRIVATE_KEY.lastIndex = 0;
  // `-----BEGIN ` is in every match: a search for it is far cheaper than the expression.
  if (value.includes('-----BEGIN ') && PEM_PRIVATE_KEY.test(value)) return true;
  if (value.length < SHORTEST_DER || !onlyBase64(value)) return false;
  const compact = value.replace(/\s+/g, '');
  return compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact) && isDerKey(compact);
}

/** A base64 DER private key, as Node's crypto (OpenSSL) reads it. */
function isDerKey(base64: string): boolean {
  const der = Buffer.from(base64, 'base64');
  // Every DER private key is an ASN.1 SEQUENCE.
  if (der[0] !== 0x30) return false;
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch (error) {
      // An encrypted PKCS#8 key parses far enough to ask for its passphrase.
      if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') return true;
    }
  }
  return false;
}

/** What {@link redactValue} removes. */
export interface RedactOptions {
  /** Withhold key material (reveal is off). */
  readonly keys: boolean;
  /** Replaces the token in use wherever it appears in a string (VaultClient.redact). */
  readonly token: (text: string) => string;
}

/**
 * A copy of `value` with tokens (in strings and in object keys) and (with `options.keys`) key
 * material replaced; the dotted paths of replaced fields are pushed to `withheld`.
 */
export function redactValue(
  value: unknown,
  options: RedactOptions,
  withheld: string[] = [],
  path = '',
): unknown {
  if (typeof value === 'string') {
    if (options.keys && isKeyMaterial(value)) {
      withheld.push(path || '(body)');
      return WITHHELD;
    }
    // A DER key inside other text (`note: key:MHcC…`) is withheld where it stands, as in text.
    const inner = options.keys ? withheldDerRuns(value) : value;
    if (inner !== value) withheld.push(path || '(body)');
    return options.token(inner);
  }
  if (Array.isArray(value))
    return value.map((item, i) => redactValue(item, options, withheld, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      // A key can carry the token too (a secret keyed by it, a map of token to lease).
      const key = options.token(name);
      const at = path ? `${path}.${key}` : key;
      const named =
        typeof inner === 'string' && inner !== '' && inner !== WITHHELD
          ? // The field's own name: a token equal to `token` or inside a field name (an
            // operator-chosen dev token) must not turn the name rules off.
            TOKEN_FIELDS.test(name)
            ? TOKEN_REDACTED
            : options.keys && KEY_FIELDS.test(name)
              ? WITHHELD
              : undefined
          : undefined;
      if (named !== undefined || key !== name) withheld.push(at);
      const copy = named ?? redactValue(inner, options, withheld, at);
      // A key named `__proto__` (JSON can hold one) stays a key, not the copy's prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: copy,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = copy;
    }
    return out;
  }
  return value;
}

/** `text` with each base64 run that is a DER private key replaced by {@link WITHHELD}. */
function withheldDerRuns(text: string): string {
  // No run of SHORTEST_DER base64 characters: BASE64_RUN cannot match.
  if (!hasRun(text, BASE64_CODES, SHORTEST_DER)) return text;
  return text.replace(BASE64_RUN, (run) => (isDerKey(run) ? WITHHELD : run));
}

/** `text` with tokens and (with `options.keys`) PEM or base64 DER private keys replaced. */
export function redactText(text: string, options: RedactOptions): string {
  const out = options.token(text);
  if (!options.keys) return out;
  const pem = out.includes('-----BEGIN ') ? out.replace(PEM_PRIVATE_KEY, WITHHELD) : out;
  return withheldDerRuns(pem);
}

/**
 * {@link redactText} with the options of a caller's context: its token, and key material unless
 * the operator enabled reveal. The last guard for text that reaches the model outside a tool
 * result (prompt texts, resource contents).
 */
export function redactForModel(
  text: string,
  context: {
    readonly config: { readonly revealSecrets: boolean };
    readonly vault: { redact(text: string): string };
  },
): string {
  return redactText(text, {
    keys: !context.config.revealSecrets,
    token: (inner) => context.vault.redact(inner),
  });
}
