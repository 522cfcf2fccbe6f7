/** How the HTTP layer says no: a JSON-RPC error body with an HTTP status. */
import type { Request, Response } from 'express';
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

/** Answer with a JSON-RPC error (id null), unless the headers are already out. */
export function rpcError(res: Response, status: number, message: string, code = -32000): void {
  if (res.headersSent) return;
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Log and answer a refusal, with Retry-After when it has one. */
export function refuse(res: Response, log: Logger, refusal: HttpRefusal): void {
  log.warn({ status: refusal.status }, refusal.message);
  if (refusal.retryAfterS !== undefined && !res.headersSent)
    res.setHeader('Retry-After', String(refusal.retryAfterS));
  rpcError(res, refusal.status, refusal.message);
}

/** The first non-blank value of the named request headers, trimmed. */
export function header(req: Request, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = req.headers[name.toLowerCase()];
    const text = Array.isArray(value) ? value[0] : value;
    if (text && text.trim()) return text.trim();
  }
  return undefined;
}
