/**
 * `vault-mcp http`: one test per control, against the real OpenBao dev server and real HTTP.
 * Most run the server in-process (startHttpServer); start-up refusals, SIGTERM and stateless
 * replicas run the built binary.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliPath, freePort, startDevServer, vaultRequest } from '../../scripts/lib/openbao.js';
import {
  playTutorial,
  TUTORIAL_SECRETS,
  type TutorialConnection,
} from '../../scripts/lib/tutorial.js';
import { createVaultClient } from '../../src/client/client.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer, type HttpServerHandle } from '../../src/transports/http.js';
import { serve } from '../support/http.js';
import { adminRequest, devServer, mountEngine, scopedToken, unique } from '../support/vault.js';

const run = promisify(execFile);
const cli = cliPath;
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'http-test', version: '1' },
  },
};
const MCP_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

async function mcpClient(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'http-test', version: '1' });
  await client.connect(transport);
  return { client, transport };
}

const text = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function initialize(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(INIT),
  });
}

/**
 * The buckets count time by performance.now(): frozen, nothing drips back during a test, so a
 * refusal's wait is exact on any machine. Restore it before the test ends.
 */
function frozenClock(): { mockRestore: () => void } {
  return vi.spyOn(performance, 'now').mockReturnValue(performance.now());
}

/** Token checks in a burst of 3 per client and 5 server-wide, then one per 100 s: any machine hits them. */
const CHECK_LIMITS = {
  MCP_RATE_LIMIT_GLOBAL: '0.01:5',
  MCP_RATE_LIMIT_CLIENT_CHECKS: '0.01:3',
  MCP_RATE_LIMIT_SESSION: 'off',
};

interface CheckAnswer {
  status: number;
  retryAfter: string | null;
  message: string | undefined;
}

/**
 * An initialize with `token` (and `forwardedFor` as X-Forwarded-For), through `dispatcher`: the
 * status, Retry-After and the JSON-RPC error message (undefined for a session opened).
 */
async function tokenCheck(
  url: string,
  token: string,
  forwardedFor?: string,
  dispatcher?: Agent,
): Promise<CheckAnswer> {
  const answer = await undiciFetch(url, {
    method: 'POST',
    headers: {
      ...MCP_HEADERS,
      'X-Vault-Token': token,
      ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}),
    },
    body: JSON.stringify(INIT),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const body = (await answer.text()).replace(/^event: message\ndata: /, '');
  return {
    status: answer.status,
    retryAfter: answer.headers.get('retry-after'),
    message: (JSON.parse(body) as { error?: { message: string } }).error?.message,
  };
}

const INVALID: CheckAnswer = {
  status: 401,
  retryAfter: null,
  message:
    'Vault does not accept this token (403 on auth/token/lookup-self): it is invalid, expired or revoked',
};
const FLOODED: CheckAnswer = {
  status: 429,
  retryAfter: '100',
  message:
    'rate limit reached: too many new Vault tokens to check from this client address (0.01 checks/s, burst 3). Retry in 100.0 s.',
};
const WELCOME: CheckAnswer = { status: 200, retryAfter: null, message: undefined };

describe('binding and TLS', () => {
  it('binds 127.0.0.1 by default and serves MCP there', async () => {
    const server = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { client } = await mcpClient(server.url);
    expect((await client.listTools()).tools).toHaveLength(34);
    await client.close();
    await server.close();
  });

  it('refuses to start on 0.0.0.0 without TLS, with a clear message and exit code 2', async () => {
    const error = await run(process.execPath, [cli, 'http', '--host', '0.0.0.0'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent' },
    }).catch((e: unknown) => e as { code: number; stderr: string });
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain(
      'TRANSPORT_HOST=0.0.0.0 (flag --host) is not a loopback address: set MCP_TLS_CERT_FILE and MCP_TLS_KEY_FILE so the server speaks HTTPS, or bind 127.0.0.1',
    );
  });

  it('really serves HTTPS with the configured certificate when TLS is set; plain HTTP fails', async () => {
    // A certificate for 127.0.0.1 from a PKI mount of the test server.
    const pki = await mountEngine('tls', 'pki');
    const root = (await adminRequest('POST', `${pki}/root/generate/internal`, {
      common_name: 'vault-mcp test CA',
      ttl: '24h',
    })) as { data: { certificate: string } };
    await adminRequest('POST', `${pki}/roles/server`, {
      allow_ip_sans: true,
      allow_localhost: true,
      allow_any_name: true,
      key_type: 'ec',
      key_bits: 256,
    });
    const issued = (await adminRequest('POST', `${pki}/issue/server`, {
      common_name: 'vault-mcp.test',
      ip_sans: '127.0.0.1',
      ttl: '1h',
    })) as {
      data: { certificate: string; private_key: string; serial_number: string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'vault-mcp-tls-'));
    writeFileSync(join(dir, 'cert.pem'), issued.data.certificate);
    writeFileSync(join(dir, 'key.pem'), issued.data.private_key);
    const server = await serve({
      TRANSPORT_HOST: '0.0.0.0',
      MCP_TLS_CERT_FILE: join(dir, 'cert.pem'),
      MCP_TLS_KEY_FILE: join(dir, 'key.pem'),
    });
    const port = new URL(server.url).port;
    expect(server.url).toBe(`https://0.0.0.0:${port}/mcp`);

    const peer = await new Promise<{ serial: string; subject: string }>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port: Number(port), ca: root.data.certificate, servername: undefined },
        () => {
          const cert = socket.getPeerCertificate();
          resolve({ serial: cert.serialNumber, subject: cert.subject.CN as string });
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(peer).toEqual({
      serial: issued.data.serial_number.replace(/:/g, '').toUpperCase(),
      subject: 'vault-mcp.test',
    });

    const agent = new Agent({ connect: { ca: root.data.certificate } });
    const response = await undiciFetch(`https://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'X-Vault-Token': devServer().token },
      body: JSON.stringify(INIT),
      dispatcher: agent,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Not loopback: a caller without a token is not given the server's.
    const anonymous = await undiciFetch(`https://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INIT),
      dispatcher: agent,
    });
    expect(anonymous.status).toBe(401);
    await expect(
      fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(INIT),
      }),
    ).rejects.toThrow();
    await agent.close();
    await server.close();
  });
});

