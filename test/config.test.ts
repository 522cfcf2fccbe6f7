import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../scripts/lib/openbao.js';
import { applyFlags, ConfigError, loadConfig } from '../src/config.js';
import { knownToolNames } from '../src/server/server.js';

const run = promisify(execFile);
const cli = cliPath;

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ HOME: '/nonexistent' });
    expect(config).toMatchObject({
      vault: { address: 'https://127.0.0.1:8200', timeoutMs: 30_000, maxRetries: 2 },
      readOnly: false,
      revealSecrets: false,
      toolsets: ['kv', 'pki', 'mounts', 'auth'],
      tools: undefined,
      excludeTools: [],
      mountCacheTtlMs: 30_000,
      logLevel: 'info',
      transport: 'stdio',
    });
    expect(config.vault.token).toBeUndefined();
  });

  it("reads the reference server's variables and the flags, flags winning", () => {
    const env = {
      VAULT_ADDR: 'http://env:8200',
      BAO_ADDR: 'http://bao:8200',
      ENABLE_VAULT_OPERATIONS: 'true',
      VAULT_MCP_TOOLSETS: 'kv',
    };
    const merged = applyFlags(env, {
      vaultAddr: 'http://flag:8200',
      readOnly: true,
      toolsets: 'all',
      revealSecrets: true,
    });
    const config = loadConfig(merged);
    expect(config.vault.address).toBe('http://flag:8200');
    expect(config.readOnly).toBe(true);
    expect(config.revealSecrets).toBe(true);
    expect(config.toolsets).toEqual(['kv', 'pki', 'mounts', 'auth', 'api']);
  });

  it('reports every problem at once, each naming its variable', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          ENABLE_VAULT_OPERATIONS: 'maybe',
          VAULT_MCP_TOOLSETS: 'kv,secrets',
          VAULT_MCP_TIMEOUT_S: '0',
          LOG_LEVEL: 'loud',
          VAULT_ADDR: 'vault.example.com',
          VAULT_SKIP_VERIFY: 'perhaps',
          VAULT_MCP_TOOLS: 'read_secret,steal_secrets',
        },
        knownToolNames(),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'ENABLE_VAULT_OPERATIONS="maybe" is not a boolean; use true or false',
      'VAULT_MCP_TOOLSETS="kv,secrets" (flag --toolsets) unknown toolset "secrets" (valid: kv, pki, mounts, auth, api, all, default)',
      'VAULT_MCP_TIMEOUT_S="0" (flag --timeout) must be more than 0 and at most 3600',
      'LOG_LEVEL="loud" (flag --log-level) must be one of trace, debug, info, warn, error, fatal, silent',
      'VAULT_SKIP_VERIFY="perhaps" is not a boolean; use true or false',
    ]);
  });

  it("takes the timeout from VAULT_MCP_TIMEOUT_S, else the CLI's VAULT_CLIENT_TIMEOUT (a Go duration)", () => {
    const timeout = (env: Record<string, string>) =>
      loadConfig({ HOME: '/nonexistent', ...env }).vault.timeoutMs;
    expect(timeout({ VAULT_CLIENT_TIMEOUT: '1m30s' })).toBe(90_000);
    expect(timeout({ BAO_CLIENT_TIMEOUT: '120' })).toBe(120_000);
    expect(timeout({ VAULT_CLIENT_TIMEOUT: '1m30s', VAULT_MCP_TIMEOUT_S: '10' })).toBe(10_000);
    expect(() => timeout({ VAULT_CLIENT_TIMEOUT: '30d' })).toThrow(
      'VAULT_CLIENT_TIMEOUT="30d" is longer than an hour; use at most 3600 (1h)',
    );
    expect(() => timeout({ VAULT_CLIENT_TIMEOUT: '1x' })).toThrow(
      'VAULT_CLIENT_TIMEOUT="1x" is not a positive duration; use e.g. 30, 30s or 1m30s',
    );
  });

  it('refuses a tool or toolset list that names nothing', () => {
    expect(() => loadConfig({ HOME: '/nonexistent', VAULT_MCP_TOOLSETS: ' , ' })).toThrow(
      'invalid configuration:\n  - VAULT_MCP_TOOLSETS=" , " (flag --toolsets) names nothing; give comma-separated names, or leave it unset for the default',
    );
    expect(() => loadConfig({ HOME: '/nonexistent', VAULT_MCP_TOOLS: ',' })).toThrow(
      'invalid configuration:\n  - VAULT_MCP_TOOLS="," (flag --tools) names nothing; give comma-separated names, or leave it unset for the default',
    );
  });

  it('names unknown tools and a non-URL address', () => {
    expect(() =>
      loadConfig(
        { VAULT_MCP_TOOLS: 'read_secret,steal_secrets', VAULT_ADDR: 'vault.example.com' },
        knownToolNames(),
      ),
    ).toThrow(
      'invalid configuration:\n  - VAULT_ADDR="vault.example.com" is not an http(s) URL; use e.g. http://127.0.0.1:8200\n  - VAULT_MCP_TOOLS: unknown tool steal_secrets (vault-mcp tools lists them)',
    );
  });
});

