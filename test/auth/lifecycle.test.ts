/**
 * Token lifecycle and logins against real OpenBao: renewal at two thirds of the TTL, a clear
 * "expired" error, AppRole and JWT login with re-login, revoke on exit, and root tokens in HTTP mode.
 */
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from '../../scripts/lib/openbao.js';
import { loadConfig } from '../../src/config.js';
import { connect } from '../support/mcp.js';
import {
  adminRequest,
  appRoleCredentials,
  devServer,
  mountEngine,
  unique,
} from '../support/vault.js';
import { eventually, sleep } from '../support/wait.js';

const run = promisify(execFile);
const cli = cliPath;

let mount = '';
let policy = '';
beforeAll(async () => {
  mount = await mountEngine('life', 'kv-v2');
  await adminRequest('POST', `${mount}/data/app`, { data: { k: 'v' } });
  policy = unique('life-policy');
  await adminRequest('POST', `sys/policies/acl/${policy}`, {
    policy: `path "${mount}/*" { capabilities = ["read", "list"] }`,
  });
});

async function childToken(body: Record<string, unknown>): Promise<string> {
  const created = (await adminRequest('POST', 'auth/token/create', {
    policies: [policy],
    ...body,
  })) as { auth: { client_token: string } };
  return created.auth.client_token;
}

describe('a static token', () => {
  // TTLs leave seconds for each step (start-up, the renewal request): a busy machine is slow,
  // not wrong. The waits end as soon as what they wait for has happened.
  it('is renewed at two thirds of its TTL and keeps working past it', async () => {
    const created = Date.now();
    const token = await childToken({ ttl: '9s', explicit_max_ttl: '1m', renewable: true });
    const mcp = await connect({ VAULT_TOKEN: token });
    await mcp.ready;
    expect(await eventually(() => mcp.logs.join('').includes('Vault token renewed'))).toBe(true);
    // Past the TTL it was created with.
    await sleep(Math.max(0, created + 10_000 - Date.now()));
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    await mcp.close();
  }, 60_000);

  it('says "expired" once a token that cannot be renewed has run out', async () => {
    const created = Date.now();
    const token = await childToken({ ttl: '5s', renewable: false });
    const mcp = await connect({ VAULT_TOKEN: token });
    await mcp.ready;
    await sleep(Math.max(0, created + 6_000 - Date.now()));
    const text = await mcp.fails('read_secret', { mount, path: 'app' });
    expect(text).toMatch(
      new RegExp(
        `^no secrets engine is visible at '${mount}/' .*Note: the Vault token expired at \\d{4}-\\d\\d-\\d\\dT[^ ]+: start vault-mcp with a fresh token \\(or configure AppRole/JWT login so it can log in again by itself\\)\\.$`,
      ),
    );
    await mcp.close();
  }, 60_000);
});

describe('AppRole login', () => {
  it('logs in, and logs in again when the token reaches its max TTL', async () => {
    const approle = unique('approle');
    await adminRequest('POST', `sys/auth/${approle}`, { type: 'approle' });
    await adminRequest('POST', `auth/${approle}/role/mcp`, {
      token_policies: [policy],
      token_ttl: '2s',
      token_max_ttl: '3s',
    });
    const { roleId, secretId } = await appRoleCredentials(approle);
    const dir = mkdtempSync(join(tmpdir(), 'vault-mcp-approle-'));
    writeFileSync(join(dir, 'secret-id'), `${secretId}\n`);
    const mcp = await connect({
      VAULT_TOKEN: '',
      VAULT_ROLE_ID: roleId,
      VAULT_SECRET_ID_FILE: join(dir, 'secret-id'),
      VAULT_APPROLE_MOUNT: approle,
    });
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    const me = await mcp.ok<{ policies: string[] }>('whoami');
    expect(me.policies).toEqual(['default', policy]);
    await sleep(4500);
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    const logins = mcp.logs.join('').match(/logged in to Vault/g) ?? [];
    expect(logins.length).toBeGreaterThanOrEqual(2);
    expect(mcp.logs.join('')).not.toContain(secretId);
    await mcp.close();
  }, 60_000);
});

