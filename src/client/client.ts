/**
 * The typed Vault client: openapi-fetch over the generated `paths` types, plus what Vault's
 * document does not describe (SPEC-NOTES §3.3-3.5): token and namespace headers, a path serializer
 * that keeps `/` in secret paths, the response envelope unwrapped, merge-patch for PATCH, PEM/DER
 * bodies, typed errors, a per-request timeout, and bounded retries of idempotent reads.
 */
import createClient, {
  createQuerySerializer,
  type Client,
  type ClientOptions,
  type ClientPathsWithMethod,
  type FetchResponse,
  type MaybeOptionalInit,
} from 'openapi-fetch';
import { createPool, RefusedAnswerError, VaultRequest } from './http.js';
import type { paths } from '../../generated/vault-api.js';
import {
  VaultCancelledError,
  VaultConfigError,
  VaultConnectionError,
  VaultError,
  VaultResponseError,
  VaultTimeoutError,
  VaultProtocolError,
  VaultInputError,
} from './errors.js';
import { collapseSlashes, fillPathTemplate, serializeVaultPath } from './paths.js';
import type { NarrowOf, Refine } from './responses.js';
import { tokenProblem } from './token.js';
import { MIN_REDACTABLE_TOKEN, tokenScrubber } from './token-text.js';

/** TLS settings for the connection to Vault (the CLI's VAULT_CACERT, VAULT_CLIENT_CERT, ...). */
export interface VaultTlsOptions {
  /** PEM CA certificate(s) to trust instead of the system store. */
  readonly caCert?: string | readonly string[];
  /** PEM client certificate and key for TLS client authentication. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  /** SNI / certificate name to verify instead of the address's host. */
  readonly serverName?: string;
  /** Skip certificate verification (VAULT_SKIP_VERIFY). Never use outside a lab. */
  readonly insecureSkipVerify?: boolean;
}

export interface VaultClientOptions {
  /** Vault address without `/v1`, e.g. `https://vault.example.com:8200`. */
  readonly address: string;
  /** Sent as `X-Vault-Token`; omit for unauthenticated endpoints only. */
  readonly token?: string | undefined;
  /** Sent as `X-Vault-Namespace` (Vault Enterprise / OpenBao namespaces). */
  readonly namespace?: string | undefined;
  readonly tls?: VaultTlsOptions | undefined;
  /**
   * Deadline of one request in milliseconds, from sending it to the last byte of the answer (a
   * redirect included; each retry gets its own), like Go's `http.Client.Timeout` under the CLI's
   * VAULT_CLIENT_TIMEOUT: a server trickling its answer is cut off too. Default 60000 (the CLI's).
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Retries of GET/LIST requests after a connection error or a 502/503/504 (not "sealed"),
   * with exponential backoff from 100 ms; default 2 (the CLI's VAULT_MAX_RETRIES). Writes never retry.
   */
  readonly maxRetries?: number | undefined;
  /** A fetch to use instead of the built-in pool over node:http (tests, proxies). It receives a standard Request. */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
}

/** The envelope Vault wraps every JSON answer in (the document describes only its `data`). */
export interface VaultEnvelope {
  readonly request_id?: string;
  readonly lease_id?: string;
  readonly renewable?: boolean;
  /** Seconds. */
  readonly lease_duration?: number;
  readonly data?: unknown;
  readonly wrap_info?: unknown;
  readonly warnings?: readonly string[] | null;
  readonly auth?: unknown;
  readonly mount_type?: string;
}

/** A successful answer: `data` is the envelope's `data` (JSON), the text (PEM) or the bytes (DER). */
export interface VaultResult<T> {
  readonly data: T;
  readonly status: number;
  readonly warnings: readonly string[];
  /** The whole envelope for JSON answers; undefined for 204 and raw bodies. */
  readonly envelope: VaultEnvelope | undefined;
}

type Paths = paths;
type HttpMethod = 'get' | 'post' | 'patch' | 'delete';
type PathsFor<M extends HttpMethod> = ClientPathsWithMethod<Client<Paths>, M>;
type OperationOf<P extends keyof Paths, M extends HttpMethod> =
  Paths[P] extends Record<M, infer O> ? O : never;