describe('the binary', () => {
  it('tools --json gives each tool with its description and the input schema tools/list serves', async () => {
    const { stdout } = await run('node', [cli, 'tools', '--json', '--toolsets', 'kv']);
    const tools = JSON.parse(stdout) as Array<{
      name: string;
      description: string;
      inputSchema: { properties: unknown; required: string[] };
    }>;
    expect(tools.map((t) => t.name)).toHaveLength(12);
    const snap = JSON.parse(
      readFileSync(join(repoRoot, 'test', '__toolsnaps__', 'read_secret.json'), 'utf8'),
    ) as { description: string; inputSchema: { properties: unknown; required: string[] } };
    const read = tools.find((t) => t.name === 'read_secret');
    expect(read?.description).toBe(snap.description);
    expect(read?.inputSchema.properties).toEqual(snap.inputSchema.properties);
    expect(read?.inputSchema.required).toEqual(snap.inputSchema.required);
  });

  it('exits with code 2 and lists the problems on bad configuration', async () => {
    const error = await run('node', [cli, '--toolsets', 'nope'], {
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'loud' },
    }).catch((e: unknown) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toBe(
      'vault-mcp: invalid configuration:\n' +
        '  - VAULT_MCP_TOOLSETS="nope" (flag --toolsets) unknown toolset "nope" (valid: kv, pki, mounts, auth, api, all, default)\n' +
        '  - LOG_LEVEL="loud" (flag --log-level) must be one of trace, debug, info, warn, error, fatal, silent\n' +
        'Run vault-mcp --help for every setting.\n',
    );
  });

  it('VAULT_NAMESPACE a header cannot carry exits with code 2, naming the stray character', async () => {
    const error = await run('node', [cli], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: 'http://127.0.0.1:9',
        VAULT_NAMESPACE: 'a\r\nX-Evil: 1',
      },
    }).catch((e: unknown) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toBe(
      'vault-mcp: invalid configuration:\n' +
        `  - VAULT_NAMESPACE="a\\r\\nX-Evil: 1" holds a line break at position 2: a namespace path is names of printable ASCII without spaces joined by '/' (e.g. team-a/dev); set it again without the stray character\n` +
        'Run vault-mcp --help for every setting.\n',
    );
  });

  it('--help documents every variable and flag', async () => {
    const { stdout } = await run('node', [cli, '--help']);
    for (const text of [
      'VAULT_ADDR',
      'VAULT_TOKEN',
      'VAULT_NAMESPACE',
      'VAULT_CACERT',
      'ENABLE_VAULT_OPERATIONS',
      'VAULT_MCP_REVEAL_SECRETS',
      'VAULT_MCP_TOOLSETS',
      'VAULT_MCP_TOOLS',
      'VAULT_MCP_EXCLUDE_TOOLS',
      'LOG_LEVEL',
      '--read-only',
      '--toolsets <list>',
      '--tools <list>',
      '--exclude-tools <list>',
      '--reveal-secrets',
    ]) {
      expect(stdout).toContain(text);
    }
  });
});

