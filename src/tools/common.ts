/** Input fields and helpers shared by the hand-written tools. */
import { z } from 'zod';
import { VaultResponseError } from '../client/errors.js';
import { enableMount, type EnableMountOptions, type MountInfo } from '../client/mounts.js';
import { normalizePath } from '../client/paths.js';
import { ToolInputError, type ToolContext } from '../server/context.js';
import { listedAs } from '../server/listed-schema.js';
import { forgetAllMounts } from '../server/mount-cache.js';
import { refuseProtectedMount } from './mounts/shared.js';

/** Text every tool uses when it withholds secret material. */
export const WITHHELD_HINT =
  'Values are withheld: vault-mcp does not send secret values to the model unless the operator starts it with VAULT_MCP_REVEAL_SECRETS=true (or --reveal-secrets).';

/** `mount`: a mount path (a trailing slash is tolerated); `what` is the engine, e.g. `KV v2`. */
export function mountField(example: string, what: string): z.ZodString {
  return z.string().describe(`${what} mount, e.g. '${example}'.`);
}

/** `path` inside a mount. */
export const secretPathField = z
  .string()
  .describe("Path in the mount, e.g. 'myapp/db' (no 'data/').");

/**
 * Vault duration: a Go duration string (`72h`, `30m`, `30d` for PKI) or integer seconds.
 * tools/list shows it as a string or a non-negative integer without the pattern, so `description`
 * gives the format (an example such as `'72h'`).
 */
export function durationField(description: string) {
  return listedAs(
    z
      .union([
        z
          .string()
          .regex(DURATION, 'must be a duration like 72h, 30m, 1h30m, 30d or a number of seconds'),
        z.number().int().nonnegative(),
      ])
      .describe(description),
    { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] },
  );
}

/** Go durations (`1h30m`), Vault's day suffix (`30d`) and plain seconds (`3600`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$|^\d+$/;

/**
 * A key name given as a value (`write_secret.key`): any text but `__proto__`, which no object can
 * hold as a key (object arguments are checked for it before parsing, in tool-calls.ts).
 */
export function keyNameField(description: string) {
  return z
    .string()
    .min(1)
    .refine((key) => key !== '__proto__', {
      message: "'__proto__' cannot be a key (JavaScript objects cannot hold it): rename that key",
    })
    .describe(description);
}

/** KV v2 version numbers. */
export const versionsField = z
  .array(z.number().int().positive())
  .min(1, 'give at least one version number')
  .max(100);

/**
 * A mount path as Vault names it without slashes (`secret`, `team/kv`).
 * @throws ToolInputError when it is empty; VaultInputError for `..` or control characters.
 */
export function cleanMount(mount: string): string {
  const clean = normalizePath('mount', mount);
  if (!clean)
    throw new ToolInputError("mount is empty: give the mount path, e.g. 'secret' or 'pki'");
  return clean;
}

/** Engines a tool can require of its mount: `kv` (either version), `kv1`, `kv2`, `pki`. */
export type MountEngine = 'kv' | 'kv1' | 'kv2' | 'pki';

const ENGINE_NAMES: Record<MountEngine, string> = {
  kv: 'KV',
  kv1: 'KV version 1',
  kv2: 'KV version 2',
  pki: 'PKI',
};

function engineMatches(info: MountInfo, engine: MountEngine): boolean {
  switch (engine) {
    case 'kv':
      return info.kvVersion !== undefined;
    case 'kv1':
      return info.kvVersion === 1;
    case 'kv2':
      return info.kvVersion === 2;
    case 'pki':
      return info.type === 'pki';
  }
}

/**
 * Resolve a tool's mount argument to a visible mount root, and (with `engine`) require its engine,
 * so that no tool reaches a path of another engine (`mount: 'secret/data'` on a PKI tool, or
 * `mount: 'sys'` on a KV tool). Mount facts come from `GET /v1/sys/internal/ui/mounts/<mount>`
 * through the mount cache.
 * @param options.path the path the caller gave inside the mount, used to suggest the right call.
 * @param options.refused appended to a refusal, e.g. `nothing was removed`.
 * @param options.fresh look the mount up anew, bypassing the cache (also done for every call of a
 *   write or credential-minting tool: `context.freshMounts`).
 * @throws ToolInputError when the mount is empty, not visible, inside another mount or of another engine.
 */
