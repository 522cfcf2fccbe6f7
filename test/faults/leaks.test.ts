/**
 * No leaks: every tool runs with known secret values and known tokens, debug logging on, plus the
 * error paths; neither the values nor the tokens appear in any tool result or log line unless the
 * operator turned reveal on (and then only in results, never in logs). With reveal off they are in
 * no prompt, resource, completion, log notification or elicitation message either.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, vaultRequest, type DevServer } from '../../scripts/lib/openbao.js';
import { callEveryTool } from '../support/every-tool.js';
import { connect, textOf, type McpHarness } from '../support/mcp.js';

const VALUES = {
  user: 'VALUE-CANARY-user-7f3a',
  pass: 'VALUE-CANARY-pass-91c2',
  port: 'VALUE-CANARY-port-5e10',
};
const ROOT = 'root-TOKEN-CANARY-0b5d';

async function run(mcp: McpHarness): Promise<string> {
  const results: unknown[] = [];
  await callEveryTool(async (name, args = {}) => {
    const result = await mcp.call(name, args);
    results.push(result);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result)}`);
    return result.structuredContent as Record<string, unknown>;
  }, VALUES);
  // Error paths that carry values in their arguments.
  results.push(
    await mcp.call('write_secret', {
      mount: 'no-such-mount',
      path: 'x',
      key: 'k',
      value: VALUES.pass,
    }),
  );
  results.push(
    await mcp.call('write_secret', {
      mount: 'secret',
      path: '../escape',
      data: { k: VALUES.user },
    }),
  );
  results.push(
    await mcp.call('patch_secret', {
      mount: 'secret',
      path: 'never/written',
      data: { k: VALUES.port },
    }),
  );
  results.push(
    await mcp.call('write_secret', {
      mount: 'secret',
      path: 'cas',
      data: { k: VALUES.user },
      cas: 7,
    }),
  );
  // PKI tools pointed at KV paths where a PKI route would find a secret (`<mount>/roles/<name>`
  // is `secret/data/leak/roles/probe`) must refuse, not read it through their own route.
  for (const folder of ['roles', 'cert', 'issuer'])
    await mcp.call('write_secret', {
      mount: 'secret',
      path: `leak/${folder}/probe`,
      key: 'k',
      value: VALUES.pass,
    });
  for (const [name, args] of [
    ['read_pki_role', { mount: 'secret/data/leak', role_name: 'probe' }],
    ['read_pki_certificate', { mount: 'secret/data/leak', serial_number: 'probe' }],
    ['read_pki_issuer', { mount: 'secret/data/leak', issuer_name: 'probe' }],
    ['list_pki_roles', { mount: 'secret/metadata/leak' }],
  ] as const) {
    const result = await mcp.call(name, args);
    expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
    results.push(result);
  }
  await mcp.ready;
  return JSON.stringify(results);
}

/** Everything the rest of MCP shows: every prompt, every listed resource, the KV tree, completions. */
async function surface(client: Client): Promise<string> {
  const out: unknown[] = [];
  const { prompts } = await client.listPrompts();
  const args: Record<string, Record<string, string>> = {
    plan_secret_layout: { mount: 'secret', app: 'myapp' },
    pre_release_audit: { mount: 'secret', prefix: 'myapp/' },
    least_privilege_policy: { kv_mount: 'secret', prefix: 'myapp/', pki_mount: 'pki' },
    issue_tls_certificate: { mount: 'pki', role: 'web', common_name: 'app.example.com' },
  };
  for (const prompt of prompts)
    out.push(await client.getPrompt({ name: prompt.name, arguments: args[prompt.name] ?? {} }));
  const { resources } = await client.listResources();
  const uris = [
    ...resources.map((r) => r.uri),
    'vault://kv/secret/myapp/',
    'vault://kv/secret/myapp/db',
  ];
  for (const uri of uris)
    out.push(await client.readResource({ uri }).catch((e: unknown) => String(e)));
  const tree = { type: 'ref/resource' as const, uri: 'vault://kv/{mount}/{+path}' };
  for (const value of ['', 'myapp/', 'myapp/d'])
    out.push(
      await client.complete({
        ref: tree,
        argument: { name: 'path', value },
        context: { arguments: { mount: 'secret' } },
      }),
    );
  return JSON.stringify(out);
}

