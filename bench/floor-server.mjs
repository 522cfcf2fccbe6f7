/**
 * The floor: the least an MCP server built on the official SDK (@modelcontextprotocol/sdk v1) can
 * do for one read, to measure vault-mcp's CPU per read_secret against. Not vault-mcp: it imports
 * nothing from src/, only from node_modules, and has no guards, no auth, no rate limits, no
 * logging. Numbers only; never run it as a service.
 *
 * One tool, `read_secret` (input {mount, path}, output {keys}), whose handler makes ONE keep-alive
 * GET of `${VAULT_ADDR}/v1/{mount}/data/{path}` with `VAULT_TOKEN` (node:http, keep-alive Agent)
 * and returns the secret's key names (never the values) as structuredContent and as text.
 *
 * Usage (VAULT_ADDR and VAULT_TOKEN in the environment):
 *   node bench/floor-server.mjs http [--port N] [--host 127.0.0.1]
 *     Stateful streamable HTTP at http://host:port/mcp (port 0, the default: a free port); one
 *     SDK WebStandardStreamableHTTPServerTransport and one McpServer per session, served from
 *     node:http as src/transports/http/web-transport.ts does it (a web Request from the method,
 *     path and headers, the body parsed beforehand, the Response written in as few socket writes
 *     as keep its meaning). Prints one JSON line on stderr when listening: {"url":"http://…/mcp"}.
 *   node bench/floor-server.mjs [stdio]
 *     The same server over the SDK's StdioServerTransport (also with no argument, so bench/lib.ts's
 *     RawStdio, which spawns `node <cli>`, can run it).
 * The process ends on SIGTERM/SIGINT (http) or when stdin ends (stdio).
 */
/* global Headers, Request */
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { URL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const VAULT = new URL(process.env.VAULT_ADDR ?? 'http://127.0.0.1:8200');
const TOKEN = process.env.VAULT_TOKEN ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One keep-alive GET of `/v1/{mount}/data/{path}`; resolves with the parsed JSON body. */
function vaultGet(mount, path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: VAULT.hostname,
        port: VAULT.port,
        method: 'GET',
        path: `/v1/${encodeURI(mount)}/data/${encodeURI(path)}`,
        headers: { 'X-Vault-Token': TOKEN },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`Vault ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An McpServer with the one tool. */
function newServer() {
  const server = new McpServer({ name: 'floor', version: '1.0.0' });
  server.registerTool(
    'read_secret',
    {
      description: 'Read a KV v2 secret: its key names.',
      inputSchema: { mount: z.string(), path: z.string() },
      outputSchema: { keys: z.array(z.string()) },
    },
    async ({ mount, path }) => {
      const body = await vaultGet(mount, path);
      const keys = Object.keys(body?.data?.data ?? {});
      return {
        content: [{ type: 'text', text: `keys: ${keys.join(', ')}` }],
        structuredContent: { keys },
      };
    },
  );
  return server;
}

/** The whole request body parsed as JSON (undefined when empty). */
function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** The next read when it is ready within this turn of the microtask queue, else undefined. */
function readNow(pending) {
  return Promise.race([pending, Promise.resolve().then(() => undefined)]);
}

/** Write a web Response to `res` in as few writes as keep its meaning (see web-transport.ts). */
async function writeResponse(response, res, openAtOnce) {
  const head = {};
  response.headers.forEach((value, name) => {
    if (name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding')
      head[name] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, head).end();
    return;
  }
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.on('close', cancel);
  try {
    if (openAtOnce) {
      res.writeHead(response.status, head);
      res.flushHeaders();
    }
    let current = await reader.read();
    while (!current.done && !res.destroyed) {
      const pending = reader.read();
      const next = await readNow(pending);
      if (next?.done) {
        if (!res.headersSent)
          res.writeHead(response.status, {
            ...head,
            'content-length': String(current.value.length),
          });
        res.end(current.value);
        return;
      }
      if (!res.headersSent) res.writeHead(response.status, head);
      res.write(current.value);
      current = next ?? (await pending);
    }
    if (!res.headersSent) res.writeHead(response.status, head);
    res.end();
  } finally {
    res.off('close', cancel);
    cancel();
  }
}

/** Stateful streamable HTTP on node:http: one transport and McpServer per session. */
async function serveHttp(host, port) {
  const sessions = new Map();
  const httpServer = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const parsedBody = req.method === 'POST' ? await readJson(req) : undefined;
      const headers = new Headers();
      const raw = req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      const request = new Request(`http://localhost${req.url}`, { method: req.method, headers });
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (!transport) {
        if (id !== undefined || !isInitializeRequest(parsedBody)) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}',
          );
          return;
        }
        const created = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: false,
          onsessioninitialized: (sessionId) => sessions.set(sessionId, created),
          onsessionclosed: (sessionId) => sessions.delete(sessionId),
        });
        created.onclose = () => created.sessionId && sessions.delete(created.sessionId);
        await newServer().connect(created);
        transport = created;
      }
      const response = await transport.handleRequest(request, { parsedBody });
      await writeResponse(response, res, req.method === 'GET');
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    }
  });
  await new Promise((resolve) => httpServer.listen(port, host, resolve));
  const address = httpServer.address();
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  process.stderr.write(`${JSON.stringify({ url: `http://${shown}:${address.port}/mcp` })}\n`);
  const stop = () => {
    for (const transport of sessions.values()) void transport.close();
    httpServer.close();
    httpServer.closeAllConnections();
    agent.destroy();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The same server over stdio. */
async function serveStdio() {
  const transport = new StdioServerTransport();
  transport.onclose = () => agent.destroy();
  process.stdin.once('end', () => void transport.close());
  await newServer().connect(transport);
}

const [mode = 'stdio', ...args] = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
if (mode === 'http') await serveHttp(option('--host', '127.0.0.1'), Number(option('--port', '0')));
else if (mode === 'stdio') await serveStdio();
else {
  process.stderr.write('usage: node bench/floor-server.mjs http [--port N] [--host H] | [stdio]\n');
  process.exit(2);
}
