/** Callers.vet against the real OpenBao dev server: what a token check costs. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TokenManager } from '../../src/auth/token-manager.js';
import { createVaultClient } from '../../src/client/client.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { Callers, requestScrubber } from '../../src/transports/http/callers.js';
import { MemoryState } from '../../src/transports/http/memory-state.js';
import { countingFetch, devServer, scopedToken } from '../support/vault.js';

describe('token checks', () => {
  it('six requests of one new caller at once wait for one lookup-self, paid once', async () => {
    const token = await scopedToken('path "secret/*" { capabilities = ["read"] }');
    const config = loadConfig(
      {
        VAULT_ADDR: devServer().address,
        HOME: '/nonexistent',
        // One check per client, then one per 100 s: a second check would be refused.
        MCP_RATE_LIMIT_CLIENT_CHECKS: '0.01:1',
      },
      undefined,
      { transport: 'streamable-http' },
    );
    const counter = countingFetch();
    const base = createVaultClient({ ...config.vault, token: undefined, fetch: counter.fetch });
    const log = createLogger('silent');
    const callers = new Callers({
      config,
      base,
      ownTokens: new TokenManager(base, undefined, log),
      hasServerToken: false,
      loopback: true,
      state: new MemoryState(config.http),
      log,
    });
    // Only what resolve() and vet() read of a request.
    const req = { headers: { 'x-vault-token': token }, socket: { remoteAddress: '127.0.0.1' } };
    // All six start in this tick: none can see another's verdict, only its check under way.
    const vetted = await Promise.allSettled(
      Array.from({ length: 6 }, () => {
        const caller = callers.resolve(req as unknown as IncomingMessage);
        return callers.vet(caller, '127.0.0.1');
      }),
    );
    expect(vetted.map((v) => v.status)).toEqual(Array.from({ length: 6 }, () => 'fulfilled'));
    expect(counter.requests).toEqual(['GET auth/token/lookup-self']);
    await base.close();
  });
});

describe('requestScrubber', () => {
  it('scrubs each part of a joined token header, but not parts too short to be a token', () => {
    const req = {
      headers: { 'x-vault-token': 'hvs.TOKENPART1234, ab' },
    } as unknown as IncomingMessage;
    expect(requestScrubber(req)('Host hvs.TOKENPART1234.example, tab: hvs.TOKENPART1234, ab')).toBe(
      'Host [token].example, tab: [token]',
    );
  });
});
