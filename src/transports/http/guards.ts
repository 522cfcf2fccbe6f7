/**
 * Checks every MCP request passes before anything else: Host (DNS rebinding), Origin and CORS,
 * no token in the URL, a well-shaped Mcp-Protocol-Version, bounded request bodies; and the
 * handler turning body-parser and other failures into JSON-RPC errors. Each is a {@link Step} on node:http's own request and response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { parse as parseQuery } from 'node:querystring';
import bodyParser from 'body-parser';
import cors from 'cors';
import { isLoopback, type HttpConfig } from '../../config.js';
import type { Logger } from '../../log.js';
import { safeErrorText } from '../../client/errors.js';
import { requestScrubber } from './callers.js';
import { rpcError } from './refusal.js';
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** A request once its body is read: `body` is the parsed JSON (undefined without a body). */
export type McpRequest = IncomingMessage & { body?: unknown };

/**
 * One step before the routes, connect-style: it answers `res` itself, or calls `next()` to go
 * on, or `next(error)` to hand a failure to {@link errorHandler}.
 */
export type Step = (req: McpRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * The path of a request target, without its query: `/mcp?x=1` → `/mcp`; the absolute form
 * (`http://host/mcp`, which Node accepts) → `/mcp`; a target that is neither stays as it is.
 */
export function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  if (path.startsWith('/')) return path;
  try {
    return new URL(path).pathname;
  } catch {
    return path;
  }
}

/** Host names a request may carry in its Host header, from the bind address plus MCP_ALLOWED_HOSTS. */
export function allowedHostnames(host: string, extra: readonly string[]): string[] {
  const names = new Set<string>(
    extra.map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase()),
  );
  if (isLoopback(host) || host === '0.0.0.0' || host === '::') {
    for (const h of ['localhost', '127.0.0.1', '[::1]']) names.add(h);
  }
  if (host === '0.0.0.0' || host === '::') {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const iface of list ?? [])
        names.add(iface.family === 'IPv6' ? `[${iface.address}]` : iface.address);
    }
  } else if (!isLoopback(host)) {
    names.add(host.includes(':') ? `[${host}]` : host.toLowerCase());
  }
  return [...names];
}

/**
 * DNS rebinding: the Host header must name this server exactly as listed (bind address plus
 * MCP_ALLOWED_HOSTS), else 403. Compared as sent (not URL-normalised), so `2130706433` or
 * `127.0.0.1.` do not pass as 127.0.0.1.
 */
function hostCheck(http: HttpConfig, log: Logger, serverScrub: Scrub): Step {
  const hostnames = allowedHostnames(http.host, http.allowedHosts);
  return (req, res, next) => {
    const host = req.headers.host ?? '';
    const name = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host)?.[1]?.toLowerCase();
    if (name && hostnames.includes(name)) return next();
    const shown = serverScrub(requestScrubber(req)(host));
    log.warn({ host: shown }, 'request with a foreign Host header refused');
    rpcError(
      res,
      403,
      // The accepted names are not listed: they would tell anyone the server's addresses.
      `Invalid Host: ${shown || '(none)'}. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS`,
    );
  };
}

/** Whether a browser page of `origin` may call the server (MCP_CORS_MODE, MCP_ALLOWED_ORIGINS). */
function originPolicy(http: HttpConfig): (origin: string) => boolean {
  return (origin) =>
    http.corsMode === 'disabled' ||
    http.allowedOrigins.includes(origin) ||
    (http.corsMode === 'development' &&
      /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin));
}

/**
 * 403 to a request whose Origin is neither the server's own (scheme + the Host header, already
 * checked: same-origin, not CORS) nor allowed by {@link originPolicy}.
 */
function originCheck(http: HttpConfig, tls: boolean, log: Logger, serverScrub: Scrub): Step {
  const originAllowed = originPolicy(http);
  const sameOrigin = (req: IncomingMessage, origin: string): boolean =>
    origin === `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && !sameOrigin(req, origin) && !originAllowed(origin)) {
      const shown = serverScrub(requestScrubber(req)(origin));
      log.warn({ origin: shown }, 'request from a disallowed Origin refused');
      rpcError(
        res,
        403,
        `Origin ${shown} is not allowed (MCP_CORS_MODE=${http.corsMode}; add it to MCP_ALLOWED_ORIGINS)`,
      );
      return;
    }
    next();
  };
}

/** CORS answers (the `cors` package) for the origins {@link originPolicy} allows. */
function corsStep(http: HttpConfig): Step {
  const originAllowed = originPolicy(http);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && originAllowed(origin)),
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Content-Type',
      'Accept',
      'Authorization',
      'Mcp-Session-Id',
      'Mcp-Protocol-Version',
      'Last-Event-ID',
      'X-Vault-Token',
      'X-Vault-Namespace',
      'X-Vault-Addr',
    ],
    exposedHeaders: ['Mcp-Session-Id', 'Mcp-Protocol-Version'],
    maxAge: 600,
  });
}

/**
 * 400 to an Mcp-Protocol-Version that is not a version date (`2025-06-18`): the SDK's own refusal
 * quotes the header as sent, and a header holding a token must not come back or be logged.
 * A well-shaped but unsupported date is left to the SDK, which names the supported versions.
 */
function protocolVersionCheck(log: Logger): Step {
  return (req, res, next) => {
    const version = req.headers['mcp-protocol-version'];
    if (
      version === undefined ||
      (typeof version === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(version))
    )
      return next();
    log.warn('request with a malformed Mcp-Protocol-Version refused');
    rpcError(
      res,
      400,
      `Bad Request: Mcp-Protocol-Version must be a protocol version such as ${LATEST_PROTOCOL_VERSION} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    );
  };
}

