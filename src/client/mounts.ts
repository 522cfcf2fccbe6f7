/**
 * Secrets-engine mounts: what a mount is (type, KV version) and the mount table operations.
 * Mount paths are given without a trailing slash (`secret`, `team/kv`); a trailing slash is ignored.
 */
import type { VaultClient } from './client.js';
import { VaultResponseError } from './errors.js';
import { normalizePath } from './paths.js';

/** One mount as `sys/internal/ui/mounts` describes it. */
export interface MountInfo {
  /** Mount path with its trailing slash, as Vault reports it (`secret/`). */
  readonly path: string;
  /** Engine type: `kv`, `pki`, `transit`, ... */
  readonly type: string;
  /** KV version (1 or 2) for `kv` mounts, else undefined. */
  readonly kvVersion: 1 | 2 | undefined;
  readonly description: string;
  readonly accessor: string | undefined;
  readonly options: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly local: boolean;
  readonly sealWrap: boolean;
}

function kvVersionOf(
  type: string,
  options: Record<string, unknown> | null | undefined,
): 1 | 2 | undefined {
  if (type === 'generic') return 1;
  if (type !== 'kv') return undefined;
  return String(options?.['version'] ?? '1') === '2' ? 2 : 1;
}

function mountInfo(path: string, raw: Record<string, unknown>): MountInfo {
  const type = String(raw['type'] ?? '');
  const options = (raw['options'] ?? {}) as Record<string, unknown>;
  return {
    path: path.endsWith('/') ? path : `${path}/`,
    type,
    kvVersion: kvVersionOf(type, options),
    description: String(raw['description'] ?? ''),
    accessor: typeof raw['accessor'] === 'string' ? raw['accessor'] : undefined,
    options,
    config: (raw['config'] ?? {}) as Record<string, unknown>,
    local: raw['local'] === true,
    sealWrap: raw['seal_wrap'] === true,
  };
}

/**
 * The mount that holds `path` (a mount path or any path inside it, e.g. `secret/myapp/db`), from
 * `GET /v1/sys/internal/ui/mounts/<path>`. Works for any token with a capability under the mount;
 * it does not need `read` on `sys/mounts`.
 * @throws VaultResponseError (400/403 when no mount is visible at that path to this token).
 */
export async function readMountInfo(client: VaultClient, path: string): Promise<MountInfo> {
  const result = await client.GET('/sys/internal/ui/mounts/{path}', {
    params: { path: { path: normalizePath('mount', path) } },
  });
  const data = (result.data ?? {}) as Record<string, unknown>;
  return mountInfo(String(data['path'] ?? path), data);
}

/**
 * Secrets-engine mounts visible to the token, sorted by path, from
 * `GET /v1/sys/internal/ui/mounts` (filtered by the token's ACL; no `sys/mounts` read needed).
 * `noRetry`: fail at once when Vault is unreachable instead of retrying with backoff (the
 * capability probe, which must not hold up tools/list).
 */
export async function listVisibleMounts(
  client: VaultClient,
  options: { noRetry?: boolean } = {},
): Promise<MountInfo[]> {
  const result = options.noRetry
    ? await client.request('get', '/sys/internal/ui/mounts', { noRetry: true })
    : await client.GET('/sys/internal/ui/mounts');
  const secret =
    ((result.data ?? {}) as { secret?: Record<string, Record<string, unknown>> }).secret ?? {};
  return Object.entries(secret)
    .map(([path, raw]) => mountInfo(path, raw))
    .sort(byPath);
}

/**
 * Mount order: by path, code point by code point. Not `localeCompare`: its first call builds an
 * ICU collator (measured ~40 ms), and this sort runs in the capability probe behind the first
 * tools/list.
 */
