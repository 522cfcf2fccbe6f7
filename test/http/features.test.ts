/**
 * Prompts, resources, completions, elicitation, progress and log notifications over streamable
 * HTTP with the SDK client (in-process startHttpServer, real OpenBao). Server-to-client requests
 * and notifications during a call travel on the call's event stream (stateful mode); stateless
 * mode cannot ask the user, so required confirmations fail closed there.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { HttpServerHandle } from '../../src/transports/http.js';
import { serve as serveHttp } from '../support/http.js';
import { adminRequest, mountEngine } from '../support/vault.js';

/** The shared serve(), logging at info to nowhere (log notifications carry what stderr gets). */
function serve(env: Record<string, string> = {}): Promise<HttpServerHandle> {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  return serveHttp(
    { LOG_LEVEL: 'info', MCP_RATE_LIMIT_GLOBAL: 'off', MCP_RATE_LIMIT_SESSION: 'off', ...env },
    createLogger('info', quiet),
  );
}

/** An SDK client over HTTP whose person answers `answers` in turn, recording the questions. */
async function person(
  url: string,
  answers: Array<'accept' | 'decline' | 'cancel'>,
): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client(
    { name: 'http-person', version: '1' },
    { capabilities: { elicitation: {} } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    const action = answers.shift() ?? 'decline';
    return action === 'accept' ? { action, content: {} } : { action };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, asked };
}

const textOf = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

let mount = '';
let server: HttpServerHandle;
beforeAll(async () => {
  mount = await mountEngine('http-features', 'kv-v2');
  await adminRequest('POST', `${mount}/data/app/db`, { data: { password: 'http-pw-value' } });
  for (let i = 0; i < 60; i++)
    await adminRequest('POST', `${mount}/data/bulk/s${i}`, { data: { k: 'v' } });
  server = await serve();
});
afterAll(() => server.close());