/** 400 to a URL whose query string has a parameter named like a token (URLs end up in logs). */
function queryTokenCheck(log: Logger): Step {
  return (req, res, next) => {
    // Parsed as express's default ("simple") query parser did: node:querystring.
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const tokenInQuery =
      query >= 0 &&
      Object.keys(parseQuery(url.slice(query + 1))).some((name) => /token/i.test(name));
    if (tokenInQuery) {
      log.warn({ path: pathOf(url) }, 'token in the query string refused');
      rpcError(
        res,
        400,
        'a token in the URL is refused (URLs end up in logs and histories): send it in the X-Vault-Token header',
      );
      return;
    }
    next();
  };
}

/** Removes a token from a text (the server's own VAULT_TOKEN, for these checks). */
type Scrub = (text: string) => string;

/**
 * Host, Origin/CORS, query-string and Mcp-Protocol-Version checks, in that order. A refusal
 * that quotes Host or Origin
 * scrubs every token the request sent and, through `serverScrub`, the server's own.
 */
export function requestGuards(
  http: HttpConfig,
  tls: boolean,
  log: Logger,
  serverScrub: Scrub,
): Step[] {
  return [
    hostCheck(http, log, serverScrub),
    originCheck(http, tls, log, serverScrub),
    ...(http.corsMode !== 'disabled' ? [corsStep(http)] : []),
    queryTokenCheck(log),
    protocolVersionCheck(log),
  ];
}

/**
 * JSON bodies, read whole before parsing: bounded in how many are in flight at once (64 MiB of
 * bodies in all) and how long one may take (the listener's requestTimeout). No Content-Encoding:
 * a gzip body would multiply what a slow client can make the server hold.
 */
export function bodyReader(http: HttpConfig): Step {
  const json = bodyParser.json({ limit: http.maxBodyBytes, type: () => true, inflate: false });
  const maxReading = Math.max(4, Math.floor((64 * 1024 * 1024) / http.maxBodyBytes));
  let reading = 0;
  return (req, res, next) => {
    if (reading >= maxReading) {
      res.setHeader('Retry-After', '1');
      rpcError(res, 503, `too many request bodies in flight (${maxReading}); retry shortly`);
      return;
    }
    reading++;
    json(req, res, (error?: unknown) => {
      reading--;
      if (!error && Array.isArray(req.body) && req.body.length > MAX_BATCH) {
        rpcError(
          res,
          400,
          `a JSON-RPC batch of ${req.body.length} messages is refused: send at most ${MAX_BATCH} per request (MCP since 2025-06-18 sends no batches)`,
        );
        return;
      }
      next(error);
    });
  };
}

/**
 * Messages a JSON-RPC batch may hold. A batch of 100 `tools/list` calls (10 KB) made a 38 MB
 * answer: without this cap a handful of requests could exhaust the heap.
 */
export const MAX_BATCH = 10;

/** What body-parser (http-errors) and other failures may carry. */
interface Failure {
  type?: string;
  status?: number;
  message?: string;
}

/**
 * Body parser and other failures, as JSON-RPC errors. The handler's `scrub` removes the caller's
 * token (VAULT_TOKEN before a caller is settled) from any text it shows or logs.
 */
export function errorHandler(
  http: HttpConfig,
  log: Logger,
): (error: unknown, res: ServerResponse, scrub: (text: string) => string) => void {
  return (thrown, res, scrub) => {
    // Narrow cast: every field is optional and checked before use.
    const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as Failure;
    if (error.type === 'entity.too.large') {
      rpcError(
        res,
        413,
        `request body larger than ${http.maxBodyBytes} bytes (MCP_MAX_BODY_BYTES)`,
      );
    } else if (error.type === 'entity.parse.failed') {
      rpcError(res, 400, 'Parse error: the body is not valid JSON', -32700);
    } else if (error.type === 'encoding.unsupported') {
      rpcError(res, 415, 'Content-Encoding is not supported: send the body uncompressed');
    } else if (error.status && error.status >= 400 && error.status < 500) {
      // The client's mistake (aborted upload, bad charset): not an error of this server.
      log.warn({ status: error.status, type: error.type }, 'HTTP request refused');
      rpcError(res, error.status, scrub(error.message ?? 'bad request'));
    } else {
      log.error({ error: safeErrorText(thrown, scrub) }, 'HTTP request failed');
      rpcError(
        res,
        error.status && error.status >= 400 && error.status < 600 ? error.status : 500,
        'request failed',
      );
    }
  };
}
