/** How the HTTP layer says no: a JSON-RPC error body with an HTTP status. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.js';

/** A request refused with `status` and a message for the caller (never a token). */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Whole seconds for a Retry-After header, when waiting helps. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * Answer `res` with `status` and `value` as JSON (`application/json; charset=utf-8`, with a
 * content-length), keeping headers already set (CORS, Retry-After).
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Answer with a JSON-RPC error (id null), unless the headers are already out. */
export function rpcError(
  res: ServerResponse,
  status: number,
  message: string,
  code = -32000,
): void {
  if (res.headersSent) return;
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Log and answer a refusal, with Retry-After when it has one; `scrub` (the request's token
 * scrubber) cleans the message first, for refusals that quote what the caller sent.
 */
export function refuse(
  res: ServerResponse,
  log: Logger,
  refusal: HttpRefusal,
  scrub: (text: string) => string = (text) => text,
): void {
  const message = scrub(refusal.message);
  log.warn({ status: refusal.status }, message);
  if (refusal.retryAfterS !== undefined && !res.headersSent)
    res.setHeader('Retry-After', String(refusal.retryAfterS));
  rpcError(res, refusal.status, message);
}

/** The first non-blank value of the named request headers, trimmed. */
export function header(req: IncomingMessage, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = req.headers[name.toLowerCase()];
    const text = Array.isArray(value) ? value[0] : value;
    if (text && text.trim()) return text.trim();
  }
  return undefined;
}
