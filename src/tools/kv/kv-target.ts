/** Resolving (mount, path) for the KV tools: which mount, which KV version, cached. */
import { VaultResponseError } from '../../client/errors.js';
import type { KvVersion } from '../../client/kv.js';
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

/**
 * Resolve a KV mount and path: the mount's KV version comes from
 * `sys/internal/ui/mounts/<mount>` (cached), so no `sys/mounts` read is needed.
 * @throws ToolInputError when the mount is not a visible KV mount root.
 */
export async function kvTarget(
  context: ToolContext,
  mountArg: string,
  pathArg: string | undefined,
  options: { needPath: boolean },
): Promise<KvTarget & { cached: boolean }> {
  cleanMount(mountArg); // an empty mount is reported before an empty path (resolveMount cleans again)
  const path = normalizePath('path', pathArg ?? '');
  if (options.needPath && !path)
    throw new ToolInputError(
      "path is empty: give the secret's path inside the mount, e.g. 'myapp/database'",
    );
  const lookup = await resolveMount(context, mountArg, { engine: 'kv', path });
  const mount = lookup.mount;
  return {
    mount,
    path,
    // resolveMount required engine 'kv', so the version is set.
    version: lookup.info.kvVersion as KvVersion,
    display: [mount, path].filter(Boolean).join('/'),
    cached: lookup.cached,
  };
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
  options: { needPath: boolean },
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
