import { z } from 'zod';
import type { MountInfo } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';
import { anyObject } from '../../server/portable-schema.js';

const TTL_NAMES = ['default_lease_ttl', 'max_lease_ttl'] as const;
type TtlName = (typeof TTL_NAMES)[number];

/** How the mount tools describe one mount. */
export const mountSchema = z.object({
  path: z.string(),
  type: z.string(),
  kv_version: z.number().int().optional(),
  description: z.string(),
  accessor: z.string().optional(),
  options: anyObject(),
  default_lease_ttl: z.number().int().optional().describe('Seconds; 0: the system default.'),
  max_lease_ttl: z.number().int().optional().describe('Seconds; 0: the system default.'),
  effective_default_lease_ttl: z.number().int().optional().describe('Seconds in force.'),
  effective_max_lease_ttl: z.number().int().optional().describe('Seconds in force.'),
});

type DescribedMount = z.infer<typeof mountSchema>;

/** A TTL as a server reports it in `config` (seconds), or undefined when absent. */
function reportedTtl(info: MountInfo | undefined, name: TtlName): number | undefined {
  const value = info?.config[name];
  return typeof value === 'number' ? value : undefined;
}

/**
 * One lease TTL of a mount, stated the same on Vault and OpenBao. `sys/internal/ui/mounts` gives
 * OpenBao's raw setting (0 when the mount has none) but Vault's effective value (Vault replaces 0
 * with the system default, so a mount left at the default reports e.g. 2764800). The `sys/` mount
 * never has TTLs of its own, so what the server reports for it is "the default" in that server's
 * terms: 0 on OpenBao, the system default on Vault. A mount reporting the same value follows the
 * system default (or is set to exactly that value, which behaves the same). `effective` is the
 * value in force when known otherwise (`sys/mounts/<path>/tune`).
 * @returns `setting` (seconds, 0 = system default; undefined when it cannot be told) and
 * `effective` (seconds in force; undefined when unknown).
 */
export function leaseTtl(
  reported: number | undefined,
  system: number | undefined,
  effective: number | undefined,
): { setting: number | undefined; effective: number | undefined } {
  if (reported === undefined) return { setting: undefined, effective };
  if (reported === 0) return { setting: 0, effective };
  if (system === undefined) return { setting: undefined, effective: reported };
  return { setting: reported === system ? 0 : reported, effective: reported };
}

/**
 * The mount as the tools show it. `system` is the `sys/` mount as the same endpoint reports it
 * (undefined when not visible); `effective` TTLs (seconds) from the tune endpoint, when read.
 */
export function describeMount(
  info: MountInfo,
  system?: MountInfo,
  effective: Partial<Record<TtlName, number>> = {},
): DescribedMount {
  const ttls: Partial<DescribedMount> = {};
  for (const name of TTL_NAMES) {
    const ttl = leaseTtl(reportedTtl(info, name), reportedTtl(system, name), effective[name]);
    if (ttl.setting !== undefined) ttls[name] = ttl.setting;
    if (ttl.effective !== undefined) ttls[`effective_${name}`] = ttl.effective;
  }
  return {
    path: info.path.replace(/\/$/, ''),
    type: info.type,
    ...(info.kvVersion ? { kv_version: info.kvVersion } : {}),
    description: info.description,
    ...(info.accessor ? { accessor: info.accessor } : {}),
    options: { ...info.options },
    ...ttls,
  };
}

/** The TTLs a mount reports as 0 (it has none of its own): the ones worth reading the tune for. */
export function unsetTtls(info: MountInfo): TtlName[] {
  return TTL_NAMES.filter((name) => reportedTtl(info, name) === 0);
}

/** `3600s`, `0 (the system default: 2764800s)`, or what is known when the setting is not. */
export function ttlText(mount: DescribedMount, name: TtlName): string {
  const setting = mount[name];
  const effective = mount[`effective_${name}`];
  if (setting === 0)
    return effective !== undefined
      ? `0 (the system default: ${effective}s)`
      : '0 (the system default)';
  if (setting !== undefined) return `${setting}s`;
  return effective !== undefined
    ? `${effective}s in force (whether the mount sets it or follows the system default is not known)`
    : 'unknown';
}

/** `secret/  kv v2  key/value secret storage` */
export function mountLine(info: MountInfo): string {
  const kind = info.kvVersion ? `kv v${info.kvVersion}` : info.type;
  return `${info.path.padEnd(20)} ${kind.padEnd(10)} ${info.description}`.trimEnd();
}

/** Mounts Vault needs to work; never disabled or tuned through this server. */
export const PROTECTED_MOUNTS = ['sys', 'identity', 'cubbyhole', 'token', 'auth'] as const;

/**
 * Refuse Vault's own mounts, auth methods (`auth/...`) and a path ending in `/tune` before any
 * request: the mount tools manage secrets engines only.
 * @param action what the tool would have done, e.g. `removes` or `tunes`.
 * @throws ToolInputError naming the protected mounts.
 */
export function refuseProtectedMount(mount: string, action: string): void {
  const first = mount.split('/')[0] ?? '';
  // Vault routes sys/mounts/<x>/tune to the tune endpoint of <x>, before the mount endpoint (a
  // mount named `tune` alone is a mount).
  if (mount.endsWith('/tune'))
    throw new ToolInputError(
      `'${mount}' ends in /tune, which Vault reads as the tune endpoint of '${mount.slice(0, -5)}', not as a mount path; choose a path that does not end in /tune`,
    );
  if (first === 'auth')
    throw new ToolInputError(
      `'${mount}' is an auth method, not a secrets engine; vault-mcp never ${action} auth methods (the mount tools manage secrets engines only)`,
    );
  if ((PROTECTED_MOUNTS as readonly string[]).includes(first))
    throw new ToolInputError(
      `'${mount}' is one of Vault's own mounts (${PROTECTED_MOUNTS.join(', ')}); vault-mcp never ${action} them`,
    );
}
