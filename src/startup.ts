/** Start-up checks and the one-line description of the effective mode. */
import type { VaultClient } from './client/client.js';
import { VaultConnectionError, VaultResponseError, VaultTimeoutError } from './client/errors.js';
import { lookupSelf, type TokenInfo } from './client/token.js';
import { isLoopback, type Config } from './config.js';
import type { Logger } from './log.js';

/**
 * Look the token up (lookup-self) and log what matters: a root token (the tutorial's advice is a
 * scoped one), an invalid token, or an unreachable/sealed Vault. Never throws: the server keeps
 * running and tool calls report the problem.
 */
export async function checkToken(vault: VaultClient, log: Logger): Promise<TokenInfo | undefined> {
  const { address } = vault.info;
  if (!vault.info.hasToken) {
    log.warn(
      { address },
      'no Vault token: set VAULT_TOKEN or log in so ~/.vault-token exists; tool calls will be denied',
    );
    return undefined;
  }
  try {
    const token = await lookupSelf(vault);
    if (token.policies.includes('root')) {
      log.warn(
        { address, policies: token.policies },
        'the Vault token has the root policy: the agent can do anything in Vault. Use a token with a scoped policy (vault-mcp policy prints one).',
      );
    } else {
      log.info(
        { address, policies: token.policies, ttl: token.ttl, renewable: token.renewable },
        'Vault token looked up',
      );
    }
    return token;
  } catch (error) {
    if (error instanceof VaultResponseError && error.sealed) {
      log.warn({ address }, 'Vault is sealed: tool calls will fail until it is unsealed');
    } else if (error instanceof VaultResponseError && error.status === 403) {
      log.warn({ address }, 'the Vault token was refused (403): it is invalid, expired or revoked');
    } else if (error instanceof VaultConnectionError || error instanceof VaultTimeoutError) {
      log.warn(
        { address, error: error.message },
        'Vault is unreachable: tool calls will fail until it answers',
      );
    } else {
      log.warn({ address, error: (error as Error).message }, 'token lookup failed');
    }
    return undefined;
  }
}

/** `vault=... namespace=... read-only=... reveal=... toolsets=... tools=N` */
export function modeLine(config: Config, transport: string, toolCount: number): string {
  return [
    `transport=${transport}`,
    `vault=${config.vault.address}`,
    `namespace=${config.vault.namespace ?? '(root)'}`,
    `read-only=${config.readOnly}`,
    `reveal=${config.revealSecrets}`,
    `toolsets=${config.toolsets.join(',')}`,
    ...(config.tools ? [`only=${config.tools.join(',')}`] : []),
    ...(config.excludeTools.length ? [`excluded=${config.excludeTools.join(',')}`] : []),
    `tools=${toolCount}`,
  ].join(' ');
}

/** The HTTP-specific part of the mode line. */
export function httpModeLine(config: Config, url: string): string {
  const limit = (l: { rps: number; burst: number } | undefined): string =>
    l ? `${l.rps}:${l.burst}` : 'off';
  const h = config.http;
  return [
    `url=${url}`,
    `sessions=${h.sessionMode}`,
    `cors=${h.corsMode}`,
    `origins=${h.allowedOrigins.length ? h.allowedOrigins.join(',') : '(none)'}`,
    `rate-limit=global ${limit(h.rateLimitGlobal)}, session ${limit(h.rateLimitSession)}`,
    `server-token-for-callers-without-one=${config.vault.token && isLoopback(h.host) ? 'yes (loopback)' : 'no'}`,
  ].join(' ');
}