describe('a login that fails', () => {
  it('is named in the tool error, with the settings to check, instead of only a 403', async () => {
    const approle = unique('approle');
    await adminRequest('POST', `sys/auth/${approle}`, { type: 'approle' });
    await adminRequest('POST', `auth/${approle}/role/mcp`, { token_policies: [policy] });
    const roleId = (
      (await adminRequest('GET', `auth/${approle}/role/mcp/role-id`)) as {
        data: { role_id: string };
      }
    ).data.role_id;
    const wrongSecretId = '8f0c1a52-0000-4000-8000-000000000000';
    const mcp = await connect({
      VAULT_TOKEN: '',
      VAULT_ROLE_ID: roleId,
      VAULT_SECRET_ID: wrongSecretId,
      VAULT_APPROLE_MOUNT: approle,
    });
    const text = await mcp.fails('read_secret', { mount, path: 'app' });
    expect(text).toMatch(
      new RegExp(
        `^no secrets engine is visible at '${mount}/' .*Note: the AppRole login at auth/${approle} has not succeeded \\(Vault 400: invalid role or secret ID\\) and is retried every 5 s: check VAULT_ROLE_ID, VAULT_SECRET_ID \\(or VAULT_SECRET_ID_FILE\\) and VAULT_APPROLE_MOUNT\\.$`,
      ),
    );
    expect(text).not.toContain(wrongSecretId);
    await mcp.close();
  }, 60_000);
});

/** AppRole mount `approle` with role `mcp` (`role` settings), and a server logging in with it. */
async function connectWithAppRole(
  approle: string,
  role: Record<string, unknown>,
): Promise<Awaited<ReturnType<typeof connect>>> {
  await adminRequest('POST', `sys/auth/${approle}`, { type: 'approle' });
  await adminRequest('POST', `auth/${approle}/role/mcp`, role);
  const { roleId, secretId } = await appRoleCredentials(approle);
  return connect({
    VAULT_TOKEN: '',
    VAULT_ROLE_ID: roleId,
    VAULT_SECRET_ID: secretId,
    VAULT_APPROLE_MOUNT: approle,
  });
}

describe('an AppRole token revoked while the server runs', () => {
  it('logs in again and the call succeeds, the second time too', async () => {
    const approle = unique('approle');
    const mcp = await connectWithAppRole(approle, { token_policies: [policy] });
    // The mount is cached from here on: the revoked token's 403 comes from the read itself.
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    for (let i = 0; i < 2; i++) {
      const { accessor } = await mcp.ok<{ accessor: string }>('whoami');
      await adminRequest('POST', 'auth/token/revoke-accessor', { accessor });
      expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    }
    expect(mcp.logs.join('').match(/logged in to Vault/g)).toHaveLength(3);
    await mcp.close();
  }, 60_000);
});

describe('a token that cannot look itself up (no default policy)', () => {
  it('its policy 403s stay policy 403s: no re-login, no "token refused" note', async () => {
    const approle = unique('approle');
    const narrow = unique('narrow-policy');
    await adminRequest('POST', `sys/policies/acl/${narrow}`, {
      policy: `path "${mount}/data/app" { capabilities = ["read"] }`,
    });
    const mcp = await connectWithAppRole(approle, {
      token_policies: [narrow],
      token_no_default_policy: true,
    });
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    for (let i = 0; i < 3; i++)
      expect(await mcp.fails('read_secret', { mount, path: 'other' })).toBe(
        `Vault denied GET /v1/${mount}/data/other (403: permission denied). This call needs \`read\` on \`${mount}/data/other\`; ask the Vault operator to add it to the token's policy, or use a token that has it.`,
      );
    expect(mcp.logs.join('').match(/logged in to Vault/g)).toHaveLength(1);
    await mcp.close();
  }, 60_000);
});