describe('request checks', () => {
  let server: HttpServerHandle;
  beforeAll(async () => {
    server = await serve({
      MCP_ALLOWED_ORIGINS: 'https://app.example.com',
      MCP_MAX_BODY_BYTES: '2048',
    });
  });
  afterAll(() => server.close());

  it('refuses a Host header that is not ours exactly (DNS rebinding)', async () => {
    const post = (host: string) => postWithHost(server.url, host);
    const { status, body } = await post('attacker.example:80');
    expect(status).toBe(403);
    expect(JSON.parse(body)).toEqual({
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message:
          'Invalid Host: attacker.example:80. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS',
      },
      id: null,
    });
    // Spellings a URL parser turns into 127.0.0.1 are not 127.0.0.1.
    for (const host of ['2130706433', '0x7f.1', '127.0.0.1.', '127.1'])
      expect((await post(host)).status, host).toBe(403);
    expect((await post(`127.0.0.1:${new URL(server.url).port}`)).status).toBe(200);
  });

  it('refuses a foreign Origin (403) and answers an allowed one with CORS headers', async () => {
    const bad = await initialize(server.url, { Origin: 'https://evil.example' });
    expect(bad.status).toBe(403);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe(
      'Origin https://evil.example is not allowed (MCP_CORS_MODE=strict; add it to MCP_ALLOWED_ORIGINS)',
    );
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-vault-token,mcp-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('X-Vault-Token');
    const good = await initialize(server.url, { Origin: 'https://app.example.com' });
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(good.headers.get('access-control-expose-headers')).toBe(
      'Mcp-Session-Id,Mcp-Protocol-Version',
    );
  });

  it('refuses a token in the query string with 400', async () => {
    for (const query of ['?token=abc', '?vault_token=abc', '?X-Vault-Token=abc']) {
      const response = await fetch(`${server.url}${query}`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(INIT),
      });
      expect(response.status).toBe(400);
    }
  });

  it('answers an oversized body with 413 and malformed JSON with a parse error', async () => {
    const big = await fetch(server.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ ...INIT, pad: 'x'.repeat(4096) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'request body larger than 2048 bytes (MCP_MAX_BODY_BYTES)' },
      id: null,
    });
    const broken = await fetch(server.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{"jsonrpc":',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error: the body is not valid JSON' },
      id: null,
    });
  });

  it('routes an absolute-form request target (POST http://host/mcp) to the endpoint', async () => {
    const url = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.origin}/mcp`,
          method: 'POST',
          headers: MCP_HEADERS,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(200);
  });

  it('answers what it does not route as the express version did: 404 elsewhere, Allow for OPTIONS', async () => {
    const answer = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(server.url.replace('/mcp', path), init);
      return [response.status, response.headers.get('allow'), await response.text()];
    };
    expect(await answer('/nowhere')).toEqual([
      404,
      null,
      '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /nowhere</pre>\n</body>\n</html>\n',
    ]);
    // Below the endpoint the checks still run: a token in the query is refused, not routed.
    expect((await answer('/mcp/x?token=abc', { method: 'POST' }))[0]).toBe(400);
    expect((await answer('/mcp/x', { method: 'POST', headers: MCP_HEADERS }))[0]).toBe(404);
    // Case and one trailing slash do not matter; an OPTIONS without CORS lists the methods.
    expect(await answer('/MCP/', { method: 'OPTIONS' })).toEqual([
      200,
      'DELETE, GET, HEAD, POST',
      'DELETE, GET, HEAD, POST',
    ]);
    expect(await answer('/healthz/', { method: 'HEAD' })).toEqual([200, null, '']);
  });

  it('/healthz and /readyz need no token and say nothing but a state', async () => {
    expect(await (await fetch(server.url.replace('/mcp', '/healthz'))).json()).toEqual({
      status: 'ok',
    });
    expect(await (await fetch(server.url.replace('/mcp', '/readyz'))).json()).toEqual({
      status: 'ready',
    });
  });
});

/** An initialize POSTed with `host` as Host header (fetch() will not send a foreign one; node:http will). */
function postWithHost(
  serverUrl: string,
  host: string,
  headers: Record<string, string | string[]> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(serverUrl);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...MCP_HEADERS, ...headers, Host: host },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(INIT));
  });
}

/** A log sink for the lines a test must check. */
function sink(): { log: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), text: () => lines.join('') };
}

describe('per-caller Vault credentials and sessions', () => {
  it('uses the caller token; refuses a session used with another token (403), logging no session id whole', async () => {
    const logged = sink();
    const server = await serve({}, logged.log);
    const mount = await mountEngine('caller', 'kv-v2');
    const token = await scopedToken(`path "${mount}/*" { capabilities = ["read", "list"] }`);
    const other = await scopedToken(`path "${mount}/*" { capabilities = ["read"] }`);
    const { client, transport } = await mcpClient(server.url, { 'X-Vault-Token': token });
    const id = transport.sessionId ?? '';
    const me = (await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult;
    expect(
      (me.structuredContent as { policies: string[] }).policies.some((p) =>
        p.startsWith('policy-'),
      ),
    ).toBe(true);
    const hijack = await fetch(server.url, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        'Mcp-Session-Id': transport.sessionId ?? '',
        'Mcp-Protocol-Version': '2025-06-18',
        'X-Vault-Token': other,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(403);
    expect(((await hijack.json()) as { error: { message: string } }).error.message).toBe(
      'this session belongs to another Vault token',
    );
    expect(server.sessionCount()).toBe(1);
    await transport.terminateSession();
    expect(server.sessionCount()).toBe(0);
    await client.close();
    await server.close();
    // A session id is a credential half: logs name it by its first 8 characters.
    const sessions = [...logged.text().matchAll(/"session":"([^"]*)"/g)].map((m) => m[1]);
    expect(sessions).toEqual([`${id.slice(0, 8)}…`, `${id.slice(0, 8)}…`, `${id.slice(0, 8)}…`]);
    expect(logged.text()).not.toContain(id);
  });

  it('a caller token revoked mid-session: the call says so, and the next request is answered 401', async () => {
    const server = await serve();
    const mount = await mountEngine('revoked', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
    const token = await scopedToken(`path "${mount}/*" { capabilities = ["read"] }`);
    const { client, transport } = await mcpClient(server.url, { 'X-Vault-Token': token });
    const read = { name: 'read_secret', arguments: { mount, path: 'app' } };
    expect(((await client.callTool(read)) as CallToolResult).isError).toBeFalsy();
    await adminRequest('POST', 'auth/token/revoke', { token });
    const refused = (await client.callTool(read)) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(
      `Vault denied GET /v1/${mount}/data/app (403: permission denied). This call needs \`read\` on \`${mount}/data/app\`; ask the Vault operator to add it to the token's policy, or use a token that has it. Note: Vault also refused a look-up of the token itself (403 on auth/token/lookup-self), so the token is invalid, expired or revoked, not short of a policy: use a valid token.`,
    );
    const next = await fetch(server.url, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        'Mcp-Session-Id': transport.sessionId ?? '',
        'Mcp-Protocol-Version': '2025-06-18',
        'X-Vault-Token': token,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(next.status).toBe(401);
    expect(((await next.json()) as { error: { message: string } }).error.message).toBe(
      'Vault does not accept this token (403 on auth/token/lookup-self): it is invalid, expired or revoked',
    );
    await client.close();
    await server.close();
  });

  it('a 403 of policy keeps its advice: the token still looks itself up', async () => {
    const server = await serve();
    const mount = await mountEngine('denied', 'kv-v2');
    const token = await scopedToken(`path "${mount}/metadata/*" { capabilities = ["list"] }`);
    const { client } = await mcpClient(server.url, { 'X-Vault-Token': token });
    const denied = (await client.callTool({
      name: 'read_secret',
      arguments: { mount, path: 'app' },
    })) as CallToolResult;
    expect(text(denied)).toBe(
      `Vault denied GET /v1/${mount}/data/app (403: permission denied). This call needs \`read\` on \`${mount}/data/app\`; ask the Vault operator to add it to the token's policy, or use a token that has it.`,
    );
    await client.close();
    await server.close();
  });

  it('only lets a caller pick an allowed Vault address, and only with its own token', async () => {
    const server = await serve({
      VAULT_MCP_ALLOWED_VAULT_ADDRS: 'https://vault.other.example:8200',
    });
    const notAllowed = await initialize(server.url, {
      'X-Vault-Addr': 'https://attacker.example:8200',
      'X-Vault-Token': 't',
    });
    expect(notAllowed.status).toBe(403);
    const noToken = await initialize(server.url, {
      'X-Vault-Addr': 'https://vault.other.example:8200',
    });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: { message: string } }).error.message).toBe(
      "a Vault address chosen by the caller needs the caller's own token in X-Vault-Token",
    );
    await server.close();
  });

  it('closes idle sessions and forgets them', async () => {
    const server = await serve({ VAULT_MCP_SESSION_IDLE_S: '0.5' });
    const first = await initialize(server.url);
    const id = first.headers.get('mcp-session-id') ?? '';
    expect(server.sessionCount()).toBe(1);
    // At least the idle time, then as long as a busy machine needs to run the sweeper.
    await new Promise((r) => setTimeout(r, 600));
    for (let i = 0; i < 300 && server.sessionCount() > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(server.sessionCount()).toBe(0);
    const late = await fetch(server.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(late.status).toBe(404);
    await server.close();
  });
});

