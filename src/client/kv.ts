/**
 * KV v1 and v2 semantics, encoded once: which path a call goes to for each version, a LIST that
 * answers 404 meaning "empty", soft-deleted versions, check-and-set. `mount` is the mount path
 * (`secret`), `path` the secret's path inside it (`myapp/database`); slashes at either end are ignored.
 */
import type { VaultClient } from './client.js';
import { VaultError } from './errors.js';
import { isNotFound } from './mounts.js';
import { normalizePath } from './paths.js';

/** KV engine version of a mount. */
export type KvVersion = 1 | 2;

/** Metadata of one KV v2 version (times are RFC 3339 strings, `""` when unset). */
export interface KvVersionMetadata {
  readonly version: number;
  readonly created_time: string;
  readonly deletion_time: string;
  readonly destroyed: boolean;
  readonly custom_metadata: Readonly<Record<string, string>> | null;
}

/** A read secret. `data` is null when the KV v2 version is deleted or destroyed. */
export interface KvSecret {
  readonly data: Readonly<Record<string, unknown>> | null;
  /** KV v2 only. */
  readonly metadata: KvVersionMetadata | undefined;
}

/** KV v2 metadata of a secret (`GET /v1/<mount>/metadata/<path>`). */
export interface KvMetadata {
  readonly created_time: string;
  readonly updated_time: string;
  readonly current_version: number;
  readonly oldest_version: number;
  readonly max_versions: number;
  readonly cas_required: boolean;
  /**
   * Vault duration string, `0s` when unset. Documents declare it a duration, which the codegen
   * types as a string or integer seconds, so a caller must accept both.
   */
  readonly delete_version_after: string | number;
  readonly custom_metadata: Readonly<Record<string, string>> | null;
  /** By version number (as a string key). */
  readonly versions: Readonly<
    Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>
  >;
}

function requireV2(version: KvVersion, what: string): void {
  if (version !== 2)
    throw new VaultError(`${what} needs a KV version 2 mount; this mount is KV version 1`);
}

/**
 * Keys directly under `path` (folders end in `/`), sorted; `[]` when there are none (Vault answers
 * LIST on an empty or missing folder with 404). v2: `LIST /v1/<mount>/metadata/<path>/`; v1: `LIST /v1/<mount>/<path>/`.
 */
