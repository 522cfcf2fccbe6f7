/** Resolving (mount, path) for the KV tools: which mount, which KV version, cached. */
import { VaultResponseError } from '../../client/errors.js';
import { kvList, type KvVersion } from '../../client/kv.js';
import { normalizePath } from '../../client/paths.js';
import { ToolInputError, type ToolContext } from '../../server/context.js';
import { cleanMount, resolveMount } from '../common.js';

/** A KV location: clean mount and path, and the engine version. */
export interface KvTarget {
  readonly mount: string;
  readonly path: string;
  readonly version: KvVersion;
  /** `secret/myapp/db`, for messages. */
  readonly display: string;
}

/** How a tool resolves its KV target. */
export interface KvTargetOptions {
  /** The tool needs a secret path (not the mount's top level). */
  readonly needPath: boolean;
  /** The tool may create the path: refuse a path that repeats the mount or `data/` (see refuseDoubledPrefix). */
  readonly creates?: boolean;
}

/**
 * Resolve a KV mount and path: the mount's KV version comes from
 * `sys/internal/ui/mounts/<mount>` (cached), so no `sys/mounts` read is needed.
 * @throws ToolInputError when the mount is not a visible KV mount root.
 */
export async function kvTarget(
  context: ToolContext,
  mountArg: string,
  pathArg: string | undefined,
  options: KvTargetOptions,
): Promise<KvTarget & { cached: boolean }> {
  cleanMount(mountArg); // an empty mount is reported before an empty path (resolveMount cleans again)
  const path = normalizePath('path', pathArg ?? '');
  if (options.needPath && !path)
    throw new ToolInputError(
      "path is empty: give the secret's path inside the mount, e.g. 'myapp/database'",
    );
  const lookup = await resolveMount(context, mountArg, { engine: 'kv', path });
  const mount = lookup.mount;
  const target = {
    mount,
    path,
    // resolveMount required engine 'kv', so the version is set.
    version: lookup.info.kvVersion as KvVersion,
    display: [mount, path].filter(Boolean).join('/'),
    cached: lookup.cached,
  };
  if (options.creates) await refuseDoubledPrefix(context, target);
  return target;
}

/**
 * Refuse a write whose path repeats what the server adds itself: the mount's own name
 * (`path: 'secret/myapp/x'` in mount `secret` would create `secret/secret/myapp/x`) or, on KV v2,
 * the API prefix `data/` or `metadata/`. Allowed when that folder already exists (`LIST` of it,
 * made only when the path starts so).
 * @throws ToolInputError naming the path the caller probably meant.
 */
async function refuseDoubledPrefix(context: ToolContext, target: KvTarget): Promise<void> {
  const last = target.mount.split('/').pop() ?? target.mount;
  const prefixes = [
    ...new Set([target.mount, last]),
    ...(target.version === 2 ? ['data', 'metadata'] : []),
  ];
  const prefix = prefixes.find((p) => target.path.startsWith(`${p}/`));
  if (!prefix) return;
  // A token that may not list is answered as if the folder were not there: nothing is written.
  const existing = await kvList(context.vault, target.mount, prefix, target.version).catch(
    (error: unknown) => {
      if (error instanceof VaultResponseError && error.status === 403) return [];
      throw error;
    },
  );
  if (existing.length > 0) return;
  const meant = target.path.slice(prefix.length + 1);
  const why =
    prefix === 'data' || prefix === 'metadata'
      ? `starts with '${prefix}/', which the server adds itself on KV v2`
      : `starts with the mount's own name '${prefix}/' (paths are relative to the mount)`;
  throw new ToolInputError(
    `path '${target.path}' ${why}, so this would write ${target.mount}/${target.path}; nothing was written. Call again with mount='${target.mount}' and path='${meant}'. (A path under '${prefix}/' is accepted as given once a folder '${prefix}/' exists in ${target.mount}/.)`,
  );
}

/**
 * Run `operation` on a resolved KV target. When it fails with 400/404 and the mount facts came
 * from the cache, they may be stale (the mount was re-created as another version): refresh once
 * and retry if the version changed.
 */
export async function withKvTarget<T>(
  context: ToolContext,
  mountArg: string,
  pathArg: string | undefined,
  options: KvTargetOptions,
  operation: (target: KvTarget) => Promise<T>,
): Promise<T> {
  const target = await kvTarget(context, mountArg, pathArg, options);
  try {
    return await operation(target);
  } catch (error) {
    if (!(
      target.cached &&
      error instanceof VaultResponseError &&
      (error.status === 400 || error.status === 404)
    ))
      throw error;
    context.mounts.invalidate(target.mount);
    const fresh = await kvTarget(context, mountArg, pathArg, options);
    if (fresh.version === target.version) throw error;
    return operation(fresh);
  }
}

/** @throws ToolInputError when the target is not KV v2. */
export function requireV2(target: KvTarget, tool: string): void {
  if (target.version !== 2) {
    throw new ToolInputError(
      `${tool} needs a KV version 2 mount; '${target.mount}' is KV version 1 (it keeps no versions or metadata)`,
    );
  }
}

/**
 * The keys under `folder` of a KV target (`kvList`: LIST on `<mount>/metadata/<folder>` or
 * `<mount>/<folder>`). A 403 outside the server's `VAULT_MCP_KV_PREFIX` scope says so and names
 * the path to call with, instead of a bare "denied".
 * @throws ToolInputError for a 403 outside the scope; VaultResponseError otherwise.
 */
export async function listInScope(
  context: ToolContext,
  target: KvTarget,
  folder: string,
): Promise<string[]> {
  try {
    return await kvList(context.vault, target.mount, folder, target.version);
  } catch (error) {
    const prefix = context.config.kvPrefix.replace(/^\/+/, '');
    if (
      !(error instanceof VaultResponseError && error.status === 403) ||
      !prefix ||
      `${folder}/`.startsWith(prefix)
    )
      throw error;
    throw new ToolInputError(
      `Vault denied listing ${[target.mount, folder].filter(Boolean).join('/')}/ (403): this server is scoped to '${prefix}' (VAULT_MCP_KV_PREFIX), and its token may only list under it. Call again with path='${prefix}'.`,
    );
  }
}
