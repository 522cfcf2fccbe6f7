/** The token's own view of itself: lookup-self and capabilities-self. */
import type { VaultClient } from './client.js';
import type { Capability } from '../../generated/operations.js';

/**
 * The first character of `text` outside printable ASCII without spaces (0x21–0x7e), by its
 * 1-based position and a name for its kind (`a line break`, `a control character`, `a space`,
 * `a non-ASCII character`); undefined when there is none.
 */
export function strayCharacter(text: string): { position: number; what: string } | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x20 && code < 0x7f) continue;
    const what =
      code === 0x0a || code === 0x0d
        ? 'a line break'
        : code < 0x20 || code === 0x7f
          ? 'a control character'
          : code === 0x20
            ? 'a space'
            : 'a non-ASCII character';
    return { position: i + 1, what };
  }
  return undefined;
}

/**
 * Why `token` cannot be sent as a Vault token, or undefined when it can. Vault tokens are printable
 * ASCII without spaces; anything else (a line break pasted with it, a quote, a non-ASCII letter)
 * would make the `X-Vault-Token` header invalid. The sentence never contains the token.
 * @param source where the token came from, for the message (`VAULT_TOKEN`, `X-Vault-Token`).
 */
export function tokenProblem(token: string, source: string): string | undefined {
  const stray = strayCharacter(token);
  if (!stray) return undefined;
  return `${source} holds ${stray.what} at position ${stray.position} of ${token.length}: a Vault token is printable ASCII without spaces; set it again without the stray character (vault-mcp does not show the token)`;
}

/** What `GET /v1/auth/token/lookup-self` says about the token, without the token itself. */
export interface TokenInfo {
  readonly accessor: string;
  readonly display_name: string;
  readonly policies: readonly string[];
  /** Remaining lifetime in seconds; 0 for a token that never expires (root). */
  readonly ttl: number;
  readonly renewable: boolean;
  readonly orphan: boolean;
  /** RFC 3339, or null for a token that never expires. */
  readonly expire_time: string | null;
  readonly type: string;
  readonly namespace_path: string | undefined;
}

/**
 * Look the token up (`GET /v1/auth/token/lookup-self`). The answer's `id` (the token) is dropped.
 * @throws VaultResponseError (403 for an invalid or expired token).
 */
export async function lookupSelf(client: VaultClient): Promise<TokenInfo> {
  const result = await client.GET('/auth/token/lookup-self');
  const data = (result.data ?? {}) as Record<string, unknown>;
  return {
    accessor: String(data['accessor'] ?? ''),
    display_name: String(data['display_name'] ?? ''),
    policies: Array.isArray(data['policies']) ? data['policies'].map(String) : [],
    ttl: typeof data['ttl'] === 'number' ? data['ttl'] : 0,
    renewable: data['renewable'] === true,
    orphan: data['orphan'] === true,
    expire_time: typeof data['expire_time'] === 'string' ? data['expire_time'] : null,
    type: String(data['type'] ?? ''),
    namespace_path: typeof data['namespace_path'] === 'string' ? data['namespace_path'] : undefined,
  };
}

/**
 * The token's capabilities on each path (`POST /v1/sys/capabilities-self`), e.g.
 * `{ "secret/data/app": ["read", "list"] }`; `["deny"]` where it has none.
 */
export async function capabilitiesSelf(
  client: VaultClient,
  paths: readonly string[],
): Promise<Record<string, Array<Capability | 'deny' | 'root'>>> {
  if (paths.length === 0) return {};
  const result = await client.POST('/sys/capabilities-self', { body: { paths: [...paths] } });
  const data = (result.data ?? {}) as Record<string, unknown>;
  const out: Record<string, Array<Capability | 'deny' | 'root'>> = {};
  for (const path of paths) {
    const value = data[path];
    out[path] = Array.isArray(value)
      ? (value.map(String) as Array<Capability | 'deny' | 'root'>)
      : ['deny'];
  }
  return out;
}