function byPath(a: MountInfo, b: MountInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Every secrets-engine mount from `GET /v1/sys/mounts` (needs `read` on `sys/mounts`), sorted by path.
 */
export async function listMounts(client: VaultClient): Promise<MountInfo[]> {
  const result = await client.GET('/sys/mounts');
  const data = (result.data ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(data)
    .filter(([, raw]) => raw && typeof raw === 'object' && 'type' in raw)
    .map(([path, raw]) => mountInfo(path, raw))
    .sort(byPath);
}

/** Settings of a new mount (`POST /v1/sys/mounts/<path>`). TTLs are Vault duration strings or seconds. */
export interface EnableMountOptions {
  /** Engine type; `kv-v2`/`kv2` are shorthands for `kv` with `options.version = "2"`. */
  readonly type: string;
  readonly description?: string | undefined;
  /** Engine options, e.g. `{ version: "2" }` for KV. Values are sent as strings. */
  readonly options?: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly config?:
    | {
        readonly default_lease_ttl?: string | number;
        readonly max_lease_ttl?: string | number;
      }
    | undefined;
}

/** Resolve the CLI's `kv-v2`/`kv2` shorthands to `kv` + `version: 2`. */
export function resolveEngineType(options: EnableMountOptions): {
  type: string;
  options: Record<string, string>;
} {
  const mountOptions = Object.fromEntries(
    Object.entries(options.options ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const type = options.type.trim().toLowerCase();
  if (type === 'kv-v2' || type === 'kv2')
    return { type: 'kv', options: { ...mountOptions, version: '2' } };
  if (type === 'kv-v1' || type === 'kv1')
    return { type: 'kv', options: { ...mountOptions, version: '1' } };
  return { type, options: mountOptions };
}

/**
 * Enable a secrets engine at `path` (`POST /v1/sys/mounts/<path>`).
 * @throws VaultResponseError (400 "path is already in use" when something is mounted there).
 */
export async function enableMount(
  client: VaultClient,
  path: string,
  options: EnableMountOptions,
): Promise<void> {
  const resolved = resolveEngineType(options);
  await client.POST('/sys/mounts/{path}', {
    params: { path: { path: normalizePath('path', path) } },
    body: {
      type: resolved.type,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(Object.keys(resolved.options).length ? { options: resolved.options } : {}),
      ...(options.config ? { config: options.config } : {}),
    },
  });
}

/** Tune settings (`POST /v1/sys/mounts/<path>/tune`); TTLs as Vault duration strings or seconds. */
export interface TuneMountOptions {
  readonly description?: string | undefined;
  readonly default_lease_ttl?: string | number | undefined;
  readonly max_lease_ttl?: string | number | undefined;
  readonly options?: Readonly<Record<string, string>> | undefined;
}

/** Tune a mount. @throws VaultResponseError. */
export async function tuneMount(
  client: VaultClient,
  path: string,
  tune: TuneMountOptions,
): Promise<void> {
  const body = Object.fromEntries(Object.entries(tune).filter(([, v]) => v !== undefined));
  await client.POST('/sys/mounts/{path}/tune', {
    params: { path: { path: normalizePath('path', path) } },
    body,
  });
}

/** A mount's tuning (`GET /v1/sys/mounts/<path>/tune`): TTLs in seconds, options, description. */
export async function readMountTune(
  client: VaultClient,
  path: string,
): Promise<Record<string, unknown>> {
  const result = await client.GET('/sys/mounts/{path}/tune', {
    params: { path: { path: normalizePath('path', path) } },
  });
  return (result.data ?? {}) as Record<string, unknown>;
}

/** Disable (unmount) a secrets engine: `DELETE /v1/sys/mounts/<path>`. Removes all its data. */
export async function disableMount(client: VaultClient, path: string): Promise<void> {
  await client.DELETE('/sys/mounts/{path}', {
    params: { path: { path: normalizePath('path', path) } },
  });
}

/**
 * True when `error` is Vault's 404 for a missing item (or an empty LIST). Not for a missing
 * mount: Vault answers that with 404 "no handler for route", which is an error, not "empty".
 */
export function isNotFound(error: unknown): error is VaultResponseError {
  return (
    error instanceof VaultResponseError &&
    error.status === 404 &&
    !error.errors.some((e) => /no handler for route/i.test(e))
  );
}
