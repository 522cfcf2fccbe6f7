/**
 * The client's own connection pool (src/client/http.ts over node:http/node:https): keep-alive,
 * TLS settings, redirects from standby nodes, answers cut short. Real OpenBao where it can show
 * the behaviour; small Node servers only for what a real one cannot do on demand (a standby's
 * redirect, a connection cut mid-answer, a stalled body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import {
  createVaultClient,
  VaultConnectionError,
  VaultTimeoutError,
  type VaultClient,
  type VaultResponseError,
} from '../../src/index.js';
import { forward } from '../support/proxy.js';
import { devServer, unique } from '../support/vault.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** A loopback server for one test (closed after it); resolves to its origin. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{
  origin: string;
  server: Server;
}> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Seen {
  method: string | undefined;
  url: string | undefined;
  token: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A standby node: records the request and answers `status` with a Location on `next`'s origin. */
async function standby(
  next: () => string,
  status = 307,
): Promise<{ origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { origin } = await serve((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        token: req.headers['x-vault-token'] as string | undefined,
        contentType: req.headers['content-type'],
        body,
      });
      res.writeHead(status, { location: `${next()}${req.url ?? ''}` }).end();
    });
  });
  return { origin, seen };
}

describe('redirects from standby nodes', () => {
  it('follows 3 with the same method, token and body to the active node', async () => {
    const vault = devServer();
    const c = await standby(() => vault.address);
    const b = await standby(() => c.origin);
    const a = await standby(() => b.origin);
    const path = unique('redirected');
    const client = createVaultClient({ address: a.origin, token: vault.token });
    const written = await client.request('post', '/secret/data/{path}', {
      path: { path },
      body: { data: { k: 'v' } },
    });
    expect((written.data as { version: number }).version).toBe(1);
    for (const node of [a, b, c]) {
      expect(node.seen).toEqual([
        {
          method: 'POST',
          url: `/v1/secret/data/${path}`,
          token: vault.token,
          contentType: 'application/json',
          body: '{"data":{"k":"v"}}',
        },
      ]);
    }
    const direct = createVaultClient({ address: vault.address, token: vault.token });
    const read = await direct.request('get', '/secret/data/{path}', { path: { path } });
    expect((read.data as { data: unknown }).data).toEqual({ k: 'v' });
    await Promise.all([client.close(), direct.close()]);
  });

  it('a fourth is an error that names where it pointed, and nothing is written', async () => {
    const vault = devServer();
    const d = await standby(() => vault.address);
    const c = await standby(() => d.origin);
    const b = await standby(() => c.origin);
    const a = await standby(() => b.origin);
    const path = unique('redirected');
    const client = createVaultClient({ address: a.origin, token: vault.token });
    const error = await client
      .request('post', '/secret/data/{path}', { path: { path }, body: { data: { k: 'v' } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as Error).message).toBe(
      `cannot reach Vault at ${a.origin}: more than 3 redirects; the last one pointed to ${vault.address}/v1/secret/data/${path} (ERR_TOO_MANY_REDIRECTS)`,
    );
    expect(d.seen).toHaveLength(1);
    const direct = createVaultClient({ address: vault.address, token: vault.token });
    const read = await direct
      .request('get', '/secret/data/{path}', { path: { path } })
      .catch((e: unknown) => e);
    expect((read as VaultResponseError).status).toBe(404);
    await Promise.all([client.close(), direct.close()]);
  });

  it('303 (and 301/302 after a POST) continue as a GET without the body, like fetch', async () => {
    for (const status of [303, 301, 302]) {
      const end = await standby(() => 'http://unused.invalid', 200);
      const start = await standby(() => end.origin, status);
      const client = createVaultClient({ address: start.origin, token: 'a-token-long-enough' });
      await client.request('post', '/sys/capabilities-self', { body: { paths: ['x'] } });
      expect(end.seen).toEqual([
        {
          method: 'GET',
          url: '/v1/sys/capabilities-self',
          token: 'a-token-long-enough',
          // 303 drops the body's content-* headers; 301/302 keep them (undici did the same).
          contentType: status === 303 ? undefined : 'application/json',
          body: '',
        },
      ]);
      await client.close();
    }
  });

  it('refuses a redirect to anything but http(s)', async () => {
    const start = await standby(() => 'ftp://vault.example');
    const client = createVaultClient({ address: start.origin, token: 't', maxRetries: 0 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as Error).message).toBe(
      `cannot reach Vault at ${start.origin}: refused a redirect from ${start.origin} to ftp://vault.example: only http(s), and never from https to http (ERR_REDIRECT_REFUSED)`,
    );
  });
});

describe('keep-alive', () => {
  it('one connection for a run of calls, 204 answers included; close() ends it', async () => {
    const vault = devServer();
    const sockets: Socket[] = [];
    const { origin, server } = await serve((req, res) => forward(req, res, new URL(vault.address)));
    server.on('connection', (socket: Socket) => sockets.push(socket));
    const client = createVaultClient({ address: origin, token: vault.token });
    const policy = unique('pool');
    await client.GET('/sys/internal/ui/mounts');
    const put = await client.request('post', '/sys/policies/acl/{name}', {
      path: { name: policy },
      body: { policy: 'path "x" { capabilities = ["read"] }' },
    });
    expect(put.status).toBe(204);
    await client.request('get', '/sys/policies/acl/{name}', { path: { name: policy } });
    const removed = await client.request('delete', '/sys/policies/acl/{name}', {
      path: { name: policy },
    });
    expect(removed.status).toBe(204);
    await client.GET('/sys/internal/ui/mounts');
    expect(sockets).toHaveLength(1);
    const closed = new Promise<void>((r) => sockets[0]?.once('close', () => r()));
    await client.close();
    await closed;
    expect(sockets[0]?.destroyed).toBe(true);
  });
});

describe('answers cut short', () => {
  it('a connection closed mid-body is a connection error, not a JSON error', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"data":{"k"', () => res.socket?.destroy());
    });
    const client = createVaultClient({ address: origin, token: 't', maxRetries: 0 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as Error).message).toBe(
      `cannot reach Vault at ${origin}: the connection closed before the whole answer arrived (ECONNRESET)`,
    );
  });

  it('a body that stops arriving times out like an answer that never comes', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"data":');
    });
    const client = createVaultClient({ address: origin, token: 't', timeoutMs: 200 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultTimeoutError);
    expect((error as Error).message).toBe(
      `Vault at ${origin} did not answer GET /v1/sys/mounts within 0.2 s`,
    );
  });
});

