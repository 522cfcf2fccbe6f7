/**
 * An in-process MCP server and client (the SDK's InMemoryTransport pair) against the real
 * OpenBao dev server: how the tool tests call tools exactly as an MCP client would.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { Writable } from 'node:stream';
import { createVaultClient } from '../../src/client/client.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { candidateTools, createMcpServer, knownToolNames } from '../../src/server/server.js';
import type { TokenState } from '../../src/server/tool-calls.js';
import { devServer } from './vault.js';

export interface McpHarness {
  readonly client: Client;
  readonly config: Config;
  /** Everything the server logged (its stderr in production). */
  readonly logs: string[];
  /** Settles when the token set-up (lookup, or login) is done. */
  readonly ready: Promise<unknown>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Call and fail the test when the result is an error; returns structuredContent. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Call and expect an error; returns its text. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/**
 * A connected client; `env` adds/overrides settings (VAULT_TOKEN defaults to the root token).
 * `capabilities` are the client's (e.g. `{ elicitation: {} }`), and `setup` installs its handlers
 * (e.g. the elicitation handler) before it connects. `tokens` gives the server another view of
 * the token manager (a test's stand-in for its clock, say).
 */
export async function connect(
  env: Record<string, string> = {},
  options: {
    fetch?: (r: Request) => Promise<Response>;
    capabilities?: ClientCapabilities;
    setup?: (client: Client) => void;
    tokens?: (manager: TokenManager) => TokenState;
  } = {},
): Promise<McpHarness> {
  const { address, token } = devServer();
  const config = loadConfig(
    { VAULT_ADDR: address, VAULT_TOKEN: token, LOG_LEVEL: 'debug', HOME: '/nonexistent', ...env },
    knownToolNames(),
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  // Wired as the stdio command does: the token (or login) managed, tool calls waiting for it.
  const tokens = new TokenManager(
    createVaultClient({ ...config.vault, ...(options.fetch ? { fetch: options.fetch } : {}) }),
    config.login,
    log,
  );
  const ready = tokens.start();
  const { server } = createMcpServer({
    config,
    vault: () => tokens.client(),
    tokens: options.tokens ? options.tokens(tokens) : tokens,
    ready,
    log,
    candidates: await candidateTools(config),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client(
    { name: 'vault-mcp-tests', version: '1.0.0' },
    { capabilities: options.capabilities ?? {} },
  );
  options.setup?.(client);
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    config,
    logs,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as T;
    },
    async fails(name: string, args: Record<string, unknown> = {}): Promise<string> {
      const result = await call(name, args);
      if (!result.isError)
        throw new Error(`${name} succeeded but an error was expected: ${textOf(result)}`);
      return textOf(result);
    },
    ready,
    async close() {
      tokens.stop();
      await client.close();
      await server.close();
      await tokens.client().close();
    },
  };
}

/** An `initialize` request body (JSON-RPC id 1), for tests that speak HTTP without the SDK. */
export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'vault-mcp-test', version: '1' },
  },
};
