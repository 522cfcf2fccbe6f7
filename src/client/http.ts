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
  type RequestOptions,
} from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { HeadersView } from './headers-view.js';

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
  /** Aborting it destroys the request (see {@link createPool}), unless `stopsWith` says no. */
  readonly signal: AbortSignal | undefined;
  /**
   * When set, `signal` aborts the request only while `stopsWith.stopping` is true (read when the
   * signal aborts, and before sending): a client's RequestScope, whose reads stop with the call
   * unless one of its writes was sent. One object per call, instead of an AbortController.
   */
  readonly stopsWith: { readonly stopping: boolean } | undefined;
  /**
   * The client's own headers (token, namespace, `x-vault-request`; names in lower case), sent
   * before `headers`, which win on a clash. Given to openapi-fetch as a client option, not as its
   * `headers`: it would build a WHATWG Headers of them for every request (~30 µs cold). A private
   * field behind a getter, so that no dump of the request (a log, JSON) shows the token.
   */
  get vaultHeaders(): Readonly<Record<string, string>> | undefined {
    return this.#vaultHeaders;
  }
  readonly #vaultHeaders: Readonly<Record<string, string>> | undefined;

  constructor(
    url: string,
    init: {
      method?: string;
      headers?: ConstructorParameters<typeof Headers>[0];
      body?: unknown;
      signal?: AbortSignal | null;
      stopsWith?: { readonly stopping: boolean };
      vaultHeaders?: Readonly<Record<string, string>>;
    } = {},
  ) {
    this.url = url;
    this.#vaultHeaders = init.vaultHeaders;
    this.signal = init.signal ?? undefined;
    this.stopsWith = init.stopsWith;
    this.method = (init.method ?? 'GET').toUpperCase();
    // openapi-fetch passes the Headers it built: read as they are, not copied.
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
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
    // Narrow cast: openapi-fetch and this layer read only get() of a response's headers.
    this.headers = new HeadersView(headers) as unknown as Headers;
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
  /**
   * Milliseconds one request may take in all, from sending it to the last byte of the answer
   * (like Go's `http.Client.Timeout` under Vault's VAULT_CLIENT_TIMEOUT), redirect included.
   */
  readonly timeoutMs: number;
}

/** Redirects followed per request: one, as Vault's own Go client (`api.Client`) follows. */
export const MAX_REDIRECTS = 1;
/** The statuses followed, keeping the method and the body: Vault's client's three. */
const FOLLOWED_STATUS = new Set([301, 302, 307]);
/** Redirect statuses: with a Location, any other than {@link FOLLOWED_STATUS} is refused. */
const REDIRECT_STATUS = new Set([300, 301, 302, 303, 307, 308]);
/**
 * Bytes of one answer body at most: far above any real Vault answer (a LIST of 100,000 keys is
 * ~5 MB; Vault's own `max_request_size` is 32 MiB), low enough that no answer exhausts memory.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Idle keep-alive connections are closed after this many milliseconds. */
const IDLE_MS = 30_000;

/** A failure of this layer itself; `code` is what VaultConnectionError shows. */
class HttpLayerError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * An answer this layer refuses to take (a redirect it does not follow, a body over
 * {@link MAX_BODY_BYTES}). Not a connection problem, so never retried: the client turns it into a
 * VaultProtocolError. `message` continues "Vault answered GET /v1/<path> …", e.g. `with a body
 * larger than 64 MiB`; it names at most a Location's origin, never its path or query.
 */
export class RefusedAnswerError extends Error {
  override name = 'RefusedAnswerError';
  /** `ERR_REDIRECT_REFUSED` or `ERR_BODY_TOO_LARGE`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Characters WHATWG URL parsing leaves as they are in a path and a query: unreserved, sub-delims,
 * `: @ % / ?`. Not `'` (a special URL's query encodes it), `#`, `\\`, spaces or controls.
 */
const KEPT_AS_IS = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
/** A `.` or `..` segment, spelled with `.` or `%2e` as WHATWG URL parsing recognizes them. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:[/?]|$)/i;

/**
 * Absolute URLs as node:http request options (protocol, hostname, port, path and auth, as
 * `urlToHttpOptions(new URL(url))` gives them). Parsing a URL costs tens of microseconds on every
 * Vault request; a pool sends nearly all of them to one origin, so the origin is parsed once
 * (the last one kept) and a path and query that parsing would leave as they are (no dot segment,
 * only {@link KEPT_AS_IS} characters, not an empty query, which parsing drops) are used as given. Any other URL is parsed whole, so dot
 * segments, backslashes and unencoded characters are normalized as by `new URL`.
 * @throws TypeError (ERR_INVALID_URL) for a string that is not an absolute URL.
 */
export class RequestTargets {
  #origin: { text: string; options: RequestOptions } | undefined;

