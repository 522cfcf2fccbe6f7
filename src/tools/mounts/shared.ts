import { z } from 'zod';
import type { MountInfo } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';

/** How the mount tools describe one mount. */
export const mountSchema = z.object({
  path: z.string().describe('Mount path without the trailing slash.'),
  type: z.string(),
  kv_version: z.number().int().optional().describe('1 or 2 for KV mounts.'),
  description: z.string(),
  accessor: z.string().optional(),
  options: z.record(z.string(), z.unknown()),
  default_lease_ttl: z.number().int().optional().describe('Seconds; 0 = system default.'),
  max_lease_ttl: z.number().int().optional().describe('Seconds; 0 = system default.'),
});

export function describeMount(info: MountInfo): z.infer<typeof mountSchema> {
  const ttl = (name: string): number | undefined =>
    typeof info.config[name] === 'number' ? (info.config[name] as number) : undefined;
  const defaultTtl = ttl('default_lease_ttl');
  const maxTtl = ttl('max_lease_ttl');
  return {
    path: info.path.replace(/\/$/, ''),
    type: info.type,
    ...(info.kvVersion ? { kv_version: info.kvVersion } : {}),
    description: info.description,
    ...(info.accessor ? { accessor: info.accessor } : {}),
    options: { ...info.options },
    ...(defaultTtl !== undefined ? { default_lease_ttl: defaultTtl } : {}),
    ...(maxTtl !== undefined ? { max_lease_ttl: maxTtl } : {}),
  };
}

/** `secret/  kv v2  key/value secret storage` */
export function mountLine(info: MountInfo): string {
  const kind = info.kvVersion ? `kv v${info.kvVersion}` : info.type;
  return `${info.path.padEnd(20)} ${kind.padEnd(10)} ${info.description}`.trimEnd();
}

/** Mounts Vault needs to work; never disabled or tuned through this server. */
export const PROTECTED_MOUNTS = ['sys', 'identity', 'cubbyhole', 'token', 'auth'] as const;

/**
 * Refuse Vault's own mounts and auth methods (`auth/...`) before any request: the mount tools
 * manage secrets engines only.
 * @param action what the tool would have done, e.g. `removes` or `tunes`.
 * @throws ToolInputError naming the protected mounts.
 */
export function refuseProtectedMount(mount: string, action: string): void {
  const first = mount.split('/')[0] ?? '';
  if (first === 'auth')
    throw new ToolInputError(
      `'${mount}' is an auth method, not a secrets engine; vault-mcp never ${action} auth methods (the mount tools manage secrets engines only)`,
    );
  if ((PROTECTED_MOUNTS as readonly string[]).includes(first))
    throw new ToolInputError(
      `'${mount}' is one of Vault's own mounts (${PROTECTED_MOUNTS.join(', ')}); vault-mcp never ${action} them`,
    );
}