describe('resource limits and failing closed', () => {
  /** A POST whose body never finishes: headers and `sent` bytes of a `length`-byte body. */
  function stalledPost(
    url: string,
    headers: Record<string, string>,
    length: number,
  ): { response: Promise<{ status: number; body: string }>; destroy: () => void } {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...headers, 'Content-Length': String(length) },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    req.write('{"jsonrpc":"2.0",');
    // A destroyed request rejects with ECONNRESET; only the tests that read it care.
    response.catch(() => undefined);
    return { response, destroy: () => req.destroy() };
  }

  it('audit_secrets spends a rate-limit point per 100 Vault requests and says where it stopped', async () => {
    // A burst of three: one for opening the session, two for the audit.
    const server = await serve({ MCP_RATE_LIMIT_SESSION: '0.001:3', MCP_RATE_LIMIT_GLOBAL: 'off' });
    const mount = await mountEngine('paced', 'kv-v2');
    const names = Array.from({ length: 150 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 25)
      await Promise.all(
        names
          .slice(i, i + 25)
          .map((name) => adminRequest('POST', `${mount}/data/${name}`, { data: { k: 'v' } })),
      );
    const { client } = await mcpClient(server.url);
    const audit = (await client.callTool({
      name: 'audit_secrets',
      arguments: { mount, max_secrets: 1000 },
    })) as CallToolResult;
    const result = audit.structuredContent as {
      secrets: Array<{ path: string }>;
      truncated: boolean;
      truncated_reason: string;
    };
    // The call's own point paid for 100 requests (one LIST, 49 secrets at 2 each), the bucket's
    // second point for 100 more (50 secrets); the third point is refused.
    expect(result.secrets.map((e) => e.path)).toEqual(names.slice(0, 99));
    expect(result.truncated).toBe(true);
    expect(result.truncated_reason.replace(/Retry in \d+\.\d s/, 'Retry in N s')).toBe(
      'the rate limit stopped the audit after 199 Vault requests (one point per 100): rate limit reached: the rest of audit_secrets was not run (per-caller limit 0.001 calls/s, burst 3). Retry in N s.',
    );
    await client.close();
    await server.close();
  });

  it('refuses a client without a token before reading its body', async () => {
    const server = await serve({ VAULT_TOKEN: '' });
    const stalled = stalledPost(server.url, {}, 100_000);
    const { status, body } = await stalled.response;
    expect([status, JSON.parse(body)]).toEqual([
      401,
      {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'no Vault token: send it in the X-Vault-Token header' },
        id: null,
      },
    ]);
    stalled.destroy();
    await server.close();
  });

  it('bounds the request bodies in flight, and frees a slot when a client gives up', async () => {
    // 64 MiB of bodies in flight at most: with 16 MiB bodies, four.
    const server = await serve({ MCP_MAX_BODY_BYTES: String(16 * 1024 * 1024) });
    const probe = () =>
      fetch(server.url, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
    expect((await probe()).status).toBe(400); // no session: read, parsed and answered
    const stalled = [1, 2, 3, 4].map(() => stalledPost(server.url, {}, 1_000_000));
    let refused: Response | undefined;
    for (let i = 0; i < 1000 && !refused; i++) {
      const answer = await probe();
      if (answer.status === 503) refused = answer;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(((await refused?.json()) as { error: { message: string } }).error.message).toBe(
      'too many request bodies in flight (4); retry shortly',
    );
    for (const s of stalled) s.destroy();
    let freed = 0;
    for (let i = 0; i < 1000 && freed !== 400; i++) {
      freed = (await probe()).status;
      if (freed !== 400) await new Promise((r) => setTimeout(r, 20));
    }
    expect(freed).toBe(400);
    await server.close();
  });

  it("token checks of new callers have their own bucket: made-up tokens neither flood Vault nor use up accepted callers' calls", async () => {
    // A burst of three, then one per 100 s: any machine hits it.
    const server = await serve({ MCP_RATE_LIMIT_GLOBAL: '0.01:3', MCP_RATE_LIMIT_SESSION: 'off' });
    const accepted = await mcpClient(server.url); // the server token: one check, one session
    const statuses: number[] = [];
    let last: unknown;
    for (const token of ['made-up-1', 'made-up-2', 'made-up-3']) {
      const answer = await initialize(server.url, { 'X-Vault-Token': token });
      statuses.push(answer.status);
      last = await answer.json();
    }
    expect(statuses).toEqual([401, 401, 429]);
    expect((last as { error: { message: string } }).error.message).toMatch(
      /^rate limit reached: too many new Vault tokens to check \(0\.01 checks\/s, burst 3\)\. Retry in \d+\.\d s\.$/,
    );
    // The tool-call bucket lost only the accepted caller's session: two of its burst of three are left.
    for (let i = 0; i < 2; i++) {
      const listed = (await accepted.client.callTool({
        name: 'list_mounts',
        arguments: {},
      })) as CallToolResult;
      expect(listed.isError, text(listed)).toBeFalsy();
    }
    await accepted.client.close();
    await server.close();
  });

  it('made-up tokens from one client address lock out that address only: a valid token from another gets in', async () => {
    const token = await scopedToken('path "secret/*" { capabilities = ["read"] }');
    const clock = frozenClock();
    const server = await serve(CHECK_LIMITS);
    // 127.0.0.2 reaches the server on 127.0.0.1 (all of 127/8 is loopback on Linux).
    const flooder = new Agent({ localAddress: '127.0.0.2' });
    try {
      const answers = [];
      // A new X-Forwarded-For each time: read only from proxies the operator trusts (none here).
      for (let i = 1; i <= 6; i++)
        answers.push(
          await tokenCheck(server.url, `made-up-token-${i}`, `198.51.100.${i}`, flooder),
        );
      expect(answers).toEqual([INVALID, INVALID, INVALID, FLOODED, FLOODED, FLOODED]);
      // From 127.0.0.1: its own bucket is full, and the server-wide one has two of five left.
      expect(await tokenCheck(server.url, token)).toEqual(WELCOME);
    } finally {
      clock.mockRestore();
      await flooder.close();
      await server.close();
    }
  });

  it('behind a proxy named in MCP_TRUSTED_PROXIES, X-Forwarded-For names the client whose bucket pays', async () => {
    const token = await scopedToken('path "secret/*" { capabilities = ["read"] }');
    const clock = frozenClock();
    const server = await serve({ ...CHECK_LIMITS, MCP_TRUSTED_PROXIES: 'loopback' });
    try {
      const answers = [];
      // The proxy (127.0.0.1) appends the client it saw; what the client sent before it is no proof.
      for (let i = 1; i <= 4; i++)
        answers.push(
          await tokenCheck(server.url, `made-up-token-${i}`, `10.9.9.${i}, 203.0.113.7`),
        );
      expect(answers).toEqual([INVALID, INVALID, INVALID, FLOODED]);
      expect(await tokenCheck(server.url, token, '203.0.113.8')).toEqual(WELCOME);
    } finally {
      clock.mockRestore();
      await server.close();
    }
  });

  it('refuses a compressed body with 415', async () => {
    const server = await serve();
    const answer = await fetch(server.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Content-Encoding': 'gzip' },
      body: gzipSync(JSON.stringify(INIT)),
    });
    expect([answer.status, await answer.json()]).toEqual([
      415,
      {
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message: 'Content-Encoding is not supported: send the body uncompressed',
        },
        id: null,
      },
    ]);
    await server.close();
  });

  it("closes a caller's least recently used session beyond MCP_MAX_SESSIONS_PER_CALLER", async () => {
    const server = await serve({ MCP_MAX_SESSIONS_PER_CALLER: '2' });
    const mount = await mountEngine('percaller', 'kv-v2');
    const token = await scopedToken(`path "${mount}/*" { capabilities = ["read"] }`);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await initialize(server.url, { 'X-Vault-Token': token })).headers.get('mcp-session-id') ??
          '',
      );
    expect(server.sessionCount()).toBe(2);
    // Local clients on the server's own token share one identity: none closes another's
    // session, and the identity gets no more than its share.
    const own: number[] = [];
    for (let i = 0; i < 3; i++) own.push((await initialize(server.url)).status);
    expect(own).toEqual([200, 200, 503]);
    expect(server.sessionCount()).toBe(4);
    const use = (id: string | undefined) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          ...MCP_HEADERS,
          'Mcp-Session-Id': id ?? '',
          'Mcp-Protocol-Version': '2025-06-18',
          'X-Vault-Token': token,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      });
    expect((await use(ids[0])).status).toBe(404);
    expect((await use(ids[1])).status).toBe(200);
    expect((await use(ids[2])).status).toBe(200);
    await server.close();
  });

  it("stateless mode probes a caller's capabilities once, not on every request", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const server = await serve({ MCP_SESSION_MODE: 'stateless' }, createLogger('info', sink));
    for (let id = 1; id <= 5; id++) {
      const answer = await fetch(server.url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'Mcp-Protocol-Version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }),
      });
      expect(answer.status).toBe(200);
    }
    expect(lines.join('').match(/token capabilities probed/g)).toHaveLength(1);
    await server.close();
  });

  it('fails closed: a token Vault cannot check right now is refused with 503, not let in', async () => {
    // A dev server of its own (it gets sealed), no server token, root tokens refused.
    const vault = await startDevServer();
    const server = await serve({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: '',
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'false',
    });
    await vaultRequest(vault, 'POST', 'sys/seal');
    const answer = await initialize(server.url, { 'X-Vault-Token': vault.token });
    expect([answer.status, await answer.json()]).toEqual([
      503,
      {
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message:
            'cannot check this token with Vault (auth/token/lookup-self: 503: Vault is sealed); retry when Vault answers',
        },
        id: null,
      },
    ]);
    expect(server.sessionCount()).toBe(0);
    await server.close();
    await vault.stop();
  });
});

