/**
 * Completions for every argument that names a mount, a KV path, a PKI role or an issuer, shared by
 * the resource templates and the prompts. Bounded: at most {@link MAX_COMPLETIONS} values and
 * {@link COMPLETION_TIMEOUT_MS} of waiting; a token that cannot list (403), a missing mount or a
 * slow Vault gives an empty list, never an error.
 */
import { kvList } from '../client/kv.js';
import { listVisibleMounts } from '../client/mounts.js';
import { normalizePath } from '../client/paths.js';
import { pkiListIssuers, pkiListRoles } from '../client/pki.js';
import type { ReadGate, ToolContext } from '../server/context.js';
import { resolveMount } from '../tools/common.js';

/** Values returned at most (the SDK sends at most 100 and sets `hasMore`). */
export const MAX_COMPLETIONS = 100;
/** Milliseconds a completion waits for Vault before answering with nothing. */
export const COMPLETION_TIMEOUT_MS = 2_000;

/** Other arguments already chosen (MCP `context.arguments`). */
export type Chosen = { arguments?: Record<string, string> } | undefined;
/** One completer: the typed prefix and the other arguments, to matching values. */
export type Completer = (value: string | undefined, chosen?: Chosen) => Promise<string[]>;

/**
 * `work()`'s values starting with `prefix`, sorted and bounded; [] on any failure or timeout, and
 * when `gate` (HTTP mode: the caller's rate bucket) refuses: a completion asks Vault like a tool
 * call and spends from the same bucket, but an empty bucket gives no values, not an error.
 */
async function bounded(
  gate: ReadGate,
  prefix: string | undefined,
  work: () => Promise<string[]>,
): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), COMPLETION_TIMEOUT_MS);
  });
  const gated = async (): Promise<string[]> => {
    if (await gate.admit?.('completion')) return [];
    await gate.ready;
    return work();
  };
  try {
    const values = await Promise.race([gated().catch(() => []), timeout]);
    return values.filter((v) => v.startsWith(prefix ?? '')).slice(0, MAX_COMPLETIONS);
  } finally {
    clearTimeout(timer);
  }
}

/** The completers for one server context (the caller's token). */
export interface Completers {
  /** KV or PKI mount paths the token can see (`sys/internal/ui/mounts`), without slashes. */
  mounts(engine: 'kv' | 'pki'): Completer;
  /**
   * Folders (ending in `/`) and secrets under the folder typed so far, by LIST on the mount named
   * by the argument `mountArgument` (default `mount`); where that LIST fails above
   * VAULT_MCP_KV_PREFIX, the prefix's next folder.
   */
  kvPath(mountArgument?: string): Completer;
  /** Role names of the PKI mount in `mountArgument` (LIST `<mount>/roles`). */
  role(mountArgument?: string): Completer;
  /** Issuer names (ids for unnamed issuers) of the PKI mount in `mountArgument` (LIST `<mount>/issuers`). */
  issuer(mountArgument?: string): Completer;
}

/**
 * The folder of `kvPrefix` (`a/b/`) right below `folder` (`a/` gives `b/`, `` gives `a/`), or
 * undefined when `folder` is not above the prefix.
 */
function prefixStep(kvPrefix: string, folder: string): string | undefined {
  if (!kvPrefix.startsWith(folder) || kvPrefix === folder) return undefined;
  const rest = kvPrefix.slice(folder.length);
  return rest.slice(0, rest.indexOf('/') + 1);
}

const mountOf = (chosen: Chosen, argument: string, fallback: string): string =>
  chosen?.arguments?.[argument] ?? fallback;

/**
 * Completers reading Vault with `context`'s token; each completion first spends from `gate` and
 * waits for the first login, as prompts and resource reads do.
 */
export function completers(context: ToolContext, gate: ReadGate = {}): Completers {
  return {
    mounts: (engine) => (value) =>
      bounded(gate, value, async () =>
        (await listVisibleMounts(context.vault))
          .filter((m) => (engine === 'kv' ? m.kvVersion !== undefined : m.type === 'pki'))
          .map((m) => m.path.replace(/\/$/, '')),
      ),
    kvPath:
      (mountArgument = 'mount') =>
      (value, chosen) => {
        const typed = value ?? '';
        const folder = typed.slice(0, typed.lastIndexOf('/') + 1);
        return bounded(gate, value, async () => {
          const { mount, info } = await resolveMount(
            context,
            mountOf(chosen, mountArgument, 'secret'),
            {
              engine: 'kv',
            },
          );
          const keys = await kvList(
            context.vault,
            mount,
            normalizePath('path', folder),
            info.kvVersion === 1 ? 1 : 2,
          ).catch((error: unknown) => {
            // A policy scoped to VAULT_MCP_KV_PREFIX cannot LIST the folders above the prefix:
            // offer the prefix's next folder there instead of nothing.
            const next = prefixStep(context.config.kvPrefix, folder);
            if (next) return [next];
            throw error;
          });
          return keys.map((key) => `${folder}${key}`);
        });
      },
    role:
      (mountArgument = 'mount') =>
      (value, chosen) =>
        bounded(gate, value, async () => {
          const { mount } = await resolveMount(context, mountOf(chosen, mountArgument, 'pki'), {
            engine: 'pki',
          });
          return pkiListRoles(context.vault, mount);
        }),
    issuer:
      (mountArgument = 'mount') =>
      (value, chosen) =>
        bounded(gate, value, async () => {
          const { mount } = await resolveMount(context, mountOf(chosen, mountArgument, 'pki'), {
            engine: 'pki',
          });
          return (await pkiListIssuers(context.vault, mount)).map(
            (i) => i.issuer_name || i.issuer_id,
          );
        }),
  };
}