type InitOf<P extends keyof Paths, M extends HttpMethod> = MaybeOptionalInit<Paths[P], M>;
type InitArgs<I> = undefined extends I ? [init?: I] : [init: I];
/** The inner `data` type the document declares for a 2xx answer (unknown where it declares none). */
export type DocumentData<P extends keyof Paths, M extends HttpMethod> =
  OperationOf<P, M> extends Record<string | number, unknown>
    ? NonNullable<
        FetchResponse<OperationOf<P, M>, object, 'application/json'>['data']
      > extends infer D
      ? [D] extends [never]
        ? unknown
        : [keyof D] extends [never]
          ? unknown
          : D
      : unknown
    : unknown;

/**
 * The answer type a typed call returns: the document's, refined by the client's narrow type where
 * the document leaves fields untyped (src/client/responses.ts).
 */
export type ResponseData<P extends keyof Paths, M extends HttpMethod> = Refine<
  DocumentData<P, M>,
  NarrowOf<P, M>
>;

/** Options of an untyped call (the generated `api` tools, whose paths are only known at run time). */
export interface RawRequest {
  /** Path-parameter values by name. */
  readonly path?: Record<string, string | number | undefined>;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly parseAs?: 'json' | 'text' | 'arrayBuffer';
  /** True for LIST: sends `list=true` and reports the method as LIST in errors. */
  readonly list?: boolean;
  /** Do not retry this read (health probes). */
  readonly noRetry?: boolean;
}

/** Read-only view of how a client was configured (never the token). */
export interface VaultClientInfo {
  readonly address: string;
  readonly namespace: string | undefined;
  readonly hasToken: boolean;
}

export { MIN_REDACTABLE_TOKEN } from './token-text.js';

/**
 * Statuses worth retrying: gateway and availability errors. Not 500: Vault answers many
 * deterministic failures with 500 (e.g. an unknown PKI issuer), and retrying those only adds delay.
 */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof record.code === 'string') return record.code;
    if (Array.isArray(record.errors) && record.errors.length > 0) current = record.errors[0];
    else current = record.cause;
  }
  return undefined;
}

function errorDetail(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause && depth < 5; depth++) {
    if (cause instanceof Error && cause.message && !message.includes(cause.message))
      message = cause.message;
    cause = (cause as { cause?: unknown }).cause;
  }
  return message === 'fetch failed' ? 'connection failed' : message;
}