describe('rate limits', () => {
  it("refuses tool calls over the caller's bucket with a retry hint", async () => {
    // A burst of three (the opening and two calls), then one per 100 s: any machine hits it.
    const server = await serve({
      MCP_RATE_LIMIT_SESSION: '0.01:3',
      MCP_RATE_LIMIT_GLOBAL: '100:100',
    });
    const { client } = await mcpClient(server.url);
    const results: CallToolResult[] = [];
    for (let i = 0; i < 3; i++)
      results.push(
        (await client.callTool({ name: 'list_mounts', arguments: {} })) as CallToolResult,
      );
    expect(results.map((r) => Boolean(r.isError))).toEqual([false, false, true]);
    // The wait is what the bucket needs to refill one token (100 s, less the time the calls took).
    expect(text(results[2] as CallToolResult)).toMatch(
      /^rate limit reached: list_mounts was not run \(per-caller limit 0\.01 calls\/s, burst 3\)\. Retry in (100\.0|\d\d\.\d) s\.$/,
    );
    await client.close();
    await server.close();
  });

  it("a token's sessions share its bucket: a second session buys no more calls", async () => {
    // A burst of four: the two openings and two calls; time stands still, so nothing drips back.
    const clock = frozenClock();
    const server = await serve({ MCP_RATE_LIMIT_SESSION: '0.01:4', MCP_RATE_LIMIT_GLOBAL: 'off' });
    try {
      const a = await mcpClient(server.url);
      const b = await mcpClient(server.url);
      const results: CallToolResult[] = [];
      for (const c of [a, b, a, b])
        results.push(
          (await c.client.callTool({ name: 'list_mounts', arguments: {} })) as CallToolResult,
        );
      expect(results.map((r) => Boolean(r.isError))).toEqual([false, false, true, true]);
      expect(text(results[3] as CallToolResult)).toBe(
        'rate limit reached: list_mounts was not run (per-caller limit 0.01 calls/s, burst 4). Retry in 100.0 s.',
      );
      await a.client.close();
      await b.client.close();
    } finally {
      clock.mockRestore();
      await server.close();
    }
  });

  it('closing a session and opening another does not refill the bucket', async () => {
    const clock = frozenClock();
    const server = await serve({ MCP_RATE_LIMIT_SESSION: '0.01:3', MCP_RATE_LIMIT_GLOBAL: 'off' });
    try {
      const first = await mcpClient(server.url);
      for (let i = 0; i < 2; i++)
        await first.client.callTool({ name: 'list_mounts', arguments: {} });
      await first.transport.terminateSession();
      await first.client.close();
      const again = await initialize(server.url);
      expect([
        again.status,
        again.headers.get('retry-after'),
        ((await again.json()) as { error: { message: string } }).error.message,
      ]).toEqual([
        429,
        '100',
        'rate limit reached: no session was opened (per-caller limit 0.01 calls/s, burst 3). Retry in 100.0 s.',
      ]);
    } finally {
      clock.mockRestore();
      await server.close();
    }
  });

  it('the server-wide bucket limits all sessions together', async () => {
    // A burst of four (two sessions opened, two calls), then one per 100 s.
    const server = await serve({ MCP_RATE_LIMIT_SESSION: 'off', MCP_RATE_LIMIT_GLOBAL: '0.01:4' });
    const a = await mcpClient(server.url);
    const b = await mcpClient(server.url);
    const outcomes = [];
    for (const c of [a, b, a])
      outcomes.push(
        Boolean(
          ((await c.client.callTool({ name: 'list_mounts', arguments: {} })) as CallToolResult)
            .isError,
        ),
      );
    expect(outcomes).toEqual([false, false, true]);
    await a.client.close();
    await b.client.close();
    await server.close();
  });
});