describe('TLS settings (bao server -dev -dev-tls)', () => {
  let tls: DevServer | undefined;
  let ca = '';
  beforeAll(async () => {
    tls = await startDevServer({ tls: true });
    ca = readFileSync(tls.caCert as string, 'utf8');
  });
  afterAll(() => tls?.stop());

  const client = (options: Parameters<typeof createVaultClient>[0]['tls']): VaultClient => {
    const server = tls as DevServer;
    return createVaultClient({
      address: server.address,
      token: server.token,
      maxRetries: 0,
      tls: options,
    });
  };

  it('without the CA the certificate is refused, with its code', async () => {
    const error = await client(undefined)
      .GET('/sys/mounts')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConnectionError);
    expect((error as VaultConnectionError).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect((error as Error).message).toBe(
      `cannot reach Vault at ${(tls as DevServer).address}: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    );
  });

  it('VAULT_SKIP_VERIFY accepts it without the CA', async () => {
    const vault = client({ insecureSkipVerify: true });
    const mounts = await vault.GET('/sys/internal/ui/mounts');
    expect(Object.keys((mounts.data as { secret: object }).secret)).toContain('sys/');
    await vault.close();
  });

  it('VAULT_TLS_SERVER_NAME is the name the certificate is checked against', async () => {
    const wrong = await client({ caCert: ca, serverName: 'not-vault.example' })
      .GET('/sys/mounts')
      .catch((e: unknown) => e);
    // The dev certificate's names include this machine's host names: the list is not fixed.
    const prefix = `cannot reach Vault at ${(tls as DevServer).address}: Hostname/IP does not match certificate's altnames: Host: not-vault.example. is not in the cert's altnames: DNS:localhost, `;
    expect((wrong as VaultConnectionError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect((wrong as Error).message.startsWith(prefix)).toBe(true);
    expect((wrong as Error).message).toMatch(
      /, IP Address:127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\)$/,
    );
    const right = client({ caCert: ca, serverName: 'localhost' });
    expect((await right.GET('/sys/internal/ui/mounts')).status).toBe(200);
    await right.close();
  });

  it('refuses a redirect from https to http (a downgrade, as Vault’s own client does)', async () => {
    // A TLS standby with the dev server's own certificate, redirecting to plain HTTP.
    const dir = dirname((tls as DevServer).caCert as string);
    const standbyTls = createTlsServer(
      {
        cert: readFileSync(join(dir, 'vault-cert.pem')),
        key: readFileSync(join(dir, 'vault-key.pem')),
      },
      (req, res) => res.writeHead(307, { location: `http://127.0.0.1:9${req.url ?? ''}` }).end(),
    );
    servers.push(standbyTls);
    await new Promise<void>((r) => standbyTls.listen(0, '127.0.0.1', r));
    const origin = `https://127.0.0.1:${(standbyTls.address() as AddressInfo).port}`;
    const vault = createVaultClient({
      address: origin,
      token: 't',
      maxRetries: 0,
      tls: { caCert: ca },
    });
    const refused = await vault.GET('/sys/mounts').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VaultConnectionError);
    expect((refused as Error).message).toBe(
      `cannot reach Vault at ${origin}: refused a redirect from ${origin} to http://127.0.0.1:9: only http(s), and never from https to http (ERR_REDIRECT_REFUSED)`,
    );
    await vault.close();
  });

  it('a client certificate logs in with the cert auth method', async () => {
    const root = client({ caCert: ca });
    await root.request('post', '/sys/mounts/{path}', {
      path: { path: 'pki' },
      body: { type: 'pki' },
    });
    const issuer = await root.request('post', '/pki/root/generate/internal', {
      body: { common_name: 'client-ca', ttl: '1h' },
    });
    await root.request('post', '/pki/roles/{name}', {
      path: { name: 'client' },
      body: { allow_any_name: true, client_flag: true, server_flag: false, ttl: '30m' },
    });
    const issued = (
      await root.request('post', '/pki/issue/{role}', {
        path: { role: 'client' },
        body: { common_name: 'mcp-client' },
      })
    ).data as { certificate: string; private_key: string };
    await root.request('post', '/sys/auth/{path}', {
      path: { path: 'cert' },
      body: { type: 'cert' },
    });
    await root.request('post', '/auth/cert/certs/{name}', {
      path: { name: 'mcp' },
      body: {
        certificate: (issuer.data as { certificate: string }).certificate,
        token_policies: 'default',
      },
    });
    const withCert = createVaultClient({
      address: (tls as DevServer).address,
      maxRetries: 0,
      tls: { caCert: ca, clientCert: issued.certificate, clientKey: issued.private_key },
    });
    const login = await withCert.request('post', '/auth/cert/login', { body: {} });
    const auth = (login.envelope as { auth: { metadata: Record<string, string> } }).auth;
    expect(auth.metadata).toMatchObject({ cert_name: 'mcp', common_name: 'mcp-client' });
    const without = await client({ caCert: ca })
      .request('post', '/auth/cert/login', { body: {} })
      .catch((e: unknown) => e);
    expect((without as VaultResponseError).status).toBe(400);
    await Promise.all([root.close(), withCert.close()]);
  });
});
