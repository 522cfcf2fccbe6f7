/**
 * Path handling shared by the client and the tools: Vault paths keep their `/` (a KV path like
 * `team/app/db` is several segments), each segment is percent-encoded on its own, and segments
 * that a URL parser would resolve (`.`, `..`, also when written `%2e%2e`) are refused so that no
 * input can walk out of the mount it names.
 */
import { VaultInputError } from './errors.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Letters, digits, `_`, `-` and `/`: a path {@link pathSegments} only splits. */
const PLAIN = /^[\w/-]*$/;
/** A {@link PLAIN} path without empty segments (`a/b`, not `/a`, `a//b` or `a/`): kept as it is. */
const TIDY = /^[\w-]+(?:\/[\w-]+)*$/;
/** A surrogate half without its pair (String#isWellFormed is not in the ES2023 lib). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Split a Vault path into its non-empty segments: `/a//b/` → `['a', 'b']`.
 * @throws VaultInputError for `.`/`..` segments (also percent-encoded), control characters and
 * unpaired surrogates (which no URL can carry).
 */
export function pathSegments(parameter: string, value: string): string[] {
  // Most paths: no `.` or `%` (so no dot segment, spelled either way) and nothing to refuse.
  if (PLAIN.test(value)) return value.split('/').filter((s) => s.length > 0);
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new VaultInputError(parameter, `contains the control character U+${code}; remove it`);
  }
  if (LONE_SURROGATE.test(value))
    throw new VaultInputError(parameter, 'contains an unpaired UTF-16 surrogate; remove it');
  const segments = value.split('/').filter((s) => s.length > 0);
  for (const segment of segments) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // Not percent-encoded text: it is sent literally (its % is encoded).
    }
    if (decoded === '.' || decoded === '..') {
      throw new VaultInputError(
        parameter,
        `"${segment}" segments are not allowed (${JSON.stringify(value)}); give the path inside the mount`,
      );
    }
  }
  return segments;
}

/** `/a//b/` → `a/b` (validated as in {@link pathSegments}). */
export function normalizePath(parameter: string, value: string): string {
  if (TIDY.test(value)) return value;
  return pathSegments(parameter, value).join('/');
}

/** Percent-encode each segment, keep the `/` between them. */
export function encodePath(parameter: string, value: string): string {
  // Letters, digits, `_` and `-` are what encodeURIComponent leaves as they are.
  if (TIDY.test(value)) return value;
  return pathSegments(parameter, value).map(encodeURIComponent).join('/');
}

/**
 * openapi-fetch path serializer (it receives base URL + template): fills `{name}` placeholders with
 * {@link encodePath} ({@link fillPathTemplate}) and drops the empty segment an empty value leaves
 * (`/secret/metadata//` → `/secret/metadata/`, {@link collapseSlashes}), because Vault's router
 * answers a double slash with a redirect.
 * @throws VaultInputError for an empty `*_mount_path` parameter, `..` segments or control characters.
 */
export function serializeVaultPath(template: string, params: Record<string, unknown>): string {
  return collapseSlashes(fillPathTemplate(template, params));
}

/**
 * `template` with each `{name}` replaced by `params[name]` through {@link encodePath} (undefined
 * and null by nothing). Slashes are left as they are.
 * @throws VaultInputError as {@link serializeVaultPath}.
 */
export function fillPathTemplate(template: string, params: Record<string, unknown>): string {
  const parts = templateParts(template);
  let filled = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i] ?? '';
    const value = params[name];
    const encoded = value === undefined || value === null ? '' : encodePath(name, String(value));
    // An empty mount would move the request to another mount (`/{mount}/{path}` → `/{path}`).
    if (!encoded && name.endsWith('_mount_path'))
      throw new VaultInputError(name, "is empty; give the engine's mount path, e.g. 'secret'");
    filled += encoded + (parts[i + 1] ?? '');
  }
  return filled;
}

/** Templates split once: literal text at even indexes, placeholder names at odd ones. */
const templates = new Map<string, readonly string[]>();
/**
 * The most templates kept split. The server uses a few hundred (the document's paths and the
 * hand-written calls); a library caller may pass a concrete path as the template of every
 * `request()`, which must not grow the cache for the life of the process.
 */
export const MAX_CACHED_TEMPLATES = 1024;

/** `/{a}/data/{b}` → `['/', 'a', '/data/', 'b', '']` (see {@link MAX_CACHED_TEMPLATES}). */
function templateParts(template: string): readonly string[] {
  let parts = templates.get(template);
  if (!parts) {
    parts = template.split(/\{([^{}]+)\}/);
    if (templates.size < MAX_CACHED_TEMPLATES) templates.set(template, parts);
  }
  return parts;
}

/** @internal How many templates are kept split (for tests). */
export function cachedTemplates(): number {
  return templates.size;
}

/** Runs of `/` as one, but the scheme's `//` (`http://h//v1//a` → `http://h/v1/a`). */
export function collapseSlashes(url: string): string {
  const scheme = url.indexOf('://');
  const start = scheme >= 0 ? scheme + 3 : 0;
  if (!url.includes('//', start)) return url;
  return url.slice(0, start) + url.slice(start).replace(/\/{2,}/g, '/');
}