describe('callers: token headers, namespaces, session shares, opening limits', () => {
  const errorOf = async (answer: Response): Promise<[number, string]> => [
    answer.status,
    ((await answer.json()) as { error: { message: string } }).error.message,
  ];

  it('refuses a caller token with characters no Vault token has (400), never quoting it', async () => {
    const logged = sink();
    const server = await serve({}, logged.log);
    const answers: Array<[number, string]> = [];
    for (const token of ['hvs.PART1\tPART2', 'hvs.PART1 PART2', 'hvs.PART1\u00e9PART2'])
      answers.push(await errorOf(await initialize(server.url, { 'X-Vault-Token': token })));
    const refusal =
      'the Vault token (X-Vault-Token or Authorization: Bearer) holds characters no Vault token has (control characters, spaces or non-ASCII): send it exactly as Vault issued it';
    expect(answers).toEqual([
      [400, refusal],
      [400, refusal],
      [400, refusal],
    ]);
    expect(logged.text()).not.toMatch(/PART1|PART2/);
    await server.close();
  });

  it('a server token the HTTP client cannot send never reaches the server (refused where it is made)', () => {
    const { address } = devServer();
    // Start-up refuses such a VAULT_TOKEN (config); a token from elsewhere (a login answer, a
    // library caller) is refused by the client it would be sent with, in words without it.
    expect(() =>
      loadConfig(
        { VAULT_ADDR: address, VAULT_TOKEN: 'hvs.PART1\nPART2', HOME: '/nonexistent' },
        undefined,
        { transport: 'streamable-http' },
      ),
    ).toThrow(/VAULT_TOKEN holds a line break at position 10 of 15/);
    let message = '';
    try {
      createVaultClient({ address }).withToken('hvs.PART1\nPART2');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'the Vault token holds a line break at position 10 of 15: a Vault token is printable ASCII without spaces; set it again without the stray character (vault-mcp does not show the token)',
    );
  });

  it('accepts Authorization: Bearer as the Vault token; two different tokens are refused (400)', async () => {
    const server = await serve();
    const token = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const { client } = await mcpClient(server.url, { Authorization: `Bearer ${token}` });
    const me = (await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult;
    const policies = (me.structuredContent as { policies: string[] }).policies;
    expect(policies).not.toContain('root');
    expect(policies).toHaveLength(2);
    await client.close();
    expect(
      await errorOf(
        await initialize(server.url, {
          Authorization: `Bearer ${token}`,
          'X-Vault-Token': devServer().token,
        }),
      ),
    ).toEqual([
      400,
      'X-Vault-Token and Authorization: Bearer carry different tokens: send the Vault token in one of them',
    ]);
    // VAULT_TOKEN (the Go server's header) is held to the same rule.
    expect(
      await errorOf(
        await initialize(server.url, { 'X-Vault-Token': token, VAULT_TOKEN: devServer().token }),
      ),
    ).toEqual([
      400,
      'X-Vault-Token and VAULT_TOKEN carry different tokens: send the Vault token in one of them',
    ]);
    // The same token in all three is one token.
    expect(
      (
        await initialize(server.url, {
          Authorization: `Bearer ${token}`,
          'X-Vault-Token': token,
          VAULT_TOKEN: token,
        })
      ).status,
    ).toBe(200);
    await server.close();
  });

  it('one namespace, one caller: root, slashes and empty are the root namespace; . and .. are refused', async () => {
    const server = await serve({ MCP_MAX_SESSIONS: '5', MCP_MAX_SESSIONS_PER_CALLER: '2' });
    const a = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const b = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const statuses: number[] = [];
    for (const namespace of ['root', '', '/', 'root/', '//'])
      statuses.push(
        (
          await initialize(server.url, {
            'X-Vault-Token': a,
            ...(namespace ? { 'X-Vault-Namespace': namespace } : {}),
          })
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(server.sessionCount()).toBe(2);
    const dotted: Array<[number, string]> = [];
    for (const namespace of ['x/..', '.', 'a/./b'])
      dotted.push(
        await errorOf(
          await initialize(server.url, { 'X-Vault-Token': a, 'X-Vault-Namespace': namespace }),
        ),
      );
    expect(dotted).toEqual(
      ['x/..', '.', 'a/./b'].map((n) => [
        400,
        `namespace "${n}" has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/app), or send no X-Vault-Namespace for the root namespace`,
      ]),
    );
    expect((await initialize(server.url, { 'X-Vault-Token': b })).status).toBe(200);
    expect(server.sessionCount()).toBe(3);
    await server.close();
  });

  it('one token, one session cap: other namespaces and Vault addresses count toward it', async () => {
    const { address } = devServer();
    const namespace = unique('ns');
    await adminRequest('POST', `sys/namespaces/${namespace}`, {});
    // The same dev server under another spelling, allowed as a caller-chosen address.
    const alias = address.replace('127.0.0.1', 'localhost');
    const server = await serve({
      MCP_MAX_SESSIONS: '5',
      MCP_MAX_SESSIONS_PER_CALLER: '2',
      VAULT_MCP_ALLOWED_VAULT_ADDRS: alias,
    });
    const a = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const b = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const statuses: number[] = [];
    for (const extra of [{}, { 'X-Vault-Namespace': namespace }, { 'X-Vault-Addr': alias }])
      for (let i = 0; i < 2; i++)
        statuses.push((await initialize(server.url, { 'X-Vault-Token': a, ...extra })).status);
    // Each opening beyond two closed the token's least recently used session, wherever it was.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(server.sessionCount()).toBe(2);
    expect((await initialize(server.url, { 'X-Vault-Token': b })).status).toBe(200);
    expect(server.sessionCount()).toBe(3);
    await server.close();
  });

  it('stateless mode: namespace spellings share one rate bucket', async () => {
    // One call per 100 s after a burst of one: any machine hits it.
    const server = await serve({
      MCP_SESSION_MODE: 'stateless',
      MCP_RATE_LIMIT_SESSION: '0.01:1',
      MCP_RATE_LIMIT_GLOBAL: 'off',
    });
    const token = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const call = (namespace: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          ...MCP_HEADERS,
          'Mcp-Protocol-Version': '2025-06-18',
          'X-Vault-Token': token,
          ...(namespace ? { 'X-Vault-Namespace': namespace } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        }),
      });
    const outcomes = await Promise.all(
      ['', 'root', '/', 'root/', 'v1/..', 'v2/..'].map(async (namespace) => {
        const answer = await call(namespace);
        if (answer.status !== 200) return answer.status;
        const body = (await answer.json()) as { result: CallToolResult };
        return body.result.isError ? 'refused' : 'ran';
      }),
    );
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(3);
    expect(outcomes.slice(4)).toEqual([400, 400]);
    await server.close();
  });

  it("the server's own token cannot take the whole session table", async () => {
    const server = await serve({ MCP_MAX_SESSIONS: '5' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await initialize(server.url)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 503]);
    const refused = await initialize(server.url);
    expect(await errorOf(refused)).toEqual([
      503,
      "the server's own token already holds 4 sessions, its share (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS): close one, or send your own token in X-Vault-Token",
    ]);
    const token = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    expect((await initialize(server.url, { 'X-Vault-Token': token })).status).toBe(200);
    expect(server.sessionCount()).toBe(5);
    await server.close();
  });

  it("initialize and the capability probe of tools/list spend the caller's bucket", async () => {
    // A burst of three, then one token per 100 s: any machine hits it.
    const logged = sink();
    const server = await serve(
      { MCP_RATE_LIMIT_SESSION: '0.01:3', MCP_RATE_LIMIT_GLOBAL: 'off' },
      logged.log,
    );
    const token = await scopedToken('path "sys/mounts" { capabilities = ["read"] }');
    const headers = { 'X-Vault-Token': token };
    const round = async (): Promise<number[]> => session(headers);
    const session = async (headers: Record<string, string>): Promise<number[]> => {
      const init = await initialize(server.url, headers);
      if (init.status !== 200) return [init.status];
      const list = await fetch(server.url, {
        method: 'POST',
        headers: {
          ...MCP_HEADERS,
          ...headers,
          'Mcp-Session-Id': init.headers.get('mcp-session-id') ?? '',
          'Mcp-Protocol-Version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      // The answer is an event stream: its end, not its status line, says the probe is done.
      await list.text();
      return [init.status, list.status];
    };
    // Round 1: the session (1) and its probe (2); round 2: the session (3), its tools/list
    // answered from the verdicts of round 1 (a caller's sessions share them).
    expect([await round(), await round()]).toEqual([
      [200, 200],
      [200, 200],
    ]);
    expect(logged.text().match(/token capabilities probed/g)).toHaveLength(1);
    // Another caller's third session (3): the probe of its tools/list is refused.
    const other = {
      'X-Vault-Token': await scopedToken('path "sys/mounts" { capabilities = ["read"] }'),
    };
    await initialize(server.url, other);
    await initialize(server.url, other);
    expect(await session(other)).toEqual([200, 200]);
    expect(logged.text()).toMatch(
      /rate limit reached: the capability probe was not run \(per-caller limit 0\.01 calls\/s, burst 3\)\. Retry in \d+\.\d s\./,
    );
    const third = await initialize(server.url, headers);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    const [status, message] = await errorOf(third);
    expect(status).toBe(429);
    expect(message).toMatch(
      /^rate limit reached: no session was opened \(per-caller limit 0\.01 calls\/s, burst 3\)\. Retry in \d+\.\d s\.$/,
    );
    await server.close();
  });
});

function startBinary(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'http'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /"url":"([^"]+)"/.exec(stderr);
      if (match?.[1]) resolve({ child, url: match[1], stderr: () => stderr });
    });
    child.once('exit', (code) =>
      reject(new Error(`vault-mcp http exited with ${code}: ${stderr}`)),
    );
  });
}

