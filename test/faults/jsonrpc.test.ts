/**
 * Malformed JSON-RPC on stdio and HTTP: truncated JSON, wrong types, huge ids, unknown methods,
 * 10 MB lines. The server answers with a JSON-RPC error or drops the message, and keeps serving.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from '../../scripts/lib/openbao.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer, type HttpServerHandle } from '../../src/transports/http.js';
import { devServer } from '../support/vault.js';
import { eventually } from '../support/wait.js';

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'fuzz', version: '1' },
  },
};

describe('stdio', () => {
  let child: ChildProcessWithoutNullStreams;
  const answers: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const { address, token } = devServer();
    child = spawn(process.execPath, [cliPath], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        VAULT_ADDR: address,
        VAULT_TOKEN: token,
        LOG_LEVEL: 'error',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) =>
      answers.push(JSON.parse(line) as Record<string, unknown>),
    );
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
    await until(() => answers.some((a) => a['id'] === 0));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
    );
  });
  afterAll(() => {
    child.kill();
  });

  async function until(check: () => boolean): Promise<void> {
    expect(await eventually(check)).toBe(true);
  }

  let nextId = 100;
  async function stillServes(): Promise<void> {
    const id = nextId++;
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })}\n`);
    await until(() => answers.some((a) => a['id'] === id && 'result' in a));
  }

  it.each([
    ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"tools/li'],
    ['not an object', '[1,2,3]'],
    ['method of the wrong type', '{"jsonrpc":"2.0","id":2,"method":42}'],
    ['an object as id', '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}'],
    ['a huge id', '{"jsonrpc":"2.0","id":1e308,"method":"ping"}'],
    ['binary noise', '\u0000\u0001\u0002\u00ff'],
    ['a 10 MB line of garbage', 'x'.repeat(10 * 1024 * 1024)],
  ])('%s: dropped or answered, and the server keeps serving', async (_name, line) => {
    child.stdin.write(`${line}\n`);
    await stillServes();
  });

  it('an unknown method gets "method not found"', async () => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'vault/exfiltrate' })}\n`);
    await until(() => answers.some((a) => a['id'] === 7));
    expect(answers.find((a) => a['id'] === 7)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32601, message: 'Method not found' },
    });
  });

  /** The answer to the request `id` whose `line` (sent with a newline) was too long. */
  const tooLarge = (id: number, line: string): Record<string, unknown> => ({
    jsonrpc: '2.0',
    id,
    error: {
      code: -32600,
      message: `message of ${line.length + 1} bytes is larger than the 8388608-byte limit; it was not processed`,
    },
  });

  it('a 10 MB valid tool call is answered with an error and the server keeps serving', async () => {
    const line = JSON.stringify({
      jsonrpc: '2.0',
      id: 8,
      method: 'tools/call',
      params: {
        name: 'read_secret',
        arguments: { mount: 'secret', path: 'a'.repeat(10 * 1024 * 1024) },
      },
    });
    child.stdin.write(`${line}\n`);
    await until(() => answers.some((a) => a['id'] === 8));
    expect(answers.find((a) => a['id'] === 8)).toEqual(tooLarge(8, line));
    await stillServes();
    expect(child.exitCode).toBeNull();
  });

  it('a 10 MB line that starts with a whole write_secret call is not run, in part or at all', async () => {
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 11,
      method: 'tools/call',
      params: {
        name: 'write_secret',
        arguments: { mount: 'secret', path: 'padded', data: { k: 'v' } },
      },
    });
    const line = `${call}${' '.repeat(10 * 1024 * 1024)}x`;
    child.stdin.write(`${line}\n`);
    await until(() => answers.some((a) => a['id'] === 11));
    await stillServes();
    const read = { name: 'read_secret', arguments: { mount: 'secret', path: 'padded' } };
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'tools/call', params: read })}\n`,
    );
    await until(() => answers.some((a) => a['id'] === 12));
    expect(answers.filter((a) => a['id'] === 11)).toEqual([tooLarge(11, line)]);
    expect(answers.find((a) => a['id'] === 12)).toEqual({
      jsonrpc: '2.0',
      id: 12,
      result: {
        content: [
          {
            type: 'text',
            text: 'no secret at secret/padded: nothing was ever written there. list_secrets on the folder shows what exists.',
          },
        ],
        isError: true,
      },
    });
  });

  it('a 10 MB tool call with its id last (as the TypeScript SDK writes it) gets its own answer, not one for an id in its arguments', async () => {
    const line = JSON.stringify({
      method: 'tools/call',
      params: {
        name: 'write_secret',
        arguments: {
          mount: 'secret',
          path: 'big',
          data: { id: 9, blob: 'a'.repeat(10 * 1024 * 1024) },
        },
      },
      jsonrpc: '2.0',
      id: 10,
    });
    child.stdin.write(`${line}\n`);
    await until(() => answers.some((a) => a['id'] === 10));
    expect(answers.filter((a) => a['id'] === 9 || a['id'] === 10)).toEqual([tooLarge(10, line)]);
    await stillServes();
  });
});

describe('HTTP', () => {
  let server: HttpServerHandle;
  beforeAll(async () => {
    const { address, token } = devServer();
    const config = loadConfig(
      {
        VAULT_ADDR: address,
        VAULT_TOKEN: token,
        HOME: '/x',
        TRANSPORT_PORT: '0',
        VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
      },
      undefined,
      { transport: 'streamable-http' },
    );
    server = await startHttpServer(config, createLogger('silent'), await candidateTools(config));
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(server.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Protocol-Version': '2025-06-18',
        ...headers,
      },
      body,
    });

  it('answers garbage with JSON-RPC errors and keeps serving', async () => {
    const init = await post(JSON.stringify(INIT));
    const session = init.headers.get('mcp-session-id') ?? '';
    const withSession = { 'Mcp-Session-Id': session };
    const cases: Array<[string, number]> = [
      ['{"jsonrpc":"2.0","id":1,"method":"tools/li', 400],
      ['{"jsonrpc":"2.0","id":2,"method":42}', 400],
      ['"just a string"', 400],
      ['x'.repeat(10 * 1024 * 1024), 413],
    ];
    for (const [body, status] of cases) {
      const response = await post(body, withSession);
      expect(response.status, body.slice(0, 40)).toBe(status);
      const answer = (await response.json()) as { jsonrpc: string; error: { code: number } };
      expect(answer.jsonrpc).toBe('2.0');
      expect(typeof answer.error.code).toBe('number');
    }
    const unknown = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'vault/exfiltrate' }),
      withSession,
    );
    // Answers inside a session come as an event stream (calls may send requests and notifications first).
    expect(await message(unknown)).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32601, message: 'Method not found' },
    });
    // 1e308 is no integer JSON-RPC id: the SDK answers with an error instead of guessing.
    const huge = await post('{"jsonrpc":"2.0","id":1e308,"method":"ping"}', withSession);
    expect([huge.status, await huge.json()]).toEqual([
      400,
      {
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error: Invalid JSON-RPC message' },
        id: null,
      },
    ]);
    const ping = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'ping' }),
      withSession,
    );
    expect(await message(ping)).toEqual({ jsonrpc: '2.0', id: 10, result: {} });
  });
});

/** The JSON-RPC message of a response: its JSON body, or the first `data:` event of an event stream. */
async function message(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream'))
    return JSON.parse(text);
  const data = text.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data?.slice('data: '.length) ?? 'null');
}