export async function resolveMount(
  context: ToolContext,
  mountArg: string,
  options: {
    engine?: MountEngine;
    fresh?: boolean;
    path?: string;
    refused?: string;
    /** The tool's name for the mount argument (`mount`, or `path` for the mount tools). */
    argument?: string;
    /**
     * What to suggest when the argument is a path inside mount `root` (`rest` is the part inside
     * it); by default, calling again with the mount root.
     */
    inside?: (root: string, rest: string, info: MountInfo) => string;
  } = {},
): Promise<{ mount: string; info: MountInfo; cached: boolean }> {
  const mount = cleanMount(mountArg);
  const { info, cached } = await visibleMount(context, mount, options);
  const root = info.path.replace(/\/$/, '');
  const tail = options.refused ? `; ${options.refused}` : '';
  if (mount !== root && !mount.startsWith(`${root}/`)) {
    // sys/internal/ui/mounts resolves auth methods too: `auth/token` answers with path `token/`.
    throw new ToolInputError(
      `'${mount}' is ${info.type ? `a ${info.type} ` : 'an '}auth method, not a secrets engine${tail}; list_mounts shows the secrets engines`,
    );
  }
  if (root !== mount) {
    const rest = [insideMount(info, mount.slice(root.length + 1)), options.path]
      .filter(Boolean)
      .join('/');
    const argument = options.argument ?? 'mount';
    const retry = options.inside
      ? options.inside(root, rest, info)
      : options.path === undefined
        ? `Call again with ${argument}='${root}'`
        : `Call again with ${argument}='${root}' and path='${rest}'`;
    throw new ToolInputError(
      `'${mount}' is not a mount: it is inside the mount '${root}'${tail}. ${retry}.`,
    );
  }
  if (options.engine && !engineMatches(info, options.engine)) {
    const actual = info.kvVersion ? `KV version ${info.kvVersion}` : info.type;
    const want = ENGINE_NAMES[options.engine];
    throw new ToolInputError(
      `'${mount}' is a ${actual} mount, not a ${want} mount${tail}; list_mounts shows the mounts and their types`,
    );
  }
  return { mount, info, cached };
}

/**
 * What a caller meant inside a mount when it put part of the path in `mount`: for KV v2 the API
 * prefix (`data/`, `metadata/`, ...) the server adds itself is dropped, so `mount: 'secret/data'`
 * suggests `path: 'myapp/db'`, not `data/myapp/db`.
 */
function insideMount(info: MountInfo, rest: string): string {
  if (info.kvVersion !== 2) return rest;
  return rest.replace(/^(data|metadata|delete|undelete|destroy)(\/|$)/, '');
}

/**
 * The mount at `mount` as this token sees it (`GET /v1/sys/internal/ui/mounts/<mount>`, through the
 * mount cache; `fresh` refreshes the cached entry first).
 * @throws ToolInputError when no mount is visible there (nothing mounted, or no capability under it).
 */
async function visibleMount(
  context: ToolContext,
  mount: string,
  options: { fresh?: boolean } = {},
): Promise<{ info: MountInfo; cached: boolean }> {
  const fresh = options.fresh === true || context.freshMounts === true;
  // `mount` is cleaned already (cleanMount): the cache's key as it is.
  const hit = fresh ? undefined : context.mounts.peek(mount);
  if (hit) return { info: hit, cached: true };
  try {
    return await context.mounts.get(context.vault, mount, { fresh });
  } catch (error) {
    if (error instanceof VaultResponseError && [400, 403, 404].includes(error.status)) {
      throw new ToolInputError(
        `no secrets engine is visible at '${mount}/' (Vault: ${error.errors.join('; ') || error.status}): nothing is mounted there, or this token has no capability under it. list_mounts shows the mounts this token can see.`,
      );
    }
    throw error;
  }
}

/**
 * Mount a new engine (`POST /v1/sys/mounts/<mount>`) and forget cached facts about the path.
 * @throws ToolInputError when something is mounted there already (nothing is replaced), with
 *   `advice`; for Vault's own mounts, `auth/...` and a path ending in `/tune` (refuseProtectedMount).
 */
export async function mountNew(
  context: ToolContext,
  mount: string,
  options: EnableMountOptions,
  advice: string,
): Promise<void> {
  refuseProtectedMount(mount, 'enables');
  try {
    await enableMount(context.vault, mount, options);
  } catch (error) {
    if (
      error instanceof VaultResponseError &&
      error.status === 400 &&
      error.errors.some((e) => /already in use/i.test(e))
    ) {
      throw new ToolInputError(
        `something is already mounted at '${mount}/' (Vault: ${error.errors.join('; ')}): ${advice}`,
      );
    }
    throw error;
  }
  mountTableChanged(context);
}

/**
 * After this server changed the mount table (enable, disable, tune, remount): forget the mount
 * facts of every cache in the process and this caller's capability verdicts.
 */
export function mountTableChanged(context: ToolContext): void {
  forgetAllMounts();
  context.forgetCapabilities?.();
}

/** RFC 3339 time or undefined for Vault's empty/zero times. */
export function time(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.startsWith('0001-01-01')) return undefined;
  return value;
}

/** `a, b, c` or `(none)`. */
export function listText(items: readonly string[]): string {
  return items.length ? items.join(', ') : '(none)';
}
