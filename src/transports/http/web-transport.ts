/**
 * The SDK's web-standard streamable-HTTP transport served on node:http. The SDK's own Node wrapper
 * (StreamableHTTPServerTransport, over @hono/node-server) flushes an event stream's headers before
 * the first event and ends the stream in a write of its own: a read_secret answer cost three
 * socket writes (headers, the event, the end chunk) and a Node-to-web request conversion per
 * POST. Here the request's method, URL and headers are handed over in a view with the members the
 * transport reads (the body is already parsed), and the transport's Response goes out with the fewest writes that keep its meaning: an
 * answer complete with its first event is one write; each later event is written as it comes;
 * a GET's stream opens at once. JSON-RPC and sessions stay the SDK's.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ReadableStreamReadResult } from 'node:stream/web';
import { HeadersView } from '../../client/headers-view.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

/**
 * Hand `req` (its body already parsed into `parsedBody`) to `transport` and write the answer to
 * `res`. Resolves when the answer is written or the client went away.
 * @throws what transport.handleRequest throws (a stateless transport used twice).
 */
export async function serveWeb(
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse,
  parsedBody: unknown,
): Promise<void> {
  // The transport reads no part of the URL but the path; a Host header Node accepts but the URL
  // parser does not (`127.0.0.1:99999`) must not turn into a 500, so the origin is fixed.
  // The absolute form (`POST http://host/mcp HTTP/1.1`) keeps only its path and query.
  const target = req.originalUrl ?? req.url ?? '/';
  const path = target.startsWith('/') ? target : pathOf(target);
  const request = new RequestView(req.method ?? 'GET', `http://localhost${path}`, req.headers);
  // Narrow cast: the transport reads only method, url, headers (get, entries) and body of its
  // Request (SDK 1.x webStandardStreamableHttp.js); a RequestView has those.
  const response = await transport.handleRequest(request as unknown as Request, { parsedBody });
  await writeResponse(response, res, req.method === 'GET');
}

/**
 * The parts of a web Request the transport reads; the body is already parsed (null here). Building
 * a real Request and Headers per POST cost ~3.5% of the server's CPU per read_secret (bench/).
 */
class RequestView {
  readonly headers: HeadersView;
  readonly body = null;
  constructor(
    readonly method: string,
    readonly url: string,
    headers: IncomingHttpHeaders,
  ) {
    this.headers = new HeadersView(headers);
  }
}

/** The path and query of an absolute-form request target; `/` when it is not a URL. */
function pathOf(target: string): string {
  try {
    const parsed = new URL(target);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return '/';
  }
}

/** Hop-by-hop headers (RFC 9110 7.6.1): Node decides them for its own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

type Read = ReadableStreamReadResult<Uint8Array>;

/** The next read when it is ready within this turn of the microtask queue, else undefined. */
function readNow(pending: Promise<Read>): Promise<Read | undefined> {
  return Promise.race([pending, Promise.resolve().then(() => undefined)]);
}

/** Resolves when `res` can take more (drain) or is gone (close). */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Write a web Response to `res`. `openAtOnce`: send the headers before the first event (a GET's
 * standalone stream, which may stay silent for long); otherwise they go with the first event,
 * which the transport's keep-alive comment bounds to 15 s.
 */
async function writeResponse(
  response: Response,
  res: ServerResponse,
  openAtOnce: boolean,
): Promise<void> {
  const head: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) head[name] = value;
  });
  const body = response.body;
  if (!body) {
    res.writeHead(response.status, head).end();
    return;
  }
  const reader = body.getReader();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  res.on('close', cancel);
  try {
    // Gone before we listened (a Redis round trip or the SDK's work came first): 'close' will not
    // fire again, and the finally below cancels the stream so the SDK forgets it.
    if (res.destroyed) return;
    if (openAtOnce) {
      res.writeHead(response.status, head);
      res.flushHeaders();
    }
    let current: Read = await reader.read();
    while (!current.done && !res.destroyed) {
      const pending = reader.read();
      const next = await readNow(pending);
      if (next?.done) {
        // The last chunk: with the headers (and a length) when they are not out yet, and the end.
        if (!res.headersSent)
          res.writeHead(response.status, {
            ...head,
            'content-length': String(current.value.length),
          });
        res.end(current.value);
        return;
      }
      if (!res.headersSent) res.writeHead(response.status, head);
      if (!res.write(current.value)) await writable(res);
      current = next ?? (await pending);
    }
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(response.status, head);
    res.end();
  } catch (error) {
    res.destroy(error instanceof Error ? error : undefined);
  } finally {
    res.off('close', cancel);
    // Whatever ended the loop, the stream is cancelled (a no-op once it is done): a GET stream left
    // open would keep its session's one standalone stream taken (409 to every later GET).
    cancel();
  }
}
