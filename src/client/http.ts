/**
 * The HTTP layer under openapi-fetch: a fetch-compatible function over Node's own `node:http` /
 * `node:https` clients and their keep-alive agents. openapi-fetch needs a `fetch(request)`; the
 * global fetch works but builds WHATWG streams, Request/Response objects and an abort signal for
 * every call (about 0.25 ms of CPU per Vault request, see bench/), and undici's `request()`, which
 * served here before, costs ~90 ms and ~18 MiB at start-up to load. Only the members openapi-fetch
 * reads are provided.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';

/** A keep-alive agent and the `request` function of its module (node:http or node:https). */
interface Connector {
  readonly agent: HttpAgent;
  readonly request: typeof httpRequest;
}

/** What openapi-fetch constructs with `new Request(url, init)`: the parts this fetch reads. */
export class VaultRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;

  constructor(
    url: string,
    init: {
      method?: string;
      headers?: ConstructorParameters<typeof Headers>[0];
      body?: unknown;
    } = {},
  ) {
    this.url = url;
    this.method = (init.method ?? 'GET').toUpperCase();
    this.headers = new Headers(init.headers);
    this.body =
      typeof init.body === 'string'
        ? init.body
        : init.body === undefined || init.body === null
          ? undefined
          : String(init.body);
  }
}

/**
 * A response with the members openapi-fetch reads (status, ok, headers, text/json/arrayBuffer).
 * The body is read as it arrives, whether or not anyone asks for it, so the connection always goes
 * back to the pool (openapi-fetch reads nothing for a 204 or `content-length: 0`).
 */
class VaultResponse {
  readonly ok: boolean;
  readonly headers: Headers;
  readonly status: number;
  readonly #body: Promise<Buffer>;

