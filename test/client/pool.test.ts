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
  RequestScope,
  VaultCancelledError,
  VaultConnectionError,
  VaultProtocolError,
  VaultTimeoutError,
  type VaultClient,
  type VaultResponseError,
} from '../../src/index.js';
import { VaultRequest } from '../../src/client/http.js';
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

describe('redirects from standby nodes (as Vault’s own Go client: one 301/302/307)', () => {
  it('follows one 301, 302 or 307 with the same method, token and body to the active node', async () => {
    const vault = devServer();
    for (const status of [301, 302, 307]) {
      const a = await standby(() => vault.address, status);
      const path = unique(`redirected-${status}`);
      const client = createVaultClient({ address: a.origin, token: vault.token });
      const written = await client.request('post', '/secret/data/{path}', {
        path: { path },
        body: { data: { k: 'v' } },
      });
      expect((written.data as { version: number }).version).toBe(1);
      expect(a.seen).toEqual([
        {
          method: 'POST',
          url: `/v1/secret/data/${path}`,
          token: vault.token,
          contentType: 'application/json',
          body: '{"data":{"k":"v"}}',
        },
      ]);
      const direct = createVaultClient({ address: vault.address, token: vault.token });
      const read = await direct.request('get', '/secret/data/{path}', { path: { path } });
      expect((read.data as { data: unknown }).data).toEqual({ k: 'v' });
      await Promise.all([client.close(), direct.close()]);
    }
  });

  it('a second redirect is a protocol error naming its status and origin, not retried, nothing written', async () => {
    const vault = devServer();
    const b = await standby(() => vault.address);
    const a = await standby(() => `${b.origin}`);
    const path = unique('redirected');
    // A GET would be retried after a connection error: this one must not be.
    const client = createVaultClient({ address: a.origin, token: vault.token });
    const error = await client
      .request('get', '/secret/data/{path}', { path: { path }, query: { version: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultProtocolError);
    expect((error as VaultProtocolError).code).toBe('ERR_REDIRECT_REFUSED');
    expect((error as Error).message).toBe(
      `Vault at ${a.origin} answered GET /v1/secret/data/${path} with a redirect (307) to ${vault.address}, not followed: it came after 1 redirect, and only 1 is followed, as by Vault's own client; the request was not sent there`,
    );
    expect(a.seen).toHaveLength(1);
    expect(b.seen).toHaveLength(1);
    const posted = await client
      .request('post', '/secret/data/{path}', { path: { path }, body: { data: { k: 'v' } } })
      .catch((e: unknown) => e);
    expect(posted).toBeInstanceOf(VaultProtocolError);
    const direct = createVaultClient({ address: vault.address, token: vault.token });
    const read = await direct
      .request('get', '/secret/data/{path}', { path: { path } })
      .catch((e: unknown) => e);
    expect((read as VaultResponseError).status).toBe(404);
    await Promise.all([client.close(), direct.close()]);
  });

  it('300, 303 and 308 are not followed: a write never turns into a GET', async () => {
    for (const status of [300, 303, 308]) {
      const end = await standby(() => 'http://unused.invalid', 200);
      const start = await standby(() => `${end.origin}`, status);
      const client = createVaultClient({ address: start.origin, token: 'a-token-long-enough' });
      const error = await client
        .request('post', '/sys/capabilities-self', { body: { paths: ['x'] } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultProtocolError);
      expect((error as Error).message).toBe(
        `Vault at ${start.origin} answered POST /v1/sys/capabilities-self with a redirect (${status}) to ${end.origin}, not followed: only 301, 302 and 307 are, keeping the method and body, as by Vault's own client; the request was not sent there`,
      );
      expect(start.seen).toHaveLength(1);
      expect(end.seen).toEqual([]);
      await client.close();
    }
  });

  it('the error names the Location’s origin only, never its path or query', async () => {
    const { origin } = await serve((_req, res) =>
      res.writeHead(303, { location: 'http://127.0.0.1:9/v1/x?token=hvs.SHOULDNOTSHOW' }).end(),
    );
    const client = createVaultClient({ address: origin, token: 't', maxRetries: 0 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Vault at ${origin} answered GET /v1/sys/mounts with a redirect (303) to http://127.0.0.1:9, not followed: only 301, 302 and 307 are, keeping the method and body, as by Vault's own client; the request was not sent there`,
    );
  });

  it('refuses a redirect to anything but http(s), without retrying', async () => {
    const start = await standby(() => 'ftp://vault.example');
    const client = createVaultClient({ address: start.origin, token: 't' });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultProtocolError);
    expect((error as Error).message).toBe(
      `Vault at ${start.origin} answered GET /v1/sys/mounts with a redirect (307) to ftp://vault.example, refused: only http(s), and never from https to http; the request was not sent there`,
    );
    expect(start.seen).toHaveLength(1);
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

describe('a RequestScope whose signal aborts', () => {
  it('destroys the read in flight mid-body (its socket closed, never reused) and sends no more', async () => {
    const vault = devServer();
    const sockets: Socket[] = [];
    const seen: string[] = [];
    let stalled: (() => void) | undefined;
    const stall = new Promise<void>((r) => (stalled = r));
    const { origin, server } = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (!req.url?.startsWith('/v1/sys/mounts')) return forward(req, res, new URL(vault.address));
      // Headers and the first bytes of a body, then nothing: a Vault stuck mid-answer.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"data":', () => stalled?.());
    });
    server.on('connection', (socket: Socket) => sockets.push(socket));
    // A timeout far beyond the test's: only the abort can end the request.
    const client = createVaultClient({ address: origin, token: vault.token, timeoutMs: 600_000 });
    await client.GET('/sys/internal/ui/mounts');
    expect(sockets).toHaveLength(1);
    const controller = new AbortController();
    const scoped = client.withScope(new RequestScope(controller.signal));
    const read = scoped.GET('/sys/mounts').catch((e: unknown) => e);
    await stall;
    const closed = new Promise<void>((r) => sockets[0]?.once('close', () => r()));
    controller.abort();
    const error = await read;
    expect(error).toBeInstanceOf(VaultCancelledError);
    expect((error as Error).message).toBe(
      'GET /v1/sys/mounts was cancelled by the caller before Vault answered',
    );
    await closed;
    // The next request of the scope is not sent; the unscoped client gets a new connection.
    const next = await scoped.GET('/sys/internal/ui/mounts').catch((e: unknown) => e);
    expect((next as Error).message).toBe(
      'GET /v1/sys/internal/ui/mounts was cancelled by the caller before Vault answered',
    );
    await client.GET('/sys/internal/ui/mounts');
    expect(seen).toEqual([
      'GET /v1/sys/internal/ui/mounts',
      'GET /v1/sys/mounts',
      'GET /v1/sys/internal/ui/mounts',
    ]);
    expect(sockets).toHaveLength(2);
    await client.close();
  });

  it('never aborts a write: it runs to its answer and is listed in the scope’s changes', async () => {
    const vault = devServer();
    let release: (() => void) | undefined;
    let arrived: (() => void) | undefined;
    const sent = new Promise<void>((r) => (arrived = r));
    const { origin } = await serve((req, res) => {
      if (req.method !== 'POST') return forward(req, res, new URL(vault.address));
      release = () => forward(req, res, new URL(vault.address));
      arrived?.();
    });
    const client = createVaultClient({ address: origin, token: vault.token, timeoutMs: 600_000 });
    const controller = new AbortController();
    const scope = new RequestScope(controller.signal);
    const policy = unique('scoped');
    const write = client.withScope(scope).request('post', '/sys/policies/acl/{name}', {
      path: { name: policy },
      body: { policy: 'path "x" { capabilities = ["read"] }' },
    });
    await sent;
    controller.abort();
    release?.();
    expect((await write).status).toBe(204);
    expect(scope.changes).toEqual([`POST /v1/sys/policies/acl/${policy}`]);
    // Once a write was sent, the scope's reads are not cancelled either (the call runs on).
    expect(scope.stopping).toBe(false);
    await client.withScope(scope).request('get', '/sys/policies/acl/{name}', {
      path: { name: policy },
    });
    await client.close();
  });
});

describe('answers too large or too slow', () => {
  /** Writes `chunk` every `everyMs` (0: as fast as the socket takes it) until the client hangs up. */
  const endless = (chunk: Buffer, everyMs: number, headers: Record<string, string> = {}) =>
    serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.write('{"data":"');
      let stopped = false;
      res.on('close', () => (stopped = true));
      const more = (): void => {
        if (stopped) return;
        if (everyMs > 0) res.write(chunk, () => setTimeout(more, everyMs));
        else if (res.write(chunk)) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });

  it('an endless body is cut at 64 MiB: the socket is closed, the call fails once, unretried', async () => {
    let requests = 0;
    const { origin, server } = await endless(Buffer.alloc(1024 * 1024, 'a'), 0);
    server.on('request', () => requests++);
    const closed = new Promise<void>((r) =>
      server.on('connection', (s: Socket) => s.on('close', r)),
    );
    // A timeout no machine reaches before 64 MiB of loopback traffic: only the cap can end this.
    const client = createVaultClient({ address: origin, token: 't', timeoutMs: 600_000 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultProtocolError);
    expect((error as VaultProtocolError).code).toBe('ERR_BODY_TOO_LARGE');
    expect((error as Error).message).toBe(
      `Vault at ${origin} answered GET /v1/sys/mounts with a body larger than 64 MiB, the most vault-mcp reads (no real Vault answer comes near it); the rest was not read`,
    );
    await closed;
    expect(requests).toBe(1);
    await client.close();
  }, 120_000);

  it('a content-length over 64 MiB is refused before the body is read', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(64 * 1024 * 1024 + 1),
      });
      res.write('{"data":');
    });
    // Without the up-front check only this (never reached) timeout could end the call.
    const client = createVaultClient({ address: origin, token: 't', timeoutMs: 600_000 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Vault at ${origin} answered GET /v1/sys/mounts with a body larger than 64 MiB, the most vault-mcp reads (no real Vault answer comes near it); the rest was not read`,
    );
    await client.close();
  }, 60_000);

  it('timeoutMs is a deadline for the whole answer: a body trickling in still times out', async () => {
    // A byte every 10 ms: an idle timeout of 1 s would never fire.
    const { origin } = await endless(Buffer.from('a'), 10);
    const client = createVaultClient({ address: origin, token: 't', timeoutMs: 1000 });
    const error = await client.GET('/sys/mounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultTimeoutError);
    expect((error as Error).message).toBe(
      `Vault at ${origin} did not answer GET /v1/sys/mounts within 1 s`,
    );
    await client.close();
  }, 60_000);
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
    expect(refused).toBeInstanceOf(VaultProtocolError);
    expect((refused as Error).message).toBe(
      `Vault at ${origin} answered GET /v1/sys/mounts with a redirect (307) to http://127.0.0.1:9, refused: only http(s), and never from https to http; the request was not sent there`,
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

describe("the client's own headers (stop 22: no WHATWG Headers per request for them)", () => {
  it('reach Vault from the pool and from an injected fetch: token, namespace, X-Vault-Request', async () => {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const { origin } = await serve((req, res) => {
      const {
        'x-vault-token': token,
        'x-vault-namespace': ns,
        'x-vault-request': vr,
      } = req.headers;
      seen.push({ token, ns, vr, patch: req.headers['content-type'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"keys":[]}}');
    });
    const token = 'hvs.HeaderCheckToken0123456789';
    const pooled = createVaultClient({ address: origin, token, namespace: '/team-a/' });
    const injected = createVaultClient({ address: origin, token, namespace: 'team-a', fetch });
    for (const client of [pooled, injected]) {
      await client.request('get', '/secret/data/{path}', { path: { path: 'app' } });
      // A per-request header (merge-patch) still goes with the client's own ones.
      await client.request('patch', '/secret/data/{path}', {
        path: { path: 'app' },
        body: { data: { k: 'v' } },
      });
    }
    const expected = { token, ns: 'team-a', vr: 'true' };
    expect(seen).toEqual([
      { ...expected, patch: undefined },
      { ...expected, patch: 'application/merge-patch+json' },
      { ...expected, patch: undefined },
      { ...expected, patch: 'application/merge-patch+json' },
    ]);
    await Promise.all([pooled.close(), injected.close()]);
  });

  it('a dump of a VaultRequest (a log, JSON) does not show the token it carries', () => {
    const token = 'hvs.HeaderCheckToken0123456789';
    const request = new VaultRequest('http://127.0.0.1:1/v1/x', {
      vaultHeaders: { 'x-vault-token': token },
    });
    expect(request.vaultHeaders).toEqual({ 'x-vault-token': token });
    expect(JSON.stringify(request)).not.toContain(token);
    expect(Object.values(request)).not.toContainEqual({ 'x-vault-token': token });
  });
});
