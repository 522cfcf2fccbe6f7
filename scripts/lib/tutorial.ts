/**
 * The tutorial's workflow (../shared/seed/vault-mcp-tutorial.txt), played through the built
 * vault-mcp binary over stdio by the official MCP SDK client, under the tutorial's exact policy.
 * `make demo` prints it; test/e2e/tutorial.test.ts asserts it. Every step checks its result and
 * the run stops at the first step that does not do what the tutorial expects.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { makeCsr } from './csr.js';
import { cliName, cliPath, repoRoot, runCli, vaultRequest } from './openbao.js';

/** The values the tutorial writes with the CLI; none may ever appear in MCP output. */
export const TUTORIAL_SECRETS = {
  'myapp/database': {
    username: 'appuser',
    host: 'db.internal.example.com',
    port: '5432',
    database: 'appdb',
    password: 'j3ffAlb3rts0n',
  },
  'myapp/integrations/payment-gateway': {
    endpoint: 'https://api.payments.example.com',
    timeout_seconds: '30',
    api_key: 'abc8647d-1492-s3as3m3-st33t',
  },
} as const;

export interface TutorialCall {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly result: CallToolResult;
}

export interface TutorialRun {
  readonly calls: TutorialCall[];
  /** Everything vault-mcp wrote to stderr. */
  readonly stderr: string;
  /** The scoped token vault-mcp ran with. */
  readonly token: string;
  readonly transcript: string[];
}

/** How the run reaches vault-mcp: a connected MCP client and what the server logged. */
export interface TutorialConnection {
  readonly client: Client;
  stderr(): string;
}