describe('secret values and tokens never leak', () => {
  let vault: DevServer;
  beforeAll(async () => {
    vault = await startDevServer({ token: ROOT });
  });
  afterAll(() => vault.stop());

  it('with reveal off: not in results, logs, log notifications, confirmations, prompts, resources or completions', async () => {
    const asked: string[] = [];
    const notified: unknown[] = [];
    const mcp = await connect(
      { VAULT_ADDR: vault.address, VAULT_TOKEN: ROOT, LOG_LEVEL: 'trace' },
      {
        capabilities: { elicitation: {} },
        setup: (client) => {
          // The person accepts every confirmation (default VAULT_MCP_CONFIRM=destructive).
          client.setRequestHandler(ElicitRequestSchema, async (request) => {
            asked.push(request.params.message);
            return { action: 'accept', content: {} };
          });
          client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
            notified.push(n.params);
          });
        },
      },
    );
    await mcp.client.setLoggingLevel('debug');
    const results = await run(mcp);
    // The tool run cleaned up after itself: the secret the other surfaces describe, again.
    await vaultRequest(vault, 'POST', 'secret/data/myapp/db', { data: VALUES });
    const rest = await surface(mcp.client);
    const logs = mcp.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    // The controls: each channel carried something.
    expect(asked.length).toBeGreaterThan(5);
    expect(asked.join('\n')).toContain('Set the key user of secret/myapp/db (value not shown)');
    expect(notified.length).toBeGreaterThan(20);
    expect(rest).toContain('myapp/db (keys: pass, port, user)');
    expect(rest).toContain('"values":["myapp/db"]');
    const channels = {
      results,
      logs,
      notifications: JSON.stringify(notified),
      confirmations: JSON.stringify(asked),
      'prompts, resources and completions': rest,
    };
    for (const secret of [...Object.values(VALUES), ROOT])
      for (const [channel, text] of Object.entries(channels))
        expect(text, `${channel} contain ${secret}`).not.toContain(secret);
    expect(results).not.toContain('PRIVATE KEY');
    expect(rest).not.toContain('PRIVATE KEY');
    await mcp.close();
  });

  it('with reveal on: values come back in results (the control), still never in logs', async () => {
    await vaultRequest(vault, 'DELETE', 'sys/mounts/pki');
    const mcp = await connect({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: ROOT,
      LOG_LEVEL: 'trace',
      VAULT_MCP_REVEAL_SECRETS: 'true',
    });
    const results = await run(mcp);
    expect(results).toContain(VALUES.user);
    expect(results).toContain('PRIVATE KEY');
    const logs = mcp.logs.join('');
    for (const secret of [...Object.values(VALUES), ROOT])
      expect(logs, `logs contain ${secret}`).not.toContain(secret);
    expect(logs).not.toContain('PRIVATE KEY');
    expect(results).not.toContain(ROOT);
    await mcp.close();
  });
});

/**
 * A Vault stand-in answering every request 500 with the `errors` made of the token it was sent
 * (no real server echoes a token), and an MCP harness on it with `token`, logging at trace, once
 * it has listed tools and called list_mounts.
 */
async function echoingVault(
  token: string,
  errors: (sent: string) => string[],
): Promise<{ mcp: McpHarness; failed: CallToolResult; close: () => Promise<void> }> {
  const echo: Server = createServer((req, res) => {
    res
      .writeHead(500, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ errors: errors(String(req.headers['x-vault-token'])) }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const { port } = echo.address() as AddressInfo;
  const mcp = await connect({
    VAULT_ADDR: `http://127.0.0.1:${port}`,
    VAULT_TOKEN: token,
    LOG_LEVEL: 'trace',
  });
  await mcp.ready;
  await mcp.client.listTools();
  const failed = await mcp.call('list_mounts');
  return {
    mcp,
    failed,
    close: async () => {
      await mcp.close();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    },
  };
}

describe('a Vault (or proxy) that quotes the token in its errors', () => {
  it('the token is in no log line: start-up lookup, capability probe, tool error', async () => {
    const token = 'hvs.ECHOED-TOKEN-CANARY-4c1e9a2b7d';
    const { mcp, failed, close } = await echoingVault(token, (sent) => [`bad token ${sent}`]);
    const logs = mcp.logs.join('');
    expect(logs).toContain('capability probe failed');
    expect(logs).toContain('500: bad token <token withheld>');
    expect(logs).not.toContain(token);
    expect(JSON.stringify(failed)).not.toContain(token);
    await close();
  });

  it('the token base64-encoded (a Basic credential, a URL-safe echo) is in no log line either', async () => {
    const token = 'hvs.B64-ECHOED-TOKEN-CANARY-9d0f3c';
    const { mcp, failed, close } = await echoingVault(token, (sent) => [
      `bad credential Basic ${Buffer.from(`vault:${sent}`).toString('base64')}`,
      `cookie ${Buffer.from(sent).toString('base64url')}`,
    ]);
    const probe = mcp.logs
      .join('')
      .split('\n')
      .filter((line) => line.includes('capability probe failed'))
      .map((line) => (JSON.parse(line) as { error?: unknown }).error);
    expect(probe[0]).toBe(
      '500: bad credential Basic dmF1bHQ6<token withheld>; cookie <token withheld>',
    );
    expect(textOf(failed)).toContain(
      'bad credential Basic dmF1bHQ6<token withheld>; cookie <token withheld>',
    );
    await close();
  });
});
