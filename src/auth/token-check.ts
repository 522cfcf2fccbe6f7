/** The start-up look at the token: what to warn the operator about. */
import { MIN_REDACTABLE_TOKEN, type VaultClient } from '../client/client.js';
import {
  safeErrorText,
  VaultConnectionError,
  VaultResponseError,
  VaultTimeoutError,
} from '../client/errors.js';
import { lookupSelf, type TokenInfo } from '../client/token.js';
import type { Logger } from '../log.js';

/**
 * Look the token up (lookup-self) and log what matters: a root token (the tutorial's advice is a
 * scoped one), an invalid token, or an unreachable/sealed Vault. Never throws: the server keeps
 * running and tool calls report the problem.
 */
export async function checkToken(vault: VaultClient, log: Logger): Promise<TokenInfo | undefined> {
  const { address } = vault.info;
  const scrub = (text: string): string => vault.redact(text);
  if (!vault.info.hasToken) {
    log.warn(
      { address },
      'no Vault token: set VAULT_TOKEN or log in so ~/.vault-token exists; tool calls will be denied',
    );
    return undefined;
  }
  if (vault.tokenTooShort)
    log.warn(
      { address },
      `the Vault token is shorter than ${MIN_REDACTABLE_TOKEN} characters (a dev token like 'root'): vault-mcp withholds it only where a value equals it, not inside other text. Use a token Vault issued (vault token create).`,
    );
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
      log.warn(
        { address },
        'the Vault token was refused (403 on auth/token/lookup-self): it is invalid, expired or revoked, or has no policy allowing lookup-self (the default policy does)',
      );
    } else if (error instanceof VaultConnectionError || error instanceof VaultTimeoutError) {
      log.warn(
        { address, error: safeErrorText(error, scrub) },
        'Vault is unreachable: tool calls will fail until it answers',
      );
    } else {
      log.warn({ address, error: safeErrorText(error, scrub) }, 'token lookup failed');
    }
    return undefined;
  }
}