describe('the binary', () => {
  it('stateless mode: two processes sharing nothing serve one client', async () => {
    const { address } = devServer();
    const mount = await mountEngine('stateless', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
    const token = await scopedToken(`path "${mount}/*" { capabilities = ["read", "list"] }`);
    const env = { VAULT_ADDR: address, MCP_SESSION_MODE: 'stateless', TRANSPORT_PORT: '0' };
    const [a, b] = await Promise.all([startBinary(env), startBinary(env)]);
    const headers = {
      ...MCP_HEADERS,
      'X-Vault-Token': token,
      'Mcp-Protocol-Version': '2025-06-18',
    };
    const init = await fetch(a.url, { method: 'POST', headers, body: JSON.stringify(INIT) });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    const call = await fetch(b.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'read_secret', arguments: { mount, path: 'app' } },
      }),
    });
    const body = (await call.json()) as { result: { structuredContent: { keys: string[] } } };
    expect(body.result.structuredContent.keys).toEqual(['k']);
    expect((await fetch(b.url, { method: 'GET', headers })).status).toBe(405);
    for (const p of [a, b]) p.child.kill('SIGTERM');
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const { address, token } = devServer();
    const server = await startBinary({
      VAULT_ADDR: address,
      VAULT_TOKEN: token,
      TRANSPORT_PORT: '0',
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
    });
    await initialize(server.url);
    const exited = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(server.stderr()).toContain('shutting down: no new connections, closing sessions');
    expect(server.stderr()).not.toContain(token);
  });

  it('/readyz says sealed while Vault is sealed', async () => {
    const vault = await startDevServer();
    const server = await startBinary({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.token,
      TRANSPORT_PORT: '0',
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
    });
    const readyz = server.url.replace('/mcp', '/readyz');
    expect((await fetch(readyz)).status).toBe(200);
    await vaultRequest(vault, 'POST', 'sys/seal');
    const sealed = await fetch(readyz);
    expect([sealed.status, await sealed.json()]).toEqual([
      503,
      { status: 'not ready', vault: 'sealed' },
    ]);
    // Refused once the process is gone, however long a busy machine takes to stop it.
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
    await vault.stop();
    const stopped = await fetch(readyz).catch(() => 'refused');
    expect(stopped).toBe('refused');
  });
});