  of(url: string): RequestOptions {
    const start = url.indexOf('//');
    const slash = start < 0 ? -1 : url.indexOf('/', start + 2);
    const text = slash < 0 ? '' : url.slice(0, slash);
    const rest = slash < 0 ? '' : url.slice(slash);
    if (
      !PLAIN_ORIGIN.test(text) ||
      !KEPT_AS_IS.test(rest) ||
      DOT_SEGMENT.test(rest) ||
      rest.endsWith('?')
    )
      return targetOf(new URL(url));
    if (this.#origin?.text !== text)
      this.#origin = { text, options: targetOf(new URL(`${text}/`)) };
    return { ...this.#origin.options, path: rest };
  }
}

/** A scheme and an authority with nothing after it that could start a path, query or fragment. */
const PLAIN_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]+$/i;

/** What node:http reads of a URL: protocol, hostname (no brackets), port, path and query, auth. */
function targetOf(url: URL): RequestOptions {
  const { protocol, hostname, port, path, auth } = urlToHttpOptions(url);
  return { protocol, hostname, port, path, ...(auth !== undefined ? { auth } : {}) };
}

/** One request on the wire: what a redirect changes. */
interface Hop {
  /** The absolute URL, as sent: see {@link requestTarget}. */
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * A keep-alive connection pool and a fetch over it. Vault standby nodes answer with redirects to
 * the active node; as Vault's own Go client (`api.Client.rawRequestWithContext`) does, one
 * redirect with status 301, 302 or 307 is followed with the same method, headers and body (a write
 * stays a write, with X-Vault-Token, on any host; `authorization`/`cookie` are dropped on a change
 * of origin). Anything else with a Location rejects with a {@link RefusedAnswerError} (code
 * ERR_REDIRECT_REFUSED) and is not sent on: a second redirect, a 300/303/308, a Location that is
 * not http(s) or goes from https to http (Vault's client refuses that downgrade too).
 * A body over {@link MAX_BODY_BYTES} (by `content-length` or as it arrives) destroys the socket
 * and rejects with a RefusedAnswerError (ERR_BODY_TOO_LARGE). A request not answered in full
 * within `timeoutMs` rejects with an error named `TimeoutError`. A request whose `signal` aborts
 * before the whole answer arrived rejects with an error named `AbortError`, and its socket is
 * destroyed, never returned to the pool half-read; one aborted before it is sent is not sent.
 * `close()` destroys every socket.
 */
export function createPool(options: PoolOptions): {
  fetch: (request: Request) => Promise<Response>;
  close: () => Promise<void>;
} {
  const plain: Connector = {
    agent: new HttpAgent({ keepAlive: true, timeout: IDLE_MS }),
    request: httpRequest,
  };
  const targets = new RequestTargets();
  let secure: Promise<Connector> | undefined;
  // node:https (and tls) load only when an https address is used.
  const connectorFor = (target: RequestOptions): Connector | Promise<Connector> => {
    if (target.protocol === 'http:') return plain;
    secure ??= import('node:https').then(({ Agent, request }) => ({
      agent: new Agent({ keepAlive: true, timeout: IDLE_MS, ...options.tls }),
      request,
    }));
    return secure;
  };
  const fetch = async (input: Request): Promise<Response> => {
    // Narrow cast: openapi-fetch builds its requests with the paired VaultRequest class.
    const request = input as unknown as VaultRequest;
    const headers: Record<string, string> = { ...request.vaultHeaders };
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let hop: Hop = { url: request.url, method: request.method, headers, body: request.body };
    const deadline = Date.now() + options.timeoutMs;
    const cancel = request.signal ? { signal: request.signal, stopsWith: request.stopsWith } : {};
    for (let redirects = 0; ; redirects++) {
      const target = targets.of(hop.url);
      const response = await send(hop, target, await connectorFor(target), {
        timeoutMs: options.timeoutMs,
        deadline,
        ...cancel,
      });
      const location = REDIRECT_STATUS.has(response.status)
        ? response.headers.get('location')
        : null;
      // Narrow cast: openapi-fetch reads only the members VaultResponse has.
      if (location === null) return response as unknown as Response;
      hop = redirected(hop, response.status, location, redirects);
    }
  };
  const close = async (): Promise<void> => {
    plain.agent.destroy();
    (await secure)?.agent.destroy();
  };
  return { fetch, close };
}

/**
 * The request to send after a redirect answer (`status`, `location`) to the request `hop`, when
 * `followed` redirects came before it, per the rules in {@link createPool}.
 * @throws RefusedAnswerError (ERR_REDIRECT_REFUSED) for a redirect not followed.
 */
function redirected(hop: Hop, status: number, location: string, followed: number): Hop {
  const from = new URL(hop.url);
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    throw refusedRedirect(status, 'an address that is not a URL', 'refused');
  }
  // Scheme and host only: the Location's path and query may carry anything.
  const target = `${url.protocol}//${url.host}`;
  if (!FOLLOWED_STATUS.has(status))
    throw refusedRedirect(
      status,
      target,
      "not followed: only 301, 302 and 307 are, keeping the method and body, as by Vault's own client",
    );
  if (followed >= MAX_REDIRECTS)
    throw refusedRedirect(
      status,
      target,
      `not followed: it came after ${followed} redirect${followed === 1 ? '' : 's'}, and only ${MAX_REDIRECTS} is followed, as by Vault's own client`,
    );
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (from.protocol === 'https:' && url.protocol === 'http:')
  )
    throw refusedRedirect(status, target, 'refused: only http(s), and never from https to http');
  const otherOrigin = url.origin !== from.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (name === 'host') continue;
    if (otherOrigin && ['authorization', 'cookie', 'proxy-authorization'].includes(name)) continue;
    headers[name] = value;
  }
  return { url: url.href, method: hop.method, headers, body: hop.body };
}

function refusedRedirect(status: number, target: string, why: string): RefusedAnswerError {
  return new RefusedAnswerError(
    'ERR_REDIRECT_REFUSED',
    `with a redirect (${status}) to ${target}, ${why}; the request was not sent there`,
  );
}

function tooLarge(): RefusedAnswerError {
  return new RefusedAnswerError(
    'ERR_BODY_TOO_LARGE',
    `with a body larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB, the most vault-mcp reads (no real Vault answer comes near it); the rest was not read`,
  );
}

/** The error an aborted request rejects with (the name `fetch` uses). */
function aborted(): Error {
  return Object.assign(new Error('the request was aborted'), { name: 'AbortError' });
}

/** When and how a request of {@link send} ends early. */
interface SendLimits {
  readonly timeoutMs: number;
  /** Epoch milliseconds. */
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  /** See {@link VaultRequest.stopsWith}. */
  readonly stopsWith?: { readonly stopping: boolean } | undefined;
}

/**
 * One request and its answer (`target`: where `hop` goes, see {@link RequestTargets}). Resolves
 * when the headers arrive; the body keeps arriving into the response. At `limits.deadline` the
 * request, or the body still arriving, is destroyed with an error named `TimeoutError` that states
 * `limits.timeoutMs`; when `limits.signal` aborts first (and `stopsWith`, if set, is stopping),
 * with an error named `AbortError` (one aborted already is not sent). Destroying the request
 * destroys its socket: it never goes back to the pool half-read. Nothing is re-sent here (the
 * client retries idempotent reads itself).
 */
function send(
  hop: Hop,
  target: RequestOptions,
  connector: Connector,
  limits: SendLimits,
): Promise<VaultResponse> {
  const { timeoutMs, deadline, signal, stopsWith } = limits;
  const stops = (): boolean => stopsWith === undefined || stopsWith.stopping;
  if (signal?.aborted && stops()) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const req = connector.request({
      ...target,
      method: hop.method,
      headers: hop.headers,
      agent: connector.agent,
    });
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error): void => {
      done();
      response?.destroy(error);
      req.destroy(error);
    };
    const onAbort = (): void => {
      if (stops()) fail(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        fail(
          Object.assign(new Error(`no whole answer within ${timeoutMs} ms`), {
            name: 'TimeoutError',
          }),
        ),
      Math.max(0, deadline - Date.now()),
    );
    req.on('error', (error) => {
      done();
      if (!response) reject(error); // after the headers, the body's promise reports it
    });
    req.on('response', (res: IncomingMessage) => {
      response = res;
      const length = Number(res.headers['content-length']);
      if (length > MAX_BODY_BYTES) {
        const error = tooLarge();
        fail(error);
        reject(error);
        return;
      }
      const body = readBody(res, fail);
      body.then(done, done);
      resolve(new VaultResponse(res.statusCode ?? 0, res.headers, body));
    });
    req.end(hop.body);
  });
}

/**
 * The whole body of `res`; a timeout, an abort, a closed connection mid-body or a body over
 * {@link MAX_BODY_BYTES} (then `fail` destroys the request with it) rejects.
 */
function readBody(res: IncomingMessage, fail: (error: Error) => void): Promise<Buffer> {
  const body = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        chunks.length = 0;
        fail(tooLarge());
      } else chunks.push(chunk);
    });
    res.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    res.on('error', (error: Error & { code?: string }) => {
      reject(
        error.name === 'TimeoutError' ||
          error.name === 'AbortError' ||
          error instanceof RefusedAnswerError
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
