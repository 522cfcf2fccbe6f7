import { VaultResponseError } from '../client/errors.js';
import { kvList, kvRead, kvReadMetadata, kvSubkeys, type KvVersion } from '../client/kv.js';
import { listVisibleMounts } from '../client/mounts.js';
import { normalizePath } from '../client/paths.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ToolContext } from '../server/context.js';
import { resolveMount, time } from '../tools/common.js';
import { json, RESOURCE_NOT_FOUND, type ResourceDefinition } from './resource.js';

/** `vault://kv/<mount>/<path>` of a folder or secret; mounts with a slash are percent-encoded. */
export function kvUri(mount: string, path: string): string {
  return `vault://kv/${encodeURIComponent(mount)}/${path}`;
}

/**
 * Key names of a secret without its values: subkeys on KV v2 (`GET <mount>/subkeys/<path>`), else
 * the data read, whose values are dropped here and never leave this function.
 */
export async function keyNames(
  context: ToolContext,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<string[]> {
  if (version === 2) {
    try {
      return (await kvSubkeys(context.vault, mount, path, 2)) ?? [];
    } catch (error) {
      if (!(error instanceof VaultResponseError && error.status === 403)) throw error;
    }
  }
  const secret = await kvRead(context.vault, mount, path, version);
  return Object.keys(secret?.data ?? {}).sort();
}

/** A secret: key names and (KV v2) the metadata of every version Vault keeps. */
async function secret(
  context: ToolContext,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<Record<string, unknown>> {
  const uri = kvUri(mount, path);
  if (version === 1) {
    const found = await kvRead(context.vault, mount, path, 1);
    if (!found) throw new McpError(RESOURCE_NOT_FOUND, `${uri}: no secret at ${mount}/${path}`);
    return { mount, path, kv_version: 1, keys: Object.keys(found.data ?? {}).sort() };
  }
  const meta = await kvReadMetadata(context.vault, mount, path, 2);
  if (!meta) throw new McpError(RESOURCE_NOT_FOUND, `${uri}: no secret at ${mount}/${path}`);
  const current = meta.versions?.[String(meta.current_version)];
  const deleted = Boolean(current && (current.destroyed || time(current.deletion_time)));
  return {
    mount,
    path,
    kv_version: 2,
    keys: deleted ? [] : await keyNames(context, mount, path, 2),
    current_version: meta.current_version,
    deleted,
    created_time: time(meta.created_time),
    updated_time: time(meta.updated_time),
    versions: Object.entries(meta.versions ?? {})
      .map(([number, v]) => ({
        version: Number(number),
        created_time: time(v.created_time),
        ...(time(v.deletion_time) ? { deletion_time: time(v.deletion_time) } : {}),
        destroyed: Boolean(v.destroyed),
      }))
      .sort((a, b) => a.version - b.version),
  };
}

/** A folder: its sub-folders and secret names, each with its resource URI. */
async function folder(
  context: ToolContext,
  mount: string,
  path: string,
  version: KvVersion,
): Promise<Record<string, unknown>> {
  const keys = await kvList(context.vault, mount, normalizePath('path', path), version);
  if (keys.length === 0 && path)
    throw new McpError(
      RESOURCE_NOT_FOUND,
      `${kvUri(mount, path)}: nothing under ${mount}/${path} (KV folders exist only while they hold secrets)`,
    );
  const entry = (key: string) => ({ name: key, uri: kvUri(mount, `${path}${key}`) });
  return {
    mount,
    path,
    kv_version: version,
    folders: keys.filter((k) => k.endsWith('/')).map(entry),
    secrets: keys.filter((k) => !k.endsWith('/')).map(entry),
  };
}

/**
 * `vault://kv/{mount}/{+path}`: a KV folder (path ending in `/`, or empty) lists sub-folders and
 * secrets; a secret gives its key names and version metadata. Never a value.
 */
export const kvTreeResource: ResourceDefinition = {
  name: 'kv-tree',
  title: 'KV tree',
  description:
    "A KV folder or secret: for a folder (URI ending in '/') its sub-folders and secret names; for a secret its key names and version metadata (created, deleted, destroyed). Never a value.",
  mimeType: 'application/json',
  template: 'vault://kv/{mount}/{+path}',
  complete: (c) => ({ mount: c.mounts('kv'), path: c.kvPath() }),
  read: async (_uri, { mount = '', path = '' }, { context }) => {
    const target = await resolveMount(context, mount, { engine: 'kv', path });
    const version = target.info.kvVersion === 1 ? 1 : 2;
    const result =
      path === '' || path.endsWith('/')
        ? await folder(context, target.mount, path, version)
        : await secret(context, target.mount, path, version);
    return json(result);
  },
};

/** `vault://kv/{mount}/`: the top folder of a KV mount (the tree template needs a non-empty path). */
export const kvMountResource: ResourceDefinition = {
  ...kvTreeResource,
  name: 'kv-mount',
  title: 'KV mount top folder',
  description:
    'The top folder of a KV mount: its folders and secret names, each with its vault://kv/ URI. Never a value.',
  template: 'vault://kv/{mount}/',
  list: async ({ context }) =>
    (await listVisibleMounts(context.vault))
      .filter((m) => m.kvVersion !== undefined)
      .map((m) => {
        const mount = m.path.replace(/\/$/, '');
        return { uri: kvUri(mount, ''), name: `KV mount ${mount}` };
      }),
  complete: (c) => ({ mount: c.mounts('kv') }),
};