describe('the tutorial over HTTP with a per-caller scoped token', () => {
  let vault: Awaited<ReturnType<typeof startDevServer>>;
  let handle: HttpServerHandle;
  beforeAll(async () => {
    vault = await startDevServer();
    // The server holds no token of its own: every caller brings one.
    const config = loadConfig(
      {
        VAULT_ADDR: vault.address,
        HOME: '/nonexistent',
        TRANSPORT_PORT: '0',
        MCP_RATE_LIMIT_SESSION: 'off',
        MCP_RATE_LIMIT_GLOBAL: 'off',
      },
      undefined,
      {
        transport: 'streamable-http',
      },
    );
    handle = await startHttpServer(config, createLogger('silent'), await candidateTools(config));
  });
  afterAll(async () => {
    await handle.close();
    await vault.stop();
  });

  it('runs every step and leaks no value', async () => {
    const connect = async (
      _vault: { address: string },
      token: string,
    ): Promise<TutorialConnection> => {
      const { client } = await mcpClient(handle.url, { 'X-Vault-Token': token });
      return { client, stderr: () => '' };
    };
    const run = await playTutorial(vault, () => undefined, connect);
    expect(run.calls).toHaveLength(13);
    const everything = JSON.stringify(run.calls.map((c) => c.result));
    expect(everything).not.toContain(TUTORIAL_SECRETS['myapp/database'].password);
    expect(everything).not.toContain(
      TUTORIAL_SECRETS['myapp/integrations/payment-gateway'].api_key,
    );
    expect(freePort).toBeTypeOf('function');
  });
});

