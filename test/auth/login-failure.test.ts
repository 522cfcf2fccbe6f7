/**
 * The reason a failed login gives in tool errors: Vault's words, or the address and the code when
 * Vault cannot be reached, never the HTTP client's own exception text.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/openbao.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { createVaultClient } from '../../src/client/client.js';
import { createLogger } from '../../src/log.js';

describe('a login that cannot reach Vault', () => {
  it('names the address and the code only', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const tokens = new TokenManager(
      createVaultClient({ address, maxRetries: 0 }),
      { kind: 'approle', mount: 'approle', roleId: 'role', secretId: () => 'secret' },
      createLogger('silent'),
    );
    expect(await tokens.start()).toBeUndefined();
    tokens.stop();
    expect(tokens.expiredMessage()).toBe(
      `the AppRole login at auth/approle has not succeeded (cannot reach Vault at ${address} (ECONNREFUSED)) and is retried every 5 s: check VAULT_ROLE_ID, VAULT_SECRET_ID (or VAULT_SECRET_ID_FILE) and VAULT_APPROLE_MOUNT`,
    );
  });
});