describe('VAULT_NAMESPACE', () => {
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig({ HOME: '/nonexistent', VAULT_ADDR: 'http://127.0.0.1:9', ...env });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  const rule =
    "a namespace path is names of printable ASCII without spaces joined by '/' (e.g. team-a/dev); set it again without the stray character";

  it('accepts every real namespace path: nested, with leading or trailing slashes', () => {
    for (const namespace of ['team-a/dev', 'ns1/', '/ns1', 'a_b.c/d-e/F9', 'root']) {
      expect(problems({ VAULT_NAMESPACE: namespace })).toEqual([]);
      expect(loadConfig({ HOME: '/nonexistent', VAULT_NAMESPACE: namespace }).vault.namespace).toBe(
        namespace,
      );
    }
  });

  it('refuses control characters, spaces, non-ASCII and dot segments, each with what to change', () => {
    expect(problems({ VAULT_NAMESPACE: 'a\u0001b' })).toEqual([
      `VAULT_NAMESPACE="a\\u0001b" holds a control character at position 2: ${rule}`,
    ]);
    expect(problems({ VAULT_NAMESPACE: 'team a' })).toEqual([
      `VAULT_NAMESPACE="team a" holds a space at position 5: ${rule}`,
    ]);
    expect(problems({ BAO_NAMESPACE: 'équipe/dev' })).toEqual([
      `BAO_NAMESPACE="équipe/dev" holds a non-ASCII character at position 1: ${rule}`,
    ]);
    expect(problems({ VAULT_NAMESPACE: 'team-a/../admin' })).toEqual([
      `VAULT_NAMESPACE="team-a/../admin" has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/dev), or leave VAULT_NAMESPACE unset for the root namespace`,
    ]);
  });
});

describe('MCP_TRUSTED_PROXIES', () => {
  it('takes addresses, CIDR ranges and proxy-addr names, and says what an entry it cannot read must be', () => {
    const env = { HOME: '/nonexistent', VAULT_ADDR: 'http://127.0.0.1:9' };
    expect(
      loadConfig({ ...env, MCP_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,2001:db8::1' }).http
        .trustedProxies,
    ).toEqual(['loopback', '10.0.0.0/8', '2001:db8::1']);
    let error: unknown;
    try {
      loadConfig({ ...env, MCP_TRUSTED_PROXIES: 'loopback,proxy.example,10.0.0.0/33' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'MCP_TRUSTED_PROXIES="loopback,proxy.example,10.0.0.0/33" (flag --trusted-proxies) "proxy.example" is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal',
      'MCP_TRUSTED_PROXIES="loopback,proxy.example,10.0.0.0/33" (flag --trusted-proxies) "10.0.0.0/33" is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal',
    ]);
  });
});

describe('VAULT_MCP_KV_PREFIX', () => {
  const problems = (prefix: string): readonly string[] => {
    try {
      loadConfig({ HOME: '/nonexistent', VAULT_MCP_KV_PREFIX: prefix });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('takes a plain prefix with or without slashes, as the policy generator does', () => {
    expect(loadConfig({ HOME: '/nonexistent', VAULT_MCP_KV_PREFIX: '/myapp//' }).kvPrefix).toBe(
      'myapp/',
    );
    expect(loadConfig({ HOME: '/nonexistent', VAULT_MCP_KV_PREFIX: 'team/app.v2' }).kvPrefix).toBe(
      'team/app.v2/',
    );
    expect(loadConfig({ HOME: '/nonexistent' }).kvPrefix).toBe('');
  });

  it('refuses at start-up a prefix a generated policy would refuse, saying what to change', () => {
    expect(problems('+/')).toEqual([
      `VAULT_MCP_KV_PREFIX="+/" (flag --kv-prefix) holds '+', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/`,
    ]);
    expect(problems('my app/')).toEqual([
      `VAULT_MCP_KV_PREFIX="my app/" (flag --kv-prefix) holds " "; a policy name part may hold letters, digits and . _ ~ @ : - only`,
    ]);
    expect(problems('a/../b')).toEqual([
      `VAULT_MCP_KV_PREFIX="a/../b" (flag --kv-prefix) ".." segments are not allowed ("a/../b"); give the path inside the mount`,
    ]);
  });
});