  constructor(status: number, headers: IncomingHttpHeaders, body: Promise<Buffer>) {
    this.status = status;
    this.ok = status >= 200 && status < 300;
    const flat = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) flat.append(name, v);
    }
    this.headers = flat;
    this.#body = body;
  }

  async text(): Promise<string> {
    return (await this.#body).toString('utf8');
  }

  /** @throws SyntaxError when the body is not JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#body;
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
}

/** TLS settings for every HTTPS connection of a pool (Node's `tls.connect` options of the same names). */
export interface PoolTlsOptions {
  /** PEM CA certificates to trust instead of Node's bundled list. */
  readonly ca?: string[];
  /** PEM client certificate and key for TLS client authentication. */
  readonly cert?: string;
  readonly key?: string;
  /** The name to send as SNI and to check the certificate against, instead of the URL's host. */
  readonly servername?: string;
  /** False to accept any certificate (VAULT_SKIP_VERIFY). */
  readonly rejectUnauthorized: boolean;
}

export interface PoolOptions {
  readonly tls: PoolTlsOptions;
  /** Milliseconds to wait for the response headers, and between body chunks. */
  readonly timeoutMs: number;
}

/** Redirects followed per request, as undici's redirect interceptor was configured before. */
export const MAX_REDIRECTS = 3;
/** Idle keep-alive connections are closed after this many milliseconds. */
const IDLE_MS = 30_000;
const REDIRECT_STATUS = new Set([300, 301, 302, 303, 307, 308]);

/** A failure of this layer itself; `code` is what VaultConnectionError shows. */
class HttpLayerError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** One request on the wire: what a redirect changes. */
interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * A keep-alive connection pool and a fetch over it. Vault standby nodes answer with redirects to
 * the active node; up to {@link MAX_REDIRECTS} are followed like undici's redirect interceptor did
 * (301/302 turn a POST into a body-less GET, 303 turns anything but HEAD into one and drops the
 * `content-*` headers; `host` is dropped, and `authorization`/`cookie` on a change of origin, but
 * X-Vault-Token is kept so the token reaches the active node, as Vault's own client does). One
 * more is an error (code ERR_TOO_MANY_REDIRECTS), so is a redirect to a non-http(s) URL or from
 * https to http (ERR_REDIRECT_REFUSED; Vault's client refuses that downgrade too).
 * A timeout rejects with an error named `TimeoutError`. `close()` destroys every socket.
 */
export function createPool(options: PoolOptions): {
  fetch: (request: Request) => Promise<Response>;
  close: () => Promise<void>;
} {
  const plain: Connector = {
    agent: new HttpAgent({ keepAlive: true, timeout: IDLE_MS }),
    request: httpRequest,
  };
  let secure: Promise<Connector> | undefined;
  // node:https (and tls) load only when an https address is used.
  const connectorFor = (url: URL): Connector | Promise<Connector> => {
    if (url.protocol === 'http:') return plain;
    secure ??= import('node:https').then(({ Agent, request }) => ({
      agent: new Agent({ keepAlive: true, timeout: IDLE_MS, ...options.tls }),
      request,
    }));
    return secure;
  };
  const fetch = async (input: Request): Promise<Response> => {
    // Narrow cast: openapi-fetch builds its requests with the paired VaultRequest class.
    const request = input as unknown as VaultRequest;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let hop: Hop = {
      url: new URL(request.url),
      method: request.method,
      headers,
      body: request.body,
    };
    for (let redirects = 0; ; redirects++) {
      const response = await send(hop, await connectorFor(hop.url), options);
      const location = REDIRECT_STATUS.has(response.status)
        ? response.headers.get('location')
        : null;
      // Narrow cast: openapi-fetch reads only the members VaultResponse has.
      if (location === null) return response as unknown as Response;
      if (redirects === MAX_REDIRECTS) {
        throw new HttpLayerError(
          'ERR_TOO_MANY_REDIRECTS',
          `more than ${MAX_REDIRECTS} redirects; the last one pointed to ${new URL(location, hop.url).href}`,
        );
      }
      hop = redirected(hop, response.status, location);
    }
  };
  const close = async (): Promise<void> => {
    plain.agent.destroy();
    (await secure)?.agent.destroy();
  };
  return { fetch, close };
}

/** The request to send after `status` with `location`, per the rules in {@link createPool}. */
function redirected(hop: Hop, status: number, location: string): Hop {
  const url = new URL(location, hop.url);
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (hop.url.protocol === 'https:' && url.protocol === 'http:')
  ) {
    throw new HttpLayerError(
      'ERR_REDIRECT_REFUSED',
      `refused a redirect from ${hop.url.origin} to ${url.protocol}//${url.host}: only http(s), and never from https to http`,
    );
  }
  const toGet =
    ((status === 301 || status === 302) && hop.method === 'POST') ||
    (status === 303 && hop.method !== 'HEAD');
  const otherOrigin = url.origin !== hop.url.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (name === 'host') continue;
    if (status === 303 && name.startsWith('content-')) continue;
    if (otherOrigin && ['authorization', 'cookie', 'proxy-authorization'].includes(name)) continue;
    headers[name] = value;
  }
  return {
    url,
    method: toGet ? 'GET' : hop.method,
    headers,
    body: toGet ? undefined : hop.body,
  };
}

/**
 * One request and its answer. Resolves when the headers arrive; the body keeps arriving into the
 * response. Nothing is re-sent here (the client retries idempotent reads itself).
 */
function send(hop: Hop, connector: Connector, options: PoolOptions): Promise<VaultResponse> {
  return new Promise((resolve, reject) => {
    const timedOut = (): Error =>
      Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), {
        name: 'TimeoutError',
      });
    let response: IncomingMessage | undefined;
    const req = connector.request(hop.url, {
      method: hop.method,
      headers: hop.headers,
      agent: connector.agent,
      timeout: options.timeoutMs,
    });
    req.on('timeout', () => {
      const error = timedOut();
      response?.destroy(error);
      req.destroy(error);
    });
    req.on('error', (error) => {
      if (!response) reject(error); // after the headers, the body's promise reports it
    });
    req.on('response', (res: IncomingMessage) => {
      response = res;
      resolve(new VaultResponse(res.statusCode ?? 0, res.headers, readBody(res)));
    });
    req.end(hop.body);
  });
}

/** The whole body of `res`; a timeout or a closed connection mid-body rejects. */
function readBody(res: IncomingMessage): Promise<Buffer> {
  const body = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    res.on('error', (error: Error & { code?: string }) => {
      reject(
        error.name === 'TimeoutError'
          ? error
          : new HttpLayerError(
              error.code ?? 'ECONNRESET',
              'the connection closed before the whole answer arrived',
            ),
      );
    });
  });
  // Unread bodies (openapi-fetch reads none for a 204) must not become unhandled rejections.
  body.catch(() => undefined);
  return body;
}
