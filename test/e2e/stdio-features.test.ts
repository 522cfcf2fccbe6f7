/**
 * The built binary over stdio with the SDK client: prompts, resources, a completion, a
 * confirmation round trip (decline, then accept), progress and log notifications.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../../scripts/lib/openbao.js';
import { adminRequest, devServer, mountEngine } from '../support/vault.js';

describe('stdio: the rest of MCP', () => {
  it('prompts, resources, completions, confirmations, progress and logs', async () => {
    const mount = await mountEngine('stdio-mcp', 'kv-v2');
    await adminRequest('POST', `${mount}/data/app/db`, { data: { password: 'stdio-pw-value' } });
    const { address, token } = devServer();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath],
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: address,
        VAULT_TOKEN: token,
      },
      stderr: 'pipe',
    });
    const client = new Client(
      { name: 'stdio-features', version: '1' },
      { capabilities: { elicitation: {} } },
    );
    const answers = ['decline', 'accept'] as const;
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      const action = answers[asked.length - 1] ?? 'decline';
      return action === 'accept' ? { action, content: {} } : { action };
    });
    const logs: Array<LoggingMessageNotification['params']> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.connect(transport);
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true },
      completions: {},
      logging: {},
    });
    expect((await client.listPrompts()).prompts).toHaveLength(4);
    const audit = await client.getPrompt({
      name: 'pre_release_audit',
      arguments: { mount, prefix: 'app/' },
    });
    expect(JSON.stringify(audit)).toContain(
      `Call audit_secrets with mount \\"${mount}\\" and path \\"app/\\"`,
    );
    const secret = await client.readResource({ uri: `vault://kv/${mount}/app/db` });
    expect(JSON.parse((secret.contents[0] as { text: string }).text)).toMatchObject({
      keys: ['password'],
    });
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'pre_release_audit' },
      argument: { name: 'mount', value: mount.slice(0, -2) },
    });
    expect(completion.completion.values).toEqual([mount]);
    const call = (): Promise<CallToolResult> =>
      client.callTool({
        name: 'delete_secret',
        arguments: { mount, path: 'app/db' },
      }) as Promise<CallToolResult>;
    expect((await call()).isError).toBe(true);
    expect(
      ((await adminRequest('GET', `${mount}/data/app/db`)) as { data: { data: unknown } }).data
        .data,
    ).toEqual({
      password: 'stdio-pw-value',
    });
    expect((await call()).isError).toBeFalsy();
    expect(asked).toEqual([
      `The assistant wants to run delete_secret. Delete the secret ${mount}/app/db: on KV v2 its latest version is soft-deleted (undelete_secret_versions restores it); on KV v1 it is gone for good. Allow this once?`,
      `The assistant wants to run delete_secret. Delete the secret ${mount}/app/db: on KV v2 its latest version is soft-deleted (undelete_secret_versions restores it); on KV v1 it is gone for good. Allow this once?`,
    ]);
    const progress: Progress[] = [];
    await client.callTool({ name: 'audit_secrets', arguments: { mount } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    // Not the last one: the SDK client dispatches notifications a microtask late and drops a progress
    // notification that arrives in the same chunk as the response.
    expect(progress).toContainEqual({ progress: 1, message: 'listed 1 folders, found 0 secrets' });
    // What stderr gets at the default LOG_LEVEL (info) reaches the client too.
    await client.callTool({ name: 'read_secret', arguments: { mount, path: 'missing' } });
    const until = Date.now() + 20_000;
    while (!logs.some((l) => (l.data as { msg?: string }).msg === 'tool call failed')) {
      if (Date.now() > until) throw new Error('no log notification');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(JSON.stringify([audit, secret, logs, asked])).not.toContain('stdio-pw-value');
    await client.close();
  }, 120_000);
});