function normalizeAddress(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new VaultConfigError(
      `Vault address ${JSON.stringify(address)} is not a URL; use e.g. http://127.0.0.1:8200`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VaultConfigError(
      `Vault address ${JSON.stringify(address)} must start with http:// or https://`,
    );
  }
  if (url.username || url.password)
    throw new VaultConfigError('Vault address must not contain credentials');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/**
 * A normalized address with the other scheme, on the port it was reached on:
 * `https://127.0.0.1:8200` → `http://127.0.0.1:8200`, `https://vault.example` → `http://vault.example:443`.
 */
function otherScheme(address: string): string {
  const url = new URL(address);
  const tls = url.protocol === 'https:';
  const port = url.port || (tls ? '443' : '80');
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${tls ? 'http' : 'https'}://${url.hostname}:${port}${path}`;
}

/**
 * What the requests of one unit of work (a tool call) share through {@link VaultClient.withScope}
 * copies: a signal that cancels them, and a record of those that may have changed Vault.
 *
 * Only reads are cancelled. Once the scope has sent a write (POST, PATCH, DELETE), the signal is
 * ignored for the rest of its requests: a write in flight may be applied whatever the client
 * does, and a multi-step write stopped half-way (a key generated, its certificate never
 * imported) would be left half done, without the clean-up its own failure path runs.
 */
export class RequestScope {
  /** Aborting it cancels the scope's reads: see {@link RequestScope.stopping}. */
  readonly signal: AbortSignal | undefined;
  /**
   * `POST /v1/<path>`-style lines, in order, of the writes that may have changed Vault: answered
   * 2xx, or not answered at all (a timeout or a cut connection). A write Vault refused with an
   * error status is not listed.
   */
  readonly changes: string[] = [];
  /** The last 403 Vault answered in this scope (a handler may have wrapped it in its own error). */
  refused: VaultResponseError | undefined;
  #writing = 0;

  constructor(signal?: AbortSignal) {
    this.signal = signal;
  }

  /** True when the signal is aborted and no write was sent: requests are refused or destroyed. */
  get stopping(): boolean {
    return Boolean(this.signal?.aborted) && this.#writing === 0 && this.changes.length === 0;
  }

  /** @internal the client's bookkeeping of a write from sending it (`outcome` undefined) to its end. */
  writing(outcome?: { line: string; applied: boolean }): void {
    if (!outcome) {
      this.#writing++;
      return;
    }
    this.#writing--;
    if (outcome.applied) this.changes.push(outcome.line);
  }
}

/** openapi-fetch's default query serializer (`a=1&list=x&list=y`), built once for every client. */
const QUERY_SERIALIZER = createQuerySerializer();

/** What a client and its {@link VaultClient.withScope} copies share: same token and namespace. */
interface ClientCore {
  readonly fetchClient: Client<Paths>;
  /** Built on the first redact(): most clients of an HTTP request never need it. */
  scrubber?: (text: string, replacement: string) => string;
}

/**
 * The openapi-fetch client for `token` in `namespace` (already without surrounding slashes).
 * @throws VaultConfigError when the token holds a character an HTTP header cannot carry (the
 *   message never contains the token).
 */
function newCore(
  transport: Transport,
  token: string | undefined,
  namespace: string | undefined,
): ClientCore {
  const problem = token ? tokenProblem(token, 'the Vault token') : undefined;
  if (problem) throw new VaultConfigError(problem);
  const headers: Record<string, string> = { 'x-vault-request': 'true' };
  if (token) headers['x-vault-token'] = token;
  if (namespace) headers['x-vault-namespace'] = namespace;
  const options: ClientOptions & { vaultHeaders?: Record<string, string> } = {
    baseUrl: `${transport.address}/v1`,
    fetch: transport.fetch,
    pathSerializer: serializeVaultPath,
    // Built once: given as options, openapi-fetch builds a serializer per request.
    querySerializer: QUERY_SERIALIZER,
    // The pool's VaultRequest takes them as they are (openapi-fetch hands every client option it
    // does not know to the Request constructor); an injected fetch gets them as headers.
    ...(transport.requestClass
      ? { Request: transport.requestClass, vaultHeaders: headers }
      : { headers }),
  };
  return { fetchClient: createClient<Paths>(options) };
}

/** Shared by a client and every `withToken`/`withNamespace` copy: one connection pool. */
interface Transport {
  readonly address: string;
  readonly fetch: (request: Request) => Promise<Response>;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** The connection pool when this client owns it (see ./http.ts). */
  readonly agent: { close(): Promise<void> } | undefined;
  /** The Request class paired with `fetch`. */
  readonly requestClass: typeof Request | undefined;
  /** The pool enforces the timeout itself (no per-request abort signal needed). */
  readonly ownTimeouts: boolean;
}

function createTransport(options: VaultClientOptions): Transport {
  const address = normalizeAddress(options.address);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (options.fetch) {
    // An injected fetch (tests, proxies) gets standard Request objects and a timeout signal.
    return {
      address,
      fetch: options.fetch,
      timeoutMs,
      maxRetries: options.maxRetries ?? 2,
      agent: undefined,
      requestClass: undefined,
      ownTimeouts: false,
    };
  }
  const tls = options.tls;
  const ca =
    tls?.caCert === undefined
      ? undefined
      : typeof tls.caCert === 'string'
        ? [tls.caCert]
        : [...tls.caCert];
  const pool = createPool({
    timeoutMs,
    tls: {
      ...(ca ? { ca } : {}),
      ...(tls?.clientCert ? { cert: tls.clientCert } : {}),
      ...(tls?.clientKey ? { key: tls.clientKey } : {}),
      ...(tls?.serverName ? { servername: tls.serverName } : {}),
      rejectUnauthorized: tls?.insecureSkipVerify !== true,
    },
  });
  return {
    address,
    fetch: pool.fetch,
    timeoutMs,
    maxRetries: options.maxRetries ?? 2,
    agent: { close: pool.close },
    requestClass: VaultRequest as unknown as typeof Request,
    ownTimeouts: true,
  };
}

/**
 * A Vault client for one token and namespace. Create it with {@link createVaultClient}.
 * Every method throws {@link VaultResponseError} (non-2xx), {@link VaultConnectionError},
 * {@link VaultTimeoutError} or VaultInputError (a path with `..` segments or control characters).
 */
export class VaultClient {
  readonly #transport: Transport;
  readonly #token: string | undefined;
  readonly #namespace: string | undefined;
  readonly #scope: RequestScope | undefined;
  /** Shared with {@link VaultClient.withScope} copies: same token, same namespace. */
  readonly #core: ClientCore;

  /**
   * @internal use {@link createVaultClient}.
   * @throws VaultConfigError when the token holds a character an HTTP header cannot carry (the
   *   message never contains the token).
   */
  constructor(
    transport: Transport,
    token: string | undefined,
    namespace: string | undefined,
    scope?: RequestScope,
    core?: ClientCore,
  ) {
    this.#transport = transport;
    this.#token = token;
    this.#scope = scope;
    this.#namespace = namespace?.replace(/^\/+|\/+$/g, '') || undefined;
    this.#core = core ?? newCore(transport, token, this.#namespace);
  }

  /** Address, namespace and whether a token is set; never the token itself. */
  get info(): VaultClientInfo {
    return {
      address: this.#transport.address,
      namespace: this.#namespace,
      hasToken: Boolean(this.#token),
    };
  }

  /**
   * `text` with this client's token replaced by `replacement`, as it is, base64-encoded (both
   * alphabets, padded or not, at any offset inside a longer encoded text, on one line or wrapped)
   * and hex-encoded (token-text.ts): every occurrence for a token of
   * {@link MIN_REDACTABLE_TOKEN} characters or more, the whole text only for a shorter one (a dev
   * token like `root` is also a policy name and a word;
   * {@link VaultClient.tokenTooShort} tells the operator). For text from outside the client (a
   * library's exception, a tool result).
   */
  redact(text: string, replacement = '<token withheld>'): string {
    const token = this.#token;
    if (!token) return text;
    this.#core.scrubber ??= tokenScrubber(token);
    return this.#core.scrubber(text, replacement);
  }

  /** True when the token is too short for {@link VaultClient.redact} to find it inside text. */
  get tokenTooShort(): boolean {
    return this.#token !== undefined && this.#token.length < MIN_REDACTABLE_TOKEN;
  }

  /**
   * The same connection pool with another token (a per-caller token in HTTP mode).
   * @throws VaultConfigError when the token holds a character an HTTP header cannot carry.
   */
  withToken(token: string | undefined): VaultClient {
    return new VaultClient(this.#transport, token, this.#namespace, this.#scope);
  }

  /** The same connection pool and token in another namespace. */
  withNamespace(namespace: string | undefined): VaultClient {
    return new VaultClient(this.#transport, this.#token, namespace, this.#scope);
  }

  /**
   * The same pool, token and namespace, its requests (and those of its copies) in `scope`: while
   * {@link RequestScope.stopping}, a request is not sent and rejects with VaultCancelledError, and
   * a read in flight is destroyed with it (its connection closed, not reused); writes are listed
   * in `scope.changes`.
   */
  withScope(scope: RequestScope): VaultClient {
    // One copy per tool call: the openapi-fetch client and the token scrubber (~0.1 ms to build
    // for a token) are the original's.
    return new VaultClient(this.#transport, this.#token, this.#namespace, scope, this.#core);
  }

  /** `GET /v1/<path>`, typed by the generated document. */
  GET<P extends PathsFor<'get'>>(
    path: P,
    ...init: InitArgs<InitOf<P, 'get'>>
  ): Promise<VaultResult<ResponseData<P, 'get'>>> {
    return this.#typed('get', path, init[0]) as Promise<VaultResult<ResponseData<P, 'get'>>>;
  }

  /** `POST /v1/<path>` with a JSON body. */
  POST<P extends PathsFor<'post'>>(
    path: P,
    ...init: InitArgs<InitOf<P, 'post'>>
  ): Promise<VaultResult<ResponseData<P, 'post'>>> {
    return this.#typed('post', path, init[0]) as Promise<VaultResult<ResponseData<P, 'post'>>>;
  }

  /** `PATCH /v1/<path>`, sent as `application/merge-patch+json` (Vault answers 415 to anything else). */
  PATCH<P extends PathsFor<'patch'>>(
    path: P,
    ...init: InitArgs<InitOf<P, 'patch'>>
  ): Promise<VaultResult<ResponseData<P, 'patch'>>> {
    return this.#typed('patch', path, init[0]) as Promise<VaultResult<ResponseData<P, 'patch'>>>;
  }

  /** `DELETE /v1/<path>`. */
  DELETE<P extends PathsFor<'delete'>>(
    path: P,
    ...init: InitArgs<InitOf<P, 'delete'>>
  ): Promise<VaultResult<ResponseData<P, 'delete'>>> {
    return this.#typed('delete', path, init[0]) as Promise<VaultResult<ResponseData<P, 'delete'>>>;
  }

  /**
   * An untyped call on a path template of the document (used by the generated `api` tools).
   * `method` is the HTTP method; set `list: true` for a LIST.
   */
  request(
    method: HttpMethod,
    template: string,
    options: RawRequest = {},
  ): Promise<VaultResult<unknown>> {
    const query = { ...(options.query ?? {}), ...(options.list ? { list: 'true' } : {}) };
    const init = {
      params: { path: options.path ?? {}, query },
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.parseAs ? { parseAs: options.parseAs } : {}),
    };
    return this.#call(method, template, init, options.list === true, options.noRetry === true);
  }

  /** Close the connection pool (shared with `withToken` copies). */
  async close(): Promise<void> {
    await this.#transport.agent?.close();
  }

  #typed(method: HttpMethod, template: string, init: unknown): Promise<VaultResult<unknown>> {
    const params = (init as { params?: { query?: Record<string, unknown> } } | undefined)?.params;
    const list = method === 'get' && template.endsWith('/') && params?.query?.['list'] === 'true';
    return this.#call(method, template, init, list);
  }

  /**
   * One typed or raw call: the path filled and checked, then sent (reads retried on connection
   * errors and 502/503/504), the answer unwrapped or turned into a VaultError.
   * @throws VaultInputError, VaultResponseError, VaultConnectionError, VaultTimeoutError,
   *   VaultProtocolError, VaultCancelledError.
   */
  async #call(
    method: HttpMethod,
    template: string,
    rawInit: unknown,
    list: boolean,
    noRetry = false,
  ): Promise<VaultResult<unknown>> {
    const call = this.#prepare(method, template, rawInit, list);
    const retries = method === 'get' && !noRetry ? this.#transport.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(call, attempt < retries);
      if (outcome === 'retry') {
        await backoff(attempt);
        continue;
      }
      const { response } = outcome;
      if (response.ok) return resultOf(response.status, outcome.data, call.parseAs);
      const wrongScheme = this.#plainHttpToTls(response.status, outcome.error);
      if (wrongScheme) throw wrongScheme;
      const error = responseError(response.status, outcome.error, call.shownMethod, call.concrete);
      if (error.status === 403 && this.#scope) this.#scope.refused = error;
      if (attempt < retries && RETRYABLE_STATUS.has(response.status) && !error.sealed) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }

  /**
   * What every attempt of a call sends: the path filled once (VaultInputError for a bad
   * parameter, before anything is sent) and openapi-fetch's init with its serializer and headers.
   */
  #prepare(method: HttpMethod, template: string, rawInit: unknown, list: boolean): PreparedCall {
    const init = (rawInit ?? {}) as {
      params?: { path?: Record<string, unknown>; query?: Record<string, unknown> };
      parseAs?: 'json' | 'text' | 'arrayBuffer';
      headers?: Record<string, string>;
    };
    // Validates every path parameter before anything is sent (VaultInputError).
    const filled = fillPathTemplate(template, init.params?.path ?? {});
    // openapi-fetch hands its serializer base URL + template: the template's part is filled once.
    const pathSerializer = (url: string, params: Record<string, unknown>): string =>
      url.endsWith(template)
        ? collapseSlashes(url.slice(0, url.length - template.length) + filled)
        : serializeVaultPath(url, params);
    const headers =
      method === 'patch'
        ? { ...init.headers, 'Content-Type': 'application/merge-patch+json' }
        : init.headers;
    return {
      method,
      template,
      shownMethod: list ? 'LIST' : method.toUpperCase(),
      concrete: collapseSlashes(filled).replace(/^\//, ''),
      parseAs: init.parseAs,
      init: { ...(init as object), pathSerializer, ...(headers ? { headers } : {}) },
    };
  }

  /**
   * Send `call` once, under the client's RequestScope and timeout. `retry` when a connection
   * error may be retried (`mayRetry`: a read with attempts left).
   * @throws the translated VaultError of a failure not retried; VaultCancelledError once the
   *   scope stops.
   */
  async #attempt(call: PreparedCall, mayRetry: boolean): Promise<FetchOutcome | 'retry'> {
    const scope = this.#scope;
    const write = call.method !== 'get';
    if (scope?.stopping) throw new VaultCancelledError(call.shownMethod, call.concrete);
    // The pool enforces its own timeout; an injected fetch gets an abort signal. Not
    // AbortSignal.timeout(): its timer outlives the request, which under load keeps thousands
    // of signals alive; this one is cleared as soon as the body is read.
    const controller = this.#transport.ownTimeouts ? undefined : new AbortController();
    const timer = controller
      ? setTimeout(
          () => controller.abort(new DOMException('request timed out', 'TimeoutError')),
          this.#transport.timeoutMs,
        )
      : undefined;
    // A write is never aborted (see RequestScope); a read is once the scope stops: the pool
    // checks scope.stopping when the call's signal aborts (VaultRequest.stopsWith), an injected
    // fetch gets the controller, aborted then.
    const reads = write ? undefined : scope?.signal;
    const cancel = (): void => {
      if (scope?.stopping) controller?.abort(new DOMException('cancelled', 'AbortError'));
    };
    if (controller) reads?.addEventListener('abort', cancel);
    const cancelling = controller
      ? { signal: controller.signal }
      : reads && scope
        ? { signal: reads, stopsWith: scope }
        : {};
    if (write) scope?.writing();
    let applied = true;
    try {
      const outcome = (await this.#core.fetchClient.request(
        call.method as 'get',
        call.template as PathsFor<'get'>,
        { ...call.init, ...cancelling } as never,
      )) as FetchOutcome;
      applied = outcome.response.ok;
      return outcome;
    } catch (error) {
      if (scope?.stopping) throw new VaultCancelledError(call.shownMethod, call.concrete);
      const translated = this.#translate(error, call.shownMethod, call.concrete);
      // Refused before it was sent: nothing can have changed.
      if (translated instanceof VaultInputError) applied = false;
      if (translated instanceof VaultConnectionError && mayRetry) return 'retry';
      throw translated;
    } finally {
      clearTimeout(timer);
      reads?.removeEventListener('abort', cancel);
      if (write) scope?.writing({ line: `${call.shownMethod} /v1/${call.concrete}`, applied });
    }
  }

  #translate(error: unknown, method: string, path: string): VaultError {
    if (error instanceof VaultError) return error;
    // Reading the answer failed: it came, so this is not a connection problem.
    if (error instanceof SyntaxError)
      return new VaultProtocolError(this.#transport.address, method, path, error.message);
    // A redirect not followed, a body too large: an answer, refused; retrying gets the same.
    if (error instanceof RefusedAnswerError)
      return new VaultProtocolError(
        this.#transport.address,
        method,
        path,
        error.message,
        error.code,
      );
    // Encoding the body overflowed the stack: an argument nested beyond reason.
    if (error instanceof RangeError)
      return new VaultInputError('body', 'is nested too deeply to encode as JSON; flatten it');
    const name = (error as { name?: string } | undefined)?.name;
    const code = errorCode(error);
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new VaultTimeoutError(
        this.#transport.address,
        method,
        path,
        this.#transport.timeoutMs,
      );
    }
    // OpenSSL read a plain-HTTP answer where a TLS record belongs. Node names it by its code on a
    // read and by the OpenSSL text on a write (`write EPROTO ...:wrong version number:...`).
    if (
      code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      (code === 'EPROTO' && errorDetail(error).includes(':wrong version number:'))
    ) {
      return new VaultConnectionError(
        this.#transport.address,
        'ERR_SSL_WRONG_VERSION_NUMBER',
        `the server speaks plain HTTP, not TLS; set VAULT_ADDR=${otherScheme(this.#transport.address)}`,
      );
    }
    // The HTTP layer's own messages may quote a header value ("Headers.set: <token> is an invalid
    // header value"): nothing of it leaves without the token taken out.
    return new VaultConnectionError(this.#transport.address, code, this.redact(errorDetail(error)));
  }

  /**
   * Go's HTTP server (Vault, OpenBao) answers a plain-HTTP request on its TLS listener with 400
   * and this text, not with Vault's JSON errors: the address has the wrong scheme.
   */
  #plainHttpToTls(status: number, body: unknown): VaultConnectionError | undefined {
    if (
      status !== 400 ||
      typeof body !== 'string' ||
      !body.startsWith('Client sent an HTTP request to an HTTPS server.')
    )
      return undefined;
    return new VaultConnectionError(
      this.#transport.address,
      undefined,
      `the server speaks TLS, not plain HTTP; set VAULT_ADDR=${otherScheme(this.#transport.address)} (and VAULT_CACERT when its certificate is not from a public CA)`,
    );
  }
}