export async function kvList(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<string[]> {
  const m = normalizePath('mount', mount);
  const p = normalizePath('path', path);
  try {
    const result =
      version === 2
        ? await client.GET('/{kv_v2_mount_path}/metadata/{path}/', {
            params: { path: { kv_v2_mount_path: m, path: p }, query: { list: 'true' } },
          })
        : await client.GET('/{kv_v1_mount_path}/{path}/', {
            params: { path: { kv_v1_mount_path: m, path: p }, query: { list: 'true' } },
          });
    const keys: readonly unknown[] | undefined = result.data?.keys;
    return Array.isArray(keys) ? keys.map(String).sort() : [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/**
 * Read a secret; undefined when nothing was ever written there. For KV v2 a deleted or destroyed
 * version comes back with `data: null` and its metadata. `GET /v1/<mount>/data/<path>[?version=N]`
 * (v2) or `GET /v1/<mount>/<path>` (v1).
 * @throws VaultResponseError when the mount does not exist (404 "no handler for route") or the
 * token lacks `read` (403).
 */
export async function kvRead(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
  options: { version?: number | undefined } = {},
): Promise<KvSecret | undefined> {
  const m = normalizePath('mount', mount);
  const p = normalizePath('path', path);
  if (version === 1) {
    if (options.version !== undefined)
      throw new VaultError('KV version 1 mounts have no versions; omit version');
    try {
      const result = await client.GET('/{kv_v1_mount_path}/{path}', {
        params: { path: { kv_v1_mount_path: m, path: p } },
      });
      return { data: result.data ?? {}, metadata: undefined };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
  try {
    const result = await client.GET('/{kv_v2_mount_path}/data/{path}', {
      params: {
        path: { kv_v2_mount_path: m, path: p },
        ...(options.version !== undefined ? { query: { version: options.version } } : {}),
      },
    });
    return { data: result.data?.data ?? null, metadata: result.data?.metadata };
  } catch (error) {
    // A deleted or destroyed version answers 404 with its metadata.
    if (isNotFound(error)) {
      const body = error.responseData as { metadata?: KvVersionMetadata } | undefined;
      if (body?.metadata && (body.metadata.deletion_time || body.metadata.destroyed)) {
        return { data: null, metadata: body.metadata };
      }
      return undefined;
    }
    throw error;
  }
}

/**
 * Write a whole secret (every key; keys not given are removed). KV v2 creates a new version and
 * returns its metadata; `cas` makes the write conditional (0 = only if absent, N = only if the
 * current version is N). `POST /v1/<mount>/data/<path>` (v2) or `POST /v1/<mount>/<path>` (v1).
 * @throws VaultResponseError (400 "check-and-set parameter did not match" on a CAS mismatch).
 */
export async function kvWrite(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
  data: Readonly<Record<string, unknown>>,
  options: { cas?: number | undefined } = {},
): Promise<KvVersionMetadata | undefined> {
  const m = normalizePath('mount', mount);
  const p = normalizePath('path', path);
  if (version === 1) {
    if (options.cas !== undefined)
      throw new VaultError('check-and-set (cas) needs a KV version 2 mount');
    await client.POST('/{kv_v1_mount_path}/{path}', {
      params: { path: { kv_v1_mount_path: m, path: p } },
      body: { ...data },
    });
    return undefined;
  }
  const result = await client.POST('/{kv_v2_mount_path}/data/{path}', {
    params: { path: { kv_v2_mount_path: m, path: p } },
    body: v2Body(data, options.cas),
  });
  return result.data;
}

/** KV v2 write/patch body: `{ data, options: { cas } }` (cas only when given). */
function v2Body(data: Readonly<Record<string, unknown>>, cas: number | undefined) {
  return { data: { ...data }, ...(cas !== undefined ? { options: { cas } } : {}) };
}

/**
 * Merge `data` into the latest version (JSON merge patch: a key set to null is removed), creating
 * a new version. KV v2 only; `PATCH /v1/<mount>/data/<path>` as `application/merge-patch+json`.
 * @throws VaultResponseError (404 when the secret does not exist or its latest version is deleted).
 */
export async function kvPatch(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
  data: Readonly<Record<string, unknown>>,
  options: { cas?: number | undefined } = {},
): Promise<KvVersionMetadata | undefined> {
  requireV2(version, 'patch');
  const result = await client.PATCH('/{kv_v2_mount_path}/data/{path}', {
    params: {
      path: { kv_v2_mount_path: normalizePath('mount', mount), path: normalizePath('path', path) },
    },
    body: v2Body(data, options.cas),
  });
  return result.data;
}

/**
 * Delete a secret. KV v2: soft-deletes the latest version (`DELETE /v1/<mount>/data/<path>`;
 * undelete restores it). KV v1: removes it for good (`DELETE /v1/<mount>/<path>`).
 */
export async function kvDelete(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<void> {
  const m = normalizePath('mount', mount);
  const p = normalizePath('path', path);
  if (version === 2) {
    await client.DELETE('/{kv_v2_mount_path}/data/{path}', {
      params: { path: { kv_v2_mount_path: m, path: p } },
    });
  } else {
    await client.DELETE('/{kv_v1_mount_path}/{path}', {
      params: { path: { kv_v1_mount_path: m, path: p } },
    });
  }
}

type VersionsOperation = 'delete' | 'undelete' | 'destroy';

/**
 * Soft-delete, undelete or destroy (permanently) the given KV v2 versions:
 * `POST /v1/<mount>/{delete|undelete|destroy}/<path>` with `{versions}`.
 */
export async function kvVersions(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
  operation: VersionsOperation,
  versions: readonly number[],
): Promise<void> {
  requireV2(version, `${operation} of versions`);
  const params = {
    params: {
      path: { kv_v2_mount_path: normalizePath('mount', mount), path: normalizePath('path', path) },
    },
    body: { versions: [...versions] },
  };
  if (operation === 'delete') await client.POST('/{kv_v2_mount_path}/delete/{path}', params);
  else if (operation === 'undelete')
    await client.POST('/{kv_v2_mount_path}/undelete/{path}', params);
  else await client.POST('/{kv_v2_mount_path}/destroy/{path}', params);
}

/**
 * Top-level key names of a KV v2 secret without its values (`GET /v1/<mount>/subkeys/<path>?depth=1`),
 * sorted; undefined when there is no readable latest version.
 */
export async function kvSubkeys(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<string[] | undefined> {
  requireV2(version, 'subkeys');
  try {
    const result = await client.GET('/{kv_v2_mount_path}/subkeys/{path}', {
      params: {
        path: {
          kv_v2_mount_path: normalizePath('mount', mount),
          path: normalizePath('path', path),
        },
        query: { depth: 1 },
      },
    });
    const subkeys = result.data?.subkeys;
    return subkeys ? Object.keys(subkeys).sort() : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** KV v2 metadata (`GET /v1/<mount>/metadata/<path>`); undefined when the secret does not exist. */
export async function kvReadMetadata(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<KvMetadata | undefined> {
  requireV2(version, 'metadata');
  try {
    const result = await client.GET('/{kv_v2_mount_path}/metadata/{path}', {
      params: {
        path: {
          kv_v2_mount_path: normalizePath('mount', mount),
          path: normalizePath('path', path),
        },
      },
    });
    return result.data;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Settings `kvWriteMetadata` sends; absent fields are left as they are (merge semantics of `PATCH`). */
export interface KvMetadataSettings {
  readonly max_versions?: number | undefined;
  readonly cas_required?: boolean | undefined;
  /** Vault duration string (`"768h"`) or seconds; `0` disables. */
  readonly delete_version_after?: string | number | undefined;
  readonly custom_metadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * Change KV v2 metadata settings without touching the ones not given:
 * `PATCH /v1/<mount>/metadata/<path>` (merge-patch), so unset fields keep their values.
 */
export async function kvWriteMetadata(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
  settings: KvMetadataSettings,
): Promise<void> {
  requireV2(version, 'metadata');
  const body = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  await client.PATCH('/{kv_v2_mount_path}/metadata/{path}', {
    params: {
      path: { kv_v2_mount_path: normalizePath('mount', mount), path: normalizePath('path', path) },
    },
    body,
  });
}

/** Delete a KV v2 secret's metadata and every version, permanently: `DELETE /v1/<mount>/metadata/<path>`. */
export async function kvDeleteMetadata(
  client: VaultClient,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<void> {
  requireV2(version, 'metadata');
  await client.DELETE('/{kv_v2_mount_path}/metadata/{path}', {
    params: {
      path: { kv_v2_mount_path: normalizePath('mount', mount), path: normalizePath('path', path) },
    },
  });
}
