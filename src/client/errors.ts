/**
 * Typed errors of the Vault client. None of them ever carries the token: messages name the
 * method, the request path (after `/v1/`) and what Vault said.
 */

/** Base class: `instanceof VaultError` catches everything the client throws on purpose. */
export class VaultError extends Error {
  override name = 'VaultError';
}

/**
 * Vault's errors with its multierror wrapping undone: `"1 error occurred:\n\t* permission denied\n\n"`
 * becomes `["permission denied"]`. Empty strings are dropped.
 */
export function flattenVaultErrors(errors: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of errors) {
    const text = raw.trim();
    if (/^\d+ errors? occurred:/.test(text)) {
      for (const item of text.split(/\n\s*\*\s*/).slice(1)) if (item.trim()) out.push(item.trim());
    } else if (text) {
      out.push(text);
    }
  }
  return out;
}

/** Vault answered with a non-2xx status. */
export class VaultResponseError extends VaultError {
  override name = 'VaultResponseError';
  /** HTTP status, e.g. 403, 404, 503 (sealed). */
  readonly status: number;
  /** Vault's `errors` (multierror lists flattened; empty when the body had none). */
  readonly errors: readonly string[];
  /** `GET`, `LIST`, `POST`, `PATCH` or `DELETE`. */
  readonly method: string;
  /** Request path after `/v1/`, without the query string, e.g. `secret/data/myapp/db`. */
  readonly path: string;
  /** The `data` of the error body when Vault sent one (KV v2 sends version metadata with a 404). */
  readonly responseData: unknown;
  /** Vault's `warnings`, if any. */
  readonly warnings: readonly string[];

  constructor(init: {
    status: number;
    errors: readonly string[];
    method: string;
    path: string;
    responseData?: unknown;
    warnings?: readonly string[];
  }) {
    const errors = flattenVaultErrors(init.errors);
    const detail = errors.length > 0 ? errors.join('; ') : 'no error message';
    super(`Vault answered ${init.status} to ${init.method} /v1/${init.path}: ${detail}`);
    this.status = init.status;
    this.errors = errors;
    this.method = init.method;
    this.path = init.path;
    this.responseData = init.responseData;
    this.warnings = init.warnings ?? [];
  }

  /** True for 503 with Vault's "sealed" message. */
  get sealed(): boolean {
    return this.status === 503 && this.errors.some((e) => /sealed/i.test(e));
  }

  /** True for 403 (permission denied, or a missing/expired/invalid token). */
  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** The TCP/TLS connection to Vault failed (refused, DNS, TLS verification, reset). */
export class VaultConnectionError extends VaultError {
  override name = 'VaultConnectionError';
  /** Vault address the client was configured with. */
  readonly address: string;
  /** Node's error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...). */
  readonly code: string | undefined;

  constructor(
    address: string,
    code: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach Vault at ${address}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`,
      options,
    );
    this.address = address;
    this.code = code;
  }
}

/** Vault did not answer within the configured timeout. */
export class VaultTimeoutError extends VaultError {
  override name = 'VaultTimeoutError';
  readonly address: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(address: string, method: string, path: string, timeoutMs: number) {
    super(`Vault at ${address} did not answer ${method} /v1/${path} within ${timeoutMs / 1000} s`);
    this.address = address;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The caller aborted the request's signal (see RequestScope): it was not sent, or its connection
 * was closed before the whole answer arrived. A read only; the client never aborts a write.
 */
export class VaultCancelledError extends VaultError {
  override name = 'VaultCancelledError';

  constructor(method: string, path: string) {
    super(`${method} /v1/${path} was cancelled by the caller before Vault answered`);
  }
}

/**
 * Vault answered, but with an answer the client does not take: a body that is not JSON where JSON
 * was expected (code `ERR_NOT_JSON`), a body over 64 MiB (`ERR_BODY_TOO_LARGE`), a redirect it
 * does not follow (`ERR_REDIRECT_REFUSED`). The address is probably not Vault itself (a proxy, a
 * web page). A write may have been applied. Never retried.
 */
export class VaultProtocolError extends VaultError {
  override name = 'VaultProtocolError';
  readonly address: string;
  /** `ERR_NOT_JSON`, `ERR_BODY_TOO_LARGE` or `ERR_REDIRECT_REFUSED`. */
  readonly code: string;

  /**
   * @param detail for `ERR_NOT_JSON` the parser's message; otherwise what came instead of an
   *   answer, continuing "answered GET /v1/<path> …" (e.g. `with a body larger than 64 MiB`).
   */
  constructor(
    address: string,
    method: string,
    path: string,
    detail: string,
    code = 'ERR_NOT_JSON',
  ) {
    super(
      `Vault at ${address} answered ${method} /v1/${path} ${code === 'ERR_NOT_JSON' ? `with a body that is not JSON (${detail})` : detail}`,
    );
    this.address = address;
    this.code = code;
  }
}

/** A path parameter the client refuses to send (`..` segments, control characters). */
export class VaultInputError extends VaultError {
  override name = 'VaultInputError';
  /** Name of the offending parameter (`path`, `mount`, ...). */
  readonly parameter: string;
  /** What is wrong with it and what to change, without the parameter's name. */
  readonly problem: string;

  constructor(parameter: string, problem: string) {
    super(`invalid ${parameter}: ${problem}`);
    this.parameter = parameter;
    this.problem = problem;
  }
}

/** Client configuration that cannot work (bad address, unreadable CA file, ...). */
export class VaultConfigError extends VaultError {
  override name = 'VaultConfigError';
}

/**
 * Error text that may go into a response body or a log: the Vault client's typed errors (which
 * name paths and Vault's messages) with `scrub` applied; anything else (a TypeError of the HTTP
 * client may quote a header value, the token) by its class name only.
 */
export function safeErrorText(error: unknown, scrub: (text: string) => string): string {
  if (error instanceof VaultResponseError)
    return scrub(`${error.status}: ${error.errors.join('; ') || 'no message'}`);
  // Its detail is the HTTP client's exception text: the address and the code only.
  if (error instanceof VaultConnectionError)
    return `cannot reach Vault at ${error.address}${error.code ? ` (${error.code})` : ''}`;
  if (error instanceof VaultError) return scrub(error.message);
  const name = error instanceof Error ? error.name : typeof error;
  return `${name} (details withheld: they may quote a token)`;
}