describe('stateful HTTP', () => {
  it('prompts, resources and completions', async () => {
    const { client } = await person(server.url, []);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual([
      'plan_secret_layout',
      'pre_release_audit',
      'least_privilege_policy',
      'issue_tls_certificate',
    ]);
    const plan = await client.getPrompt({
      name: 'plan_secret_layout',
      arguments: { mount, app: 'app' },
    });
    expect(plan.messages[0]?.content).toMatchObject({ type: 'text' });
    expect(JSON.stringify(plan)).toContain('  - app/db (keys: password)');
    const read = await client.readResource({ uri: `vault://kv/${mount}/app/db` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({
      path: 'app/db',
      keys: ['password'],
    });
    const completion = await client.complete({
      ref: { type: 'ref/resource', uri: 'vault://kv/{mount}/{+path}' },
      argument: { name: 'path', value: 'ap' },
      context: { arguments: { mount } },
    });
    expect(completion.completion.values).toEqual(['app/']);
    expect(JSON.stringify([plan, read])).not.toContain('http-pw-value');
    await client.close();
  });

  it('elicitation round trip during a call: decline changes nothing, accept runs', async () => {
    await adminRequest('POST', `${mount}/data/app/old`, { data: { k: 'v' } });
    const { client, asked } = await person(server.url, ['decline', 'accept']);
    const declined = (await client.callTool({
      name: 'delete_secret_metadata',
      arguments: { mount, path: 'app/old' },
    })) as CallToolResult;
    expect([declined.isError, textOf(declined)]).toEqual([
      true,
      'The user declined delete_secret_metadata: nothing was changed. Do not retry it unless the user asks for it.',
    ]);
    expect(await adminRequest('GET', `${mount}/metadata/app/old`)).toMatchObject({
      data: { current_version: 1 },
    });
    const accepted = (await client.callTool({
      name: 'delete_secret_metadata',
      arguments: { mount, path: 'app/old' },
    })) as CallToolResult;
    expect(accepted.isError).toBeFalsy();
    await expect(adminRequest('GET', `${mount}/metadata/app/old`)).rejects.toThrow(/404/);
    expect(asked).toEqual([
      `The assistant wants to run delete_secret_metadata. Delete ${mount}/app/old entirely: every version, its data and its metadata. This cannot be undone. Allow this once?`,
      `The assistant wants to run delete_secret_metadata. Delete ${mount}/app/old entirely: every version, its data and its metadata. This cannot be undone. Allow this once?`,
    ]);
    await client.close();
  });

  it('progress and log notifications arrive on the event stream', async () => {
    const { client } = await person(server.url, []);
    const logs: Array<LoggingMessageNotification['params']> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.setLoggingLevel('info');
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: 'audit_secrets', arguments: { mount, path: 'bulk', max_secrets: 100 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect((result.structuredContent as { secrets: unknown[] }).secrets).toHaveLength(60);
    // Not the last one: the SDK client dispatches notifications a microtask late and drops a
    // progress notification that arrives in the same chunk as the response.
    expect(progress).toContainEqual({
      progress: 26,
      total: 61,
      message: 'read the metadata of 25 of 60 secrets',
    });
    // A failing call is logged at info ("tool call failed"), and the record reaches this session.
    await client.callTool({ name: 'read_secret', arguments: { mount, path: 'missing' } });
    const until = Date.now() + 20_000;
    while (!logs.some((l) => (l.data as { msg?: string }).msg === 'tool call failed')) {
      if (Date.now() > until) throw new Error('no log notification');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(logs.find((l) => (l.data as { msg?: string }).msg === 'tool call failed')).toMatchObject(
      {
        level: 'info',
        logger: 'vault-mcp',
        data: { tool: 'read_secret', error: 'ToolInputError' },
      },
    );
    await client.close();
  });
});

describe('stateless HTTP', () => {
  it('cannot ask the user, so a required confirmation is refused and nothing changes', async () => {
    await adminRequest('POST', `${mount}/data/app/kept`, { data: { k: 'v' } });
    const stateless = await serve({
      MCP_SESSION_MODE: 'stateless',
      VAULT_MCP_CONFIRM: 'destructive',
    });
    const { client, asked } = await person(stateless.url, ['accept']);
    const result = (await client.callTool({
      name: 'delete_secret_metadata',
      arguments: { mount, path: 'app/kept' },
    })) as CallToolResult;
    expect(textOf(result)).toBe(
      "delete_secret_metadata was not run: it needs the user's confirmation (VAULT_MCP_CONFIRM=destructive), and the user cannot be asked in this session (the client does not declare the elicitation capability, or the server runs in stateless HTTP mode). Nothing was changed. Use a client that supports elicitation, or the operator can restart vault-mcp with VAULT_MCP_CONFIRM=never to allow such calls without asking.",
    );
    expect(asked).toEqual([]);
    expect(await adminRequest('GET', `${mount}/metadata/app/kept`)).toMatchObject({
      data: { current_version: 1 },
    });
    await client.close();
    await stateless.close();
  });

  it('a server that answered an initialize is not reused: the next call still cannot ask the user', async () => {
    // Stateless servers are reused between a caller's requests; one that took an initialize holds
    // the client's capabilities (elicitation here), which must not reach a later request.
    await adminRequest('POST', `${mount}/data/app/kept2`, { data: { k: 'v' } });
    const stateless = await serve({
      MCP_SESSION_MODE: 'stateless',
      VAULT_MCP_CONFIRM: 'destructive',
    });
    const post = async (id: number, method: string, params: unknown): Promise<unknown> => {
      const response = await fetch(stateless.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(20_000),
      });
      return response.json();
    };
    await post(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: { elicitation: {} },
      clientInfo: { name: 'raw', version: '1' },
    });
    const answer = (await post(2, 'tools/call', {
      name: 'delete_secret_metadata',
      arguments: { mount, path: 'app/kept2' },
    })) as { result: CallToolResult };
    expect(textOf(answer.result)).toBe(
      "delete_secret_metadata was not run: it needs the user's confirmation (VAULT_MCP_CONFIRM=destructive), and the user cannot be asked in this session (the client does not declare the elicitation capability, or the server runs in stateless HTTP mode). Nothing was changed. Use a client that supports elicitation, or the operator can restart vault-mcp with VAULT_MCP_CONFIRM=never to allow such calls without asking.",
    );
    expect(await adminRequest('GET', `${mount}/metadata/app/kept2`)).toMatchObject({
      data: { current_version: 1 },
    });
    await stateless.close();
  });
});
