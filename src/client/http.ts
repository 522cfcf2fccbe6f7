/**
 * The HTTP layer under openapi-fetch: a fetch-compatible function over undici's `request()` API.
 * openapi-fetch needs a `fetch(request)`; undici's own fetch works but builds WHATWG streams,
 * Request/Response objects and an abort signal for every call, which measured at about 0.25 ms of
 * CPU per Vault request (see bench/). `request()` does the same HTTP work on the same connection
 * pool without that. Only the members openapi-fetch reads are provided.
 */
import { Agent, interceptors, request as undiciRequest, type Dispatcher } from 'undici';

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

/** A response with the members openapi-fetch reads (status, ok, headers, text/json/arrayBuffer). */
class VaultResponse {
  readonly ok: boolean;
  readonly headers: Headers;
  readonly status: number;
  readonly #body: Dispatcher.ResponseData['body'];

  constructor(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: Dispatcher.ResponseData['body'],
  ) {
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

  text(): Promise<string> {
    return this.#body.text();
  }

  json(): Promise<unknown> {
    return this.#body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.arrayBuffer();
  }
}

export interface PoolOptions {
  readonly connect: NonNullable<Agent.Options['connect']>;
  /** Milliseconds to wait for the response headers, and between body chunks. */
  readonly timeoutMs: number;
}

/**
 * A keep-alive connection pool and a fetch over it. Vault standby nodes answer with redirects to
 * the active node; up to 3 are followed.
 */
export function createPool(options: PoolOptions): {
  fetch: (request: Request) => Promise<Response>;
  close: () => Promise<void>;
} {
  const agent = new Agent({ keepAliveTimeout: 30_000, connect: options.connect });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }));
  const fetch = async (input: Request): Promise<Response> => {
    const request = input as unknown as VaultRequest;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const response = await undiciRequest(request.url, {
      method: request.method as Dispatcher.HttpMethod,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      dispatcher,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    // openapi-fetch reads no body for these; undici needs it consumed to reuse the connection.
    if (response.statusCode === 204 || response.headers['content-length'] === '0')
      await response.body.dump();
    // Narrow cast: openapi-fetch reads only the members VaultResponse has.
    return new VaultResponse(
      response.statusCode,
      response.headers,
      response.body,
    ) as unknown as Response;
  };
  return { fetch, close: () => agent.close() };
}
