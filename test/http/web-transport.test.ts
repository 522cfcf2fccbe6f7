/**
 * serveWeb, the bridge from node:http to the SDK's web-standard transport, on a real socket: an
 * answer's stream is cancelled however the client left, and a Host header the URL parser refuses
 * is not an error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { describe, expect, it } from 'vitest';
import { serveWeb } from '../../src/transports/http/web-transport.js';

/** A stand-in for the transport (narrow cast: serveWeb calls only handleRequest). */
function transportAnswering(
  answer: () => Response,
  seen: (request: Request) => void = () => undefined,
): WebStandardStreamableHTTPServerTransport {
  return {
    handleRequest: async (request: Request) => {
      seen(request);
      return answer();
    },
  } as unknown as WebStandardStreamableHTTPServerTransport;
}

/** One request of `raw` bytes to a server whose handler is `handle`; resolves with what it did. */
async function oneRequest<T>(
  raw: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<T>,
  hangUpFirst: boolean,
): Promise<{ result: T; reply: string }> {
  let finish: (value: T) => void = () => undefined;
  const done = new Promise<T>((resolve) => (finish = resolve));
  const server = createServer((req, res) => {
    const run = (): void => void handle(req, res).then(finish);
    // The client is gone before serveWeb runs (as when a Redis round trip came first).
    if (hangUpFirst) res.once('close', run);
    else run();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let reply = '';
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(raw);
    if (hangUpFirst) socket.end();
  });
  socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const result = await done;
  // A request with `Connection: close` is over when the server has closed the socket.
  if (!hangUpFirst) await closed;
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { result, reply };
}

describe('serveWeb', () => {
  it("cancels the answer's stream when the client left before it was written", async () => {
    let cancelled = false;
    const silent = (): Response =>
      new Response(
        new ReadableStream({
          cancel: () => {
            cancelled = true;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const { result } = await oneRequest(
      'GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      async (req, res) => {
        await serveWeb(transportAnswering(silent), req, res, undefined);
        return cancelled;
      },
      true,
    );
    expect(result).toBe(true);
  });

  it('builds the request from the path alone: a Host with an impossible port is answered, not a 500', async () => {
    let url = '';
    const { reply } = await oneRequest(
      'POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:99999\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      async (req, res) => {
        await serveWeb(
          transportAnswering(
            () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }),
            (request) => (url = request.url),
          ),
          req,
          res,
          {},
        );
        return undefined;
      },
      false,
    );
    expect(url).toBe('http://localhost/mcp?x=1');
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply.endsWith('{"ok":true}')).toBe(true);
  });

  it('keeps only the path of an absolute-form target, and lets Node decide the connection headers', async () => {
    let url = '';
    const { reply } = await oneRequest(
      'POST http://evil.example/mcp?y=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      async (req, res) => {
        await serveWeb(
          transportAnswering(
            () =>
              new Response('data: {}\n\n', {
                headers: { 'content-type': 'text/event-stream', connection: 'keep-alive' },
              }),
            (request) => (url = request.url),
          ),
          req,
          res,
          {},
        );
        return undefined;
      },
      false,
    );
    expect(url).toBe('http://localhost/mcp?y=2');
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(reply.toLowerCase()).not.toContain('keep-alive');
  });
});