describe('JWT login', () => {
  it('logs in with a JWT signed by a key Vault trusts', async () => {
    const jwtMount = unique('jwt');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await adminRequest('POST', `sys/auth/${jwtMount}`, { type: 'jwt' });
    await adminRequest('POST', `auth/${jwtMount}/config`, {
      jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' })],
    });
    await adminRequest('POST', `auth/${jwtMount}/role/mcp`, {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault-mcp'],
      token_policies: [policy],
      token_ttl: '1h',
    });
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'ci-agent', aud: 'vault-mcp', iat: now, nbf: now - 5, exp: now + 600 })}`;
    const jwt = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    const mcp = await connect({
      VAULT_TOKEN: '',
      VAULT_AUTH_JWT: jwt,
      VAULT_AUTH_ROLE: 'mcp',
      VAULT_JWT_MOUNT: jwtMount,
    });
    expect(await mcp.ok('read_secret', { mount, path: 'app' })).toMatchObject({ keys: ['k'] });
    expect((await mcp.ok<{ policies: string[] }>('whoami')).policies).toEqual(['default', policy]);
    expect(mcp.logs.join('')).not.toContain(jwt);
    await mcp.close();
  });

  it('reports incomplete or conflicting login settings', () => {
    expect(() => loadConfig({ HOME: '/x', VAULT_ROLE_ID: 'r' })).toThrow(
      'AppRole login needs VAULT_SECRET_ID or VAULT_SECRET_ID_FILE',
    );
    expect(() =>
      loadConfig({ HOME: '/x', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's', VAULT_AUTH_JWT: 'j' }),
    ).toThrow(
      'configure one login method: AppRole (VAULT_ROLE_ID ...) or JWT (VAULT_AUTH_JWT ...), not both',
    );
    expect(() => loadConfig({ HOME: '/x', VAULT_AUTH_JWT_FILE: '/nonexistent/jwt' })).toThrow(
      /VAULT_AUTH_JWT_FILE: cannot read \/nonexistent\/jwt/,
    );
  });
});

describe('VAULT_MCP_REVOKE_ON_EXIT', () => {
  it('revokes the token when the stdio session ends', async () => {
    const token = await childToken({ ttl: '1h' });
    const child = spawn(process.execPath, [cli], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: devServer().address,
        VAULT_TOKEN: token,
        VAULT_MCP_REVOKE_ON_EXIT: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    expect(await eventually(() => stderr.includes('Vault token looked up'))).toBe(true);
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).toContain('Vault token revoked (VAULT_MCP_REVOKE_ON_EXIT)');
    await expect(adminRequest('POST', 'auth/token/lookup', { token })).rejects.toThrow(/400|403/);
  });
});

describe('root tokens in HTTP mode', () => {
  it('refuses to start with a root server token unless allowed', async () => {
    const { address, token } = devServer();
    const error = await run(process.execPath, [cli, 'http', '--port', '0'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: address,
        VAULT_TOKEN: token,
      },
    }).catch((e: unknown) => e as { code: number; stderr: string });
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain(
      'the server token has the root policy, which HTTP mode refuses',
    );
  });

  it('answers 403 to a caller presenting a root token, 401 to an invalid one', async () => {
    const { startHttpServer } = await import('../../src/transports/http.js');
    const { candidateTools } = await import('../../src/server/server.js');
    const { createLogger } = await import('../../src/log.js');
    const config = loadConfig(
      { VAULT_ADDR: devServer().address, HOME: '/x', TRANSPORT_PORT: '0' },
      undefined,
      { transport: 'streamable-http' },
    );
    const server = await startHttpServer(
      config,
      createLogger('silent'),
      await candidateTools(config),
    );
    const init = (token: string): Promise<Response> =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'X-Vault-Token': token,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      });
    const root = await init(devServer().token);
    expect(root.status).toBe(403);
    expect(((await root.json()) as { error: { message: string } }).error.message).toMatch(
      /^a token with the root policy is refused in HTTP mode/,
    );
    const bogus = await init('hvs.not-a-token');
    expect(bogus.status).toBe(401);
    expect((await init(await childToken({ ttl: '1h' }))).status).toBe(200);
    await server.close();
  });
});