describe('outside attack, second round (HTTP)', () => {
  it('refuses a JSON-RPC batch of more than 10 messages (a batch of tools/list amplified 4000x)', async () => {
    const server = await serve({ VAULT_MCP_TOOLSETS: 'all', MCP_SESSION_MODE: 'stateless' });
    try {
      const batch = Array.from({ length: 11 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'tools/list',
      }));
      const answer = await fetch(server.url, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(batch),
      });
      expect([answer.status, await answer.json()]).toEqual([
        400,
        {
          jsonrpc: '2.0',
          error: {
            code: -32000,
            message:
              'a JSON-RPC batch of 11 messages is refused: send at most 10 per request (MCP since 2025-06-18 sends no batches)',
          },
          id: null,
        },
      ]);
    } finally {
      await server.close();
    }
  });

  it('a namespace Vault does not know is the caller’s mistake (400), not “retry when Vault answers”', async () => {
    const server = await serve();
    try {
      const answer = await initialize(server.url, { 'X-Vault-Namespace': 'no-such-ns' });
      expect([answer.status, ((await answer.json()) as { error: unknown }).error]).toEqual([
        400,
        {
          code: -32000,
          message:
            'Vault does not know the namespace "no-such-ns" (404 on auth/token/lookup-self): check X-Vault-Namespace',
        },
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('outside attack, sixth round (HTTP)', () => {
  it('a refusal quoting a header the caller put its token in shows [token], in the answer and the log', async () => {
    const logged = sink();
    const server = await serve(
      { VAULT_MCP_ALLOWED_VAULT_ADDRS: 'https://vault.other.example:8200' },
      logged.log,
    );
    const token = await scopedToken('path "secret/*" { capabilities = ["read"] }');
    try {
      const wrongNamespace = await initialize(server.url, {
        'X-Vault-Token': token,
        'X-Vault-Namespace': token,
      });
      const wrongAddr = await initialize(server.url, {
        'X-Vault-Token': token,
        'X-Vault-Addr': `http://${token}@127.0.0.1:1`,
      });
      const badNamespace = await initialize(server.url, {
        Authorization: `Bearer ${token}`,
        'X-Vault-Namespace': `${token}/..`,
      });
      const badOrigin = await initialize(server.url, {
        'X-Vault-Token': token,
        Origin: `https://${token}.example`,
      });
      const answers = await Promise.all(
        [wrongNamespace, wrongAddr, badNamespace, badOrigin].map(async (a) => [
          a.status,
          ((await a.json()) as { error: { message: string } }).error.message,
        ]),
      );
      expect(answers).toEqual([
        [
          400,
          'Vault does not know the namespace "[token]" (404 on auth/token/lookup-self): check X-Vault-Namespace',
        ],
        [
          403,
          'X-Vault-Addr http://[token]@127.0.0.1:1 is not one of the Vault addresses this server may use (VAULT_MCP_ALLOWED_VAULT_ADDRS)',
        ],
        [
          400,
          `namespace "[token]/.." has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/app), or send no X-Vault-Namespace for the root namespace`,
        ],
        [
          403,
          'Origin https://[token].example is not allowed (MCP_CORS_MODE=strict; add it to MCP_ALLOWED_ORIGINS)',
        ],
      ]);
      const { body: host } = await postWithHost(server.url, `${token}.example`, {
        'X-Vault-Token': token,
      });
      expect((JSON.parse(host) as { error: { message: string } }).error.message).toBe(
        'Invalid Host: [token].example. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS',
      );
      expect(logged.text()).toContain('is not one of the Vault addresses');
      expect(logged.text()).not.toContain(token);
    } finally {
      await server.close();
    }
  });
});

describe('review of stop 20: the token scrubbing before a caller is settled', () => {
  it("a token header sent twice, the server's own token and Mcp-Protocol-Version are never quoted back", async () => {
    const logged = sink();
    const server = await serve({}, logged.log);
    const token = await scopedToken('path "secret/*" { capabilities = ["read"] }');
    const own = devServer().token;
    try {
      // Sent twice, X-Vault-Token arrives joined ("T, T"); the Host quotes the token alone.
      const twice = await postWithHost(server.url, `${token}.example`, {
        'X-Vault-Token': [token, token],
      });
      const serverToken = await postWithHost(server.url, `${own}.example`);
      const version = await initialize(server.url, {
        'X-Vault-Token': token,
        'Mcp-Protocol-Version': token,
      });
      const messages = [twice.body, serverToken.body].map(
        (b) => (JSON.parse(b) as { error: { message: string } }).error.message,
      );
      expect(messages).toEqual([
        'Invalid Host: [token].example. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS',
        'Invalid Host: [token].example. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS',
      ]);
      expect(version.status).toBe(400);
      expect(((await version.json()) as { error: { message: string } }).error.message).toBe(
        `Bad Request: Mcp-Protocol-Version must be a protocol version such as ${LATEST_PROTOCOL_VERSION} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
      expect(logged.text()).toContain('request with a foreign Host header refused');
      expect(logged.text()).not.toContain(token);
      expect(logged.text()).not.toContain(own);
    } finally {
      await server.close();
    }
  });
});

describe('prompts and resources spend the rate bucket like tool calls', () => {
  it('a third prompt or resource read over a bucket of 3 is refused with the rate-limit text', async () => {
    // A burst of three: the opening, a prompt and a resource read.
    const server = await serve({ MCP_RATE_LIMIT_SESSION: '0.01:3' });
    const { client } = await mcpClient(server.url);
    try {
      await client.getPrompt({ name: 'least_privilege_policy', arguments: {} });
      await client.readResource({ uri: 'vault://mounts' });
      const error = await client.readResource({ uri: 'vault://mounts' }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /^MCP error -32600: rate limit reached: resource vault:\/\/mounts was not run \(per-caller limit 0\.01 calls\/s, burst 3\)/,
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('completions spend the rate bucket like tool calls', () => {
  it('a third completion over a bucket of 3 gives no values, and the next tool call is refused', async () => {
    // A burst of three: the opening and two completions.
    const server = await serve({ MCP_RATE_LIMIT_SESSION: '0.01:3' });
    const { client } = await mcpClient(server.url);
    const completeMount = async (): Promise<string[]> =>
      (
        await client.complete({
          ref: { type: 'ref/resource', uri: 'vault://kv/{mount}/{+path}' },
          argument: { name: 'mount', value: 'secre' },
        })
      ).completion.values;
    try {
      // Two completions spend the rest of the bucket (their values are ['secret'], or [] should a busy
      // machine pass the 2 s a completion waits for Vault); the third finds it empty.
      await completeMount();
      await completeMount();
      expect(await completeMount()).toEqual([]);
      const result = (await client.callTool({
        name: 'list_mounts',
        arguments: {},
      })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(
        /^rate limit reached: list_mounts was not run \(per-caller limit 0\.01 calls\/s, burst 3\)/,
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});
