import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import type { VaultResponseError } from '../../src/index.js';
import {
  createVaultClient,
  fromEnv,
  optionsFromEnv,
  tokenFromEnv,
  VaultConfigError,
  VaultConnectionError,
  VaultTimeoutError,
} from '../../src/index.js';
import { connect } from '../support/mcp.js';
import { devServer, rootClient } from '../support/vault.js';

describe('connection failures', () => {
  it('names the address when nothing listens there', async () => {
    const port = await freePort();
    const client = createVaultClient({
      address: `http://127.0.0.1:${port}`,
      token: 's.secret-token',
      maxRetries: 0,
    });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as VaultConnectionError).code).toBe('ECONNREFUSED');
    expect((error as Error).message).toBe(
      `cannot reach Vault at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect((error as Error).message).not.toContain('s.secret-token');
  });

  // A real server cannot be made slow on demand: this is fault injection. It never answers, so
  // only the client's timeout can end the request (the test reads no clock).
  const slow = createServer(() => undefined);
  afterAll(() => {
    slow.closeAllConnections();
    return new Promise<void>((r) => slow.close(() => r()));
  });

  it('times out after timeoutMs', async () => {
    const port = await freePort();
    await new Promise<void>((r) => slow.listen(port, '127.0.0.1', r));
    const client = createVaultClient({
      address: `http://127.0.0.1:${port}`,
      token: 't',
      timeoutMs: 200,
    });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultTimeoutError);
    expect((error as Error).message).toBe(
      `Vault at http://127.0.0.1:${port} did not answer GET /v1/sys/mounts within 0.2 s`,
    );
  });

  it('retries an idempotent read after a 502, never a write', async () => {
    let calls = 0;
    const flaky = async (request: Request): Promise<Response> => {
      calls++;
      if (calls === 1) return new Response('{"errors":["bad gateway"]}', { status: 502 });
      return fetch(request);
    };
    const client = rootClient({ fetch: flaky });
    await client.GET('/sys/internal/ui/mounts');
    expect(calls).toBe(2);
    calls = 0;
    const write = await client
      .POST('/sys/capabilities-self', { body: { paths: ['sys/mounts'] } })
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((write as VaultResponseError).status).toBe(502);
  });
});

describe('an address with the wrong scheme', () => {
  it('https:// to a plain-HTTP Vault says so and names the http:// address, in the client and every tool', async () => {
    const { address, token } = devServer();
    const https = address.replace(/^http:/, 'https:');
    const client = createVaultClient({ address: https, token, maxRetries: 0 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as Error).message).toBe(
      `cannot reach Vault at ${https}: the server speaks plain HTTP, not TLS; set VAULT_ADDR=${address} (ERR_SSL_WRONG_VERSION_NUMBER)`,
    );
    const mcp = await connect({ VAULT_ADDR: https, VAULT_MAX_RETRIES: '0' });
    try {
      expect(await mcp.fails('list_mounts')).toBe(
        `cannot reach Vault at ${https}: the server speaks plain HTTP, not TLS; set VAULT_ADDR=${address} (ERR_SSL_WRONG_VERSION_NUMBER). Check VAULT_ADDR and that Vault is running and reachable; nothing was changed.`,
      );
    } finally {
      await mcp.close();
    }
  });

  describe('http:// to a TLS Vault (bao server -dev -dev-tls)', () => {
    let tls: DevServer | undefined;
    beforeAll(async () => {
      tls = await startDevServer({ tls: true });
    });
    afterAll(() => tls?.stop());

    it('says the server speaks TLS and names the https:// address', async () => {
      const server = tls as DevServer;
      const http = server.address.replace(/^https:/, 'http:');
      const client = createVaultClient({ address: http, token: server.token });
      const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultConnectionError);
      expect((error as Error).message).toBe(
        `cannot reach Vault at ${http}: the server speaks TLS, not plain HTTP; set VAULT_ADDR=${server.address} (and VAULT_CACERT when its certificate is not from a public CA)`,
      );
      // Following the advice works.
      const fixed = createVaultClient({
        address: server.address,
        token: server.token,
        tls: { caCert: readFileSync(server.caCert as string, 'utf8') },
      });
      const mounts = await fixed.GET('/sys/internal/ui/mounts');
      expect(Object.keys((mounts.data as { secret: object }).secret)).toContain('secret/');
    });
  });
});

describe('configuration', () => {
  it('rejects addresses that are not http(s) URLs', () => {
    expect(() => createVaultClient({ address: 'vault:8200' })).toThrow(VaultConfigError);
    expect(() => createVaultClient({ address: 'not a url' })).toThrow(
      'Vault address "not a url" is not a URL; use e.g. http://127.0.0.1:8200',
    );
    expect(createVaultClient({ address: 'http://h:8200/v1/' }).info.address).toBe('http://h:8200');
  });

  it('reads VAULT_* and BAO_* like the CLIs, VAULT_ first', () => {
    const home = mkdtempSync(join(tmpdir(), 'vault-mcp-home-'));
    writeFileSync(join(home, '.vault-token'), '  file-token\n');
    expect(tokenFromEnv({}, home)).toBe('file-token');
    expect(tokenFromEnv({ BAO_TOKEN: 'bao' }, home)).toBe('bao');
    expect(tokenFromEnv({ VAULT_TOKEN: 'vault', BAO_TOKEN: 'bao' }, home)).toBe('vault');
    const options = optionsFromEnv({
      BAO_ADDR: 'http://bao:8200',
      VAULT_NAMESPACE: 'team-a',
      VAULT_TOKEN: 't',
      VAULT_CLIENT_TIMEOUT: '5s',
      VAULT_MAX_RETRIES: '0',
      VAULT_SKIP_VERIFY: 'true',
    });
    expect(options).toEqual({
      address: 'http://bao:8200',
      token: 't',
      namespace: 'team-a',
      tls: { insecureSkipVerify: true },
      timeoutMs: 5000,
      maxRetries: 0,
    });
    expect(() => optionsFromEnv({ VAULT_SKIP_VERIFY: 'maybe' })).toThrow(
      'VAULT_SKIP_VERIFY="maybe" is not a boolean; use true or false',
    );
    expect(() => optionsFromEnv({ VAULT_CACERT: '/nonexistent/ca.pem' })).toThrow(
      /VAULT_CACERT: cannot read \/nonexistent\/ca.pem/,
    );
    expect(() => optionsFromEnv({ VAULT_CLIENT_CERT: '/x' })).toThrow(
      'VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together',
    );
  });

  it('fromEnv() talks to the dev server', async () => {
    const { address, token } = devServer();
    const client = fromEnv({ VAULT_ADDR: address, VAULT_TOKEN: token });
    const mounts = await client.GET('/sys/internal/ui/mounts');
    expect(Object.keys((mounts.data as { secret: object }).secret)).toContain('sys/');
  });
});