/** The default: the built binary over stdio, with the scoped token in its environment. */
export async function connectStdio(
  vault: { address: string },
  token: string,
): Promise<TutorialConnection> {
  const home = mkdtempSync(join(tmpdir(), 'vault-mcp-demo-home-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: token,
      LOG_LEVEL: 'info',
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'vault-mcp-tutorial', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

export class StepFailed extends Error {
  override name = 'StepFailed';
}

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new StepFailed(
      `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    );
  }
}

/**
 * Play the tutorial against the Vault at `vault` (an OpenBao dev server: `secret/` is KV v2 and
 * `pki/` is free). `print` receives each transcript line as it happens.
 * @throws StepFailed naming the step whose result was not the expected one.
 */
export async function playTutorial(
  vault: { address: string; token: string },
  print: (line: string) => void = () => undefined,
  connect: (
    vault: { address: string },
    token: string,
  ) => Promise<TutorialConnection> = connectStdio,
): Promise<TutorialRun> {
  const transcript: string[] = [];
  const say = (line: string): void => {
    transcript.push(line);
    print(line);
  };
  const calls: TutorialCall[] = [];

  say('## Operator: policy and token (tutorial: "Create a policy for the MCP server")');
  const policy = readFileSync(join(repoRoot, 'test', 'fixtures', 'tutorial-policy.hcl'), 'utf8');
  await vaultRequest(vault, 'POST', 'sys/policies/acl/vault-mcp-developer', { policy });
  say(`$ ${cliName()} policy write vault-mcp-developer vault-mcp-policy.hcl`);
  const created = (await vaultRequest(vault, 'POST', 'auth/token/create', {
    policies: ['vault-mcp-developer'],
    ttl: '8h',
    display_name: 'vault-mcp-server',
  })) as { auth: { client_token: string; policies: string[] } };
  const token = created.auth.client_token;
  say(
    `$ ${cliName()} token create -policy=vault-mcp-developer -ttl=8h -display-name="vault-mcp-server"   # policies: ${created.auth.policies.join(', ')}`,
  );

  const home = mkdtempSync(join(tmpdir(), 'vault-mcp-cli-home-'));
  const connection = await connect(vault, token);
  const { client } = connection;
  const call = async (
    tool: string,
    args: Record<string, unknown>,
    expectError = false,
  ): Promise<CallToolResult> => {
    const shown = Object.fromEntries(
      Object.entries(args).map(([k, v]) => [k, k === 'csr' ? '<PEM CSR made locally>' : v]),
    );
    say(`→ ${tool} ${JSON.stringify(shown)}`);
    const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    calls.push({ tool, args, result });
    for (const line of text(result).split('\n')) say(`  ${result.isError ? '✗' : '←'} ${line}`);
    if (Boolean(result.isError) !== expectError) {
      throw new StepFailed(
        `${tool} ${expectError ? 'succeeded but should have been refused' : `failed: ${text(result)}`}`,
      );
    }
    return result;
  };
  const putSecret = async (path: keyof typeof TUTORIAL_SECRETS): Promise<void> => {
    const values = TUTORIAL_SECRETS[path];
    const pairs = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    try {
      await runCli(['kv', 'put', `secret/${path}`, ...pairs], vault, home);
    } catch (error) {
      throw new StepFailed(`writing secret/${path} with the CLI: ${(error as Error).message}`);
    }
    say(
      `$ ${cliName()} kv put secret/${path} ${Object.keys(values)
        .map((k) => `${k}=***`)
        .join(' ')}   # values typed in the terminal, not the chat`,
    );
  };

  try {
    const tools = await client.listTools();
    say(`## vault-mcp connected: ${tools.tools.length} tools`);

    say('## Confirm the token is scoped');
    const me = (await call('whoami', {})).structuredContent as {
      policies: string[];
      root: boolean;
    };
    expectEqual('whoami policies', me.policies, ['default', 'vault-mcp-developer']);
    expectEqual('whoami root', me.root, false);

    say('## Plan secret structure: is secret/ KV v2?');
    const mounts = (await call('list_mounts', {})).structuredContent as {
      mounts: Array<{ path: string; type: string; kv_version?: number }>;
    };
    expectEqual(
      'secret/ mount',
      mounts.mounts.find((m) => m.path === 'secret'),
      { ...mounts.mounts.find((m) => m.path === 'secret'), type: 'kv', kv_version: 2 },
    );

    say('## Write the database credentials with the CLI, confirm keys without values');
    await putSecret('myapp/database');
    const db = (await call('read_secret', { mount: 'secret', path: 'myapp/database' }))
      .structuredContent as { keys: string[]; version: number; values_withheld: boolean };
    expectEqual('database keys', db.keys, ['database', 'host', 'password', 'port', 'username']);
    expectEqual('database version', db.version, 1);
    expectEqual('values withheld', db.values_withheld, true);

    say('## Same pattern for the payment gateway');
    await putSecret('myapp/integrations/payment-gateway');
    const gw = (
      await call('read_secret', { mount: 'secret', path: 'myapp/integrations/payment-gateway' })
    ).structuredContent as { keys: string[] };
    expectEqual('payment-gateway keys', gw.keys, ['api_key', 'endpoint', 'timeout_seconds']);

    say('## Audit: the whole hierarchy, key names and last-updated times');
    const audit = (await call('audit_secrets', { mount: 'secret' })).structuredContent as {
      secrets: Array<{ path: string; keys: string[]; updated_time?: string }>;
      truncated: boolean;
    };
    expectEqual(
      'audit tree',
      audit.secrets.map((s) => [s.path, s.keys]),
      [
        ['myapp/database', ['database', 'host', 'password', 'port', 'username']],
        ['myapp/integrations/payment-gateway', ['api_key', 'endpoint', 'timeout_seconds']],
      ],
    );
    if (!audit.secrets.every((s) => s.updated_time))
      throw new StepFailed('audit_secrets: every secret needs an updated_time');
    for (const path of Object.keys(TUTORIAL_SECRETS)) {
      const meta = (await call('read_secret_metadata', { mount: 'secret', path }))
        .structuredContent as { current_version: number; updated_time?: string };
      expectEqual(`${path} current_version`, meta.current_version, 1);
    }

    say('## PKI: enable, root issuer, role, sign a CSR made on this machine');
    await call('enable_pki', { path: 'pki' });
    const root = (
      await call('create_pki_issuer', {
        mount: 'pki',
        common_name: 'HashiCups Internal Root CA',
        issuer_name: 'hashicups-root-2026',
        ttl: '87600h',
      })
    ).structuredContent as { kind: string; warnings: string[] };
    expectEqual('issuer kind', root.kind, 'root');
    expectEqual('issuer warnings', root.warnings, []);
    await call('create_pki_role', {
      mount: 'pki',
      role_name: 'hashicups-internal',
      allowed_domains: 'hashicups.internal',
      allow_subdomains: true,
      allow_any_name: false,
      key_type: 'any',
      max_ttl: '720h',
    });
    const issuers = (await call('list_pki_issuers', { mount: 'pki' })).structuredContent as {
      issuers: Array<{ issuer_name: string; is_default: boolean }>;
    };
    expectEqual(
      'issuers',
      issuers.issuers.map((i) => [i.issuer_name, i.is_default]),
      [['hashicups-root-2026', true]],
    );
    const csr = await makeCsr('api.hashicups.internal', ['api.hashicups.internal']);
    const signed = (
      await call('sign_pki_certificate', {
        mount: 'pki',
        role_name: 'hashicups-internal',
        csr,
        ttl: '72h',
      })
    ).structuredContent as {
      summary: { subject: string; issuer: string; dns_names: string[] };
    };
    expectEqual('signed subject', signed.summary.subject, 'CN=api.hashicups.internal');
    expectEqual('signed issuer', signed.summary.issuer, 'CN=HashiCups Internal Root CA');

    say("## What the tutorial's policy does not allow");
    const denied = await call(
      'issue_pki_certificate',
      { mount: 'pki', role_name: 'hashicups-internal', common_name: 'web.hashicups.internal' },
      true,
    );
    if (!text(denied).includes('needs `update` on `pki/issue/hashicups-internal`')) {
      throw new StepFailed(
        `issue_pki_certificate: the denial does not name the path and capability: ${text(denied)}`,
      );
    }
    say(`## Done: ${calls.length} tool calls, all as the tutorial expects`);
  } finally {
    await client.close();
  }
  return { calls, stderr: connection.stderr(), token, transcript };
}