/** A call as {@link VaultClient} sends it, the same on every attempt. */
interface PreparedCall {
  readonly method: HttpMethod;
  readonly template: string;
  /** `LIST` or the upper-case method, for errors and the scope's write log. */
  readonly shownMethod: string;
  /** The filled path after `/v1/`, e.g. `secret/data/myapp/db`. */
  readonly concrete: string;
  readonly parseAs: 'json' | 'text' | 'arrayBuffer' | undefined;
  /** openapi-fetch's init: the caller's, with the path serializer and headers. */
  readonly init: object;
}

/** What openapi-fetch's `request` resolves with. */
interface FetchOutcome {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * A 2xx answer as a VaultResult: bytes for `arrayBuffer`, the body as it is for text or a
 * non-object, else Vault's envelope unwrapped (`data`, `warnings`).
 */
function resultOf(
  status: number,
  parsed: unknown,
  parseAs: PreparedCall['parseAs'],
): VaultResult<unknown> {
  if (parseAs === 'arrayBuffer' && parsed instanceof ArrayBuffer)
    return { data: new Uint8Array(parsed), status, warnings: [], envelope: undefined };
  if (parseAs === 'text' || parsed === undefined || parsed === null || typeof parsed !== 'object')
    return { data: parsed, status, warnings: [], envelope: undefined };
  const envelope = parsed as VaultEnvelope;
  return { data: envelope.data, status, warnings: envelope.warnings ?? [], envelope };
}

/** The VaultResponseError of a non-2xx answer whose parsed body is `body` (JSON or text). */
function responseError(
  status: number,
  body: unknown,
  method: string,
  path: string,
): VaultResponseError {
  const json = (body ?? {}) as { errors?: unknown; data?: unknown; warnings?: unknown };
  return new VaultResponseError({
    status,
    errors: Array.isArray(json.errors)
      ? json.errors.map(String)
      : typeof body === 'string' && body
        ? [body.trim()]
        : [],
    method,
    path,
    responseData: json.data,
    warnings: Array.isArray(json.warnings) ? json.warnings.map(String) : [],
  });
}

function backoff(attempt: number): Promise<void> {
  const ms = 100 * 2 ** attempt + Math.random() * 50;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Create a client. Nothing is sent until the first call.
 * @throws VaultConfigError when `address` is not an http(s) URL.
 * @example
 *   const vault = createVaultClient({ address: 'http://127.0.0.1:8200', token });
 *   const { data } = await vault.GET('/{kv_v2_mount_path}/data/{path}', {
 *     params: { path: { kv_v2_mount_path: 'secret', path: 'myapp/database' } },
 *   });
 */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  return new VaultClient(createTransport(options), options.token, options.namespace);
}
