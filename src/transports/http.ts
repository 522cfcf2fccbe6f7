/**
 * `vault-mcp http`: the SDK's streamable-HTTP transport behind the controls a shared service
 * needs. Loopback by default and HTTPS for anything else; Host-header (DNS rebinding) and Origin
 * checks; per-caller Vault tokens in X-Vault-Token or Authorization: Bearer (never the query
 * string), namespaces in one spelling; sessions bound to the token that opened them, capped per
 * caller and closed when idle; token-bucket rate limits on tool calls, new sessions and capability
 * probes; a body size limit; /healthz and /readyz; graceful shutdown. A stateless mode serves every request on its own
 * so replicas can sit behind a load balancer.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { TokenBucket } from 'limiter';
import { LRUCache } from 'lru-cache';
import { TokenManager } from '../auth/token-manager.js';
import { createVaultClient, type VaultClient } from '../client/client.js';
import { lookupSelf } from '../client/token.js';
import { VaultConnectionError, VaultError, VaultResponseError } from '../client/errors.js';
import { isLoopback, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { MountCache } from '../server/mount-cache.js';
import { RateLimits } from '../server/rate-limit.js';
import type { CapabilityCache } from '../server/capabilities.js';
import { capabilityCache, createMcpServer, type TokenState } from '../server/server.js';
import type { Tool } from '../server/tool.js';

/** A running HTTP server. */
export interface HttpServerHandle {
  /** `http(s)://host:port/mcp` */
  readonly url: string;
  readonly server: Server;
  /** Open sessions (stateful mode). */
  sessionCount(): number;
  /** Stop accepting, end every session, wait for connections (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Who is calling: the Vault client to use and the identity a session is bound to. */
interface Caller {
  /** A function for the server's own token, which renewal or re-login can replace. */
  readonly vault: VaultClient | (() => VaultClient);
  /** The server token's lifecycle, for callers using it. */
  readonly tokens: TokenState | undefined;
  /** sha256 of address, namespace and token: compared, never the token itself. */
  readonly identity: Buffer;
  readonly usesServerToken: boolean;
  /** `text` with the caller's token (when this server knows it) replaced by `[token]`. */
  readonly scrub: (text: string) => string;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  readonly identity: Buffer;
  lastSeen: number;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function rpcError(res: Response, status: number, message: string, code = -32000): void {
  if (res.headersSent) return;
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

function header(req: Request, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = req.headers[name.toLowerCase()];
    const text = Array.isArray(value) ? value[0] : value;
    if (text && text.trim()) return text.trim();
  }
  return undefined;
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
 * Who is calling, as a sha256 (compared, never the token itself): whether the server's own token
 * serves the call, the Vault address, the namespace (Vault's spelling: `a/b`, whatever slashes
 * the caller sent) and the caller's token. JSON keeps the parts apart: no token can pose as the
 * server's.
 */
function identityOf(
  kind: 'server' | 'caller',
  address: string,
  namespace: string | undefined,
  token: string,
): Buffer {
  return createHash('sha256')
    .update(JSON.stringify([kind, address, namespace ?? '', token]))
    .digest();
}

/** Printable ASCII without spaces: every token Vault issues (`hvs.…`, `s.…`, batch tokens) is. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/**
 * The caller's Vault token: X-Vault-Token, or `Authorization: Bearer <token>` as Vault's own API
 * accepts it. Undefined when neither is sent.
 * @throws HttpRefusal 400 when both carry different tokens, or the token holds characters no Vault
 *   token has (control characters, spaces, non-ASCII); the message never quotes the token.
 */
function callerToken(req: Request): string | undefined {
  const direct = header(req, 'x-vault-token', 'vault_token');
  const bearer = /^Bearer[ \t]+(.+)$/i.exec(header(req, 'authorization') ?? '')?.[1]?.trim();
  if (direct && bearer && direct !== bearer) {
    throw new HttpRefusal(
      400,
      'X-Vault-Token and Authorization: Bearer carry different tokens: send the Vault token in one of them',
    );
  }
  const token = direct ?? bearer;
  if (token !== undefined && !TOKEN_TEXT.test(token)) {
    throw new HttpRefusal(
      400,
      'the Vault token (X-Vault-Token or Authorization: Bearer) holds characters no Vault token has (control characters, spaces or non-ASCII): send it exactly as Vault issued it',
    );
  }
  return token;
}

/**
 * The namespace in one spelling, so that it keys sessions and rate buckets once: slashes
 * normalised (`/a//b/` → `a/b`), `root` and empty → undefined (the root namespace).
 * @throws HttpRefusal 400 for `.` or `..` segments and characters a header cannot carry to Vault.
 */
export function canonicalNamespace(namespace: string | undefined): string | undefined {
  const segments = (namespace ?? '').split('/').filter(Boolean);
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new HttpRefusal(
      400,
      `namespace ${JSON.stringify(namespace)} has a '.' or '..' segment: name the namespace path plainly (e.g. team-a/app), or send no X-Vault-Namespace for the root namespace`,
    );
  }
  if (segments.some((s) => !TOKEN_TEXT.test(s))) {
    throw new HttpRefusal(
      400,
      `namespace ${JSON.stringify(namespace)} holds spaces, control characters or non-ASCII: Vault namespace names have none`,
    );
  }
  const path = segments.join('/');
  return path === '' || path === 'root' ? undefined : path;
}

/**
 * Error text that may go into a response body or a log: the Vault client's typed errors (which
 * name paths and Vault's messages) with `scrub` applied; anything else (a TypeError of the HTTP
 * client may quote a header value, the token) by its class name only.
 */
function safeErrorText(error: unknown, scrub: (text: string) => string): string {
  if (error instanceof VaultResponseError)
    return scrub(`${error.status}: ${error.errors.join('; ') || 'no message'}`);
  // Its detail is the HTTP client's exception text: the address and the code only.
  if (error instanceof VaultConnectionError)
    return `cannot reach Vault at ${error.address}${error.code ? ` (${error.code})` : ''}`;
  if (error instanceof VaultError) return scrub(error.message);
  const name = error instanceof Error ? error.name : typeof error;
  return `${name} (details withheld: they may quote a token)`;
}

/** A scrubber replacing each of `secrets` (the empty string excepted) by `[token]`. */
function scrubberOf(...secrets: Array<string | undefined>): (text: string) => string {
  const known = secrets.filter((s): s is string => Boolean(s));
  return (text) => known.reduce((out, secret) => out.split(secret).join('[token]'), text);
}

function sameIdentity(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Start the HTTP server described by `config.http`.
 * @throws Error when the TLS files cannot be read or the port cannot be bound.
 */
export async function startHttpServer(
  config: Config,
  log: Logger,
  candidates: readonly Tool[],
  /**
   * The server's own token (started by the caller); created from config when absent. Either way
   * the handle's close() stops it and, with VAULT_MCP_REVOKE_ON_EXIT, revokes it.
   */
  serverTokens?: TokenManager,
): Promise<HttpServerHandle> {
  const http = config.http;
  const tls =
    http.tlsCertFile && http.tlsKeyFile
      ? { cert: readFileSync(http.tlsCertFile), key: readFileSync(http.tlsKeyFile) }
      : undefined;
  const loopback = isLoopback(http.host);
  // One connection pool without a token; every caller's client derives from it.
  const base = createVaultClient({ ...config.vault, token: undefined });
  const ownTokens =
    serverTokens ??
    new TokenManager(
      config.vault.token ? base.withToken(config.vault.token) : base,
      config.login,
      log,
    );
  if (!serverTokens && (config.vault.token || config.login)) void ownTokens.start();
  const hasServerToken = Boolean(config.vault.token || config.login);
  const serverScrub = scrubberOf(config.vault.token);
  // Verdicts on callers' tokens (root refused, invalid refused), by identity.
  const vetted = new LRUCache<string, 'ok' | 'root' | 'invalid'>({ max: 10_000, ttl: 10 * 60_000 });
  // Identities once accepted: their periodic re-check never waits behind checks of new tokens.
  const accepted = new LRUCache<string, true>({ max: 10_000, ttl: 24 * 3_600_000 });
  const otherVaults = new Map<string, VaultClient>();
  const limits = new RateLimits(http.rateLimitGlobal, http.rateLimitSession);
  const sessions = new Map<string, Session>();
  // Stateful mode: each caller's bucket for opening sessions and probing capabilities (a new
  // session must not come with a fresh bucket), by identity.
  const callerBuckets = new LRUCache<string, { bucket: TokenBucket | undefined }>({
    max: 10_000,
    ttl: http.sessionIdleMs,
    updateAgeOnGet: true,
  });
  const callerBucket = (caller: Caller): TokenBucket | undefined => {
    const key = caller.identity.toString('hex');
    let entry = callerBuckets.get(key);
    if (!entry) {
      entry = { bucket: limits.forSession() };
      callerBuckets.set(key, entry);
    }
    return entry.bucket;
  };
  // A session holds at most this many slots of one identity (the server's own included), and
  // never the whole table.
  const perIdentity = Math.min(http.maxSessionsPerCaller, Math.max(1, http.maxSessions - 1));
  /**
   * The caller's capability verdicts: each probe (a mounts lookup and sys/capabilities-self)
   * spends a token of `bucket`; a refused probe leaves the tools listed as they are.
   */
  const chargedCapabilities = (caller: Caller, bucket: TokenBucket | undefined): CapabilityCache =>
    capabilityCache({
      config,
      vault: () => {
        const refusal = limits.admitForCaller(bucket, 'the capability probe was not run');
        if (refusal) throw new HttpRefusal(429, refusal.message);
        return typeof caller.vault === 'function' ? caller.vault() : caller.vault;
      },
      log,
      candidates,
    });
  /** Refuse an initialize over the caller's bucket (429 with Retry-After). */
  const admitOpening = (res: Response, bucket: TokenBucket | undefined): boolean => {
    const refusal = limits.admitForCaller(bucket, 'no session was opened');
    if (!refusal) return true;
    res.setHeader('Retry-After', String(refusal.retryAfterS));
    log.warn({ status: 429 }, refusal.message);
    rpcError(res, 429, refusal.message);
    return false;
  };
  // Stateless mode: per-caller rate bucket and mount cache, bounded in count and idle time.
  const callers = new LRUCache<
    string,
    { bucket: TokenBucket | undefined; mounts: MountCache; capabilities: CapabilityCache }
  >({
    max: 10_000,
    ttl: http.sessionIdleMs,
    updateAgeOnGet: true,
  });

  const resolveCaller = (req: Request): Caller => {
    const token = callerToken(req);
    const namespace = canonicalNamespace(
      header(req, 'x-vault-namespace') ?? config.vault.namespace,
    );
    const requested = header(req, 'x-vault-addr', 'vault_addr')?.replace(/\/+$/, '');
    let vault: VaultClient;

    let address = config.vault.address.replace(/\/+$/, '');
    if (requested && requested !== address) {
      if (!http.allowedVaultAddrs.includes(requested)) {
        throw new HttpRefusal(
          403,
          `X-Vault-Addr ${requested} is not one of the Vault addresses this server may use (VAULT_MCP_ALLOWED_VAULT_ADDRS)`,
        );
      }
      if (!token)
        throw new HttpRefusal(
          401,
          "a Vault address chosen by the caller needs the caller's own token in X-Vault-Token",
        );
      address = requested;
      let client = otherVaults.get(requested);
      if (!client) {
        // The server's TLS settings apply; VAULT_SKIP_VERIFY and CAs never come from a caller.
        client = createVaultClient({ ...config.vault, address: requested, token: undefined });
        otherVaults.set(requested, client);
      }
      vault = client.withToken(token).withNamespace(namespace);
    } else if (token) {
      vault = base.withToken(token).withNamespace(namespace);
    } else if (loopback && hasServerToken) {
      return {
        vault: () => ownTokens.client().withNamespace(namespace),
        tokens: ownTokens,
        identity: identityOf('server', address, namespace, ''),
        usesServerToken: true,
        // A token from a login (AppRole, JWT) is unknown here: safeErrorText withholds foreign text.
        scrub: scrubberOf(config.vault.token),
      };
    } else {
      throw new HttpRefusal(
        401,
        loopback
          ? 'no Vault token: send it in the X-Vault-Token header'
          : "send your Vault token in the X-Vault-Token header (the server's own token is only used on loopback)",
      );
    }
    return {
      vault,
      tokens: undefined,
      identity: identityOf('caller', address, namespace, token),
      usesServerToken: false,
      scrub: scrubberOf(token, config.vault.token),
    };
  };

  /**
   * Refuse a token Vault rejects, and one with the root policy unless VAULT_MCP_ALLOW_ROOT_TOKEN:
   * one lookup-self per new identity, remembered for ten minutes. Fails closed: when Vault cannot
   * answer (down, sealed, rate-limited, locked namespace) the request is refused with 503 and
   * nothing is remembered, so the next request asks again.
   */
  const vet = async (caller: Caller): Promise<void> => {
    const key = caller.identity.toString('hex');
    let verdict = vetted.get(key);
    if (!verdict) {
      const refusal = accepted.has(key) ? undefined : limits.admitTokenCheck();
      if (refusal) throw new HttpRefusal(429, refusal);
      try {
        const info = await lookupSelf(
          typeof caller.vault === 'function' ? caller.vault() : caller.vault,
        );
        verdict = info.policies.includes('root') && !config.allowRootToken ? 'root' : 'ok';
      } catch (error) {
        if (!(error instanceof VaultResponseError && error.status === 403)) {
          throw new HttpRefusal(
            503,
            `cannot check this token with Vault (auth/token/lookup-self: ${safeErrorText(error, caller.scrub)}); retry when Vault answers`,
          );
        }
        verdict = 'invalid';
      }
      // The server's own token may be mid-login (AppRole/JWT): a 403 then is not a verdict.
      if (!(verdict === 'invalid' && caller.usesServerToken)) vetted.set(key, verdict);
      if (verdict === 'ok') accepted.set(key, true);
    }
    if (verdict === 'root') {
      throw new HttpRefusal(
        403,
        'a token with the root policy is refused in HTTP mode: use a scoped token (vault-mcp policy prints one), or the operator sets VAULT_MCP_ALLOW_ROOT_TOKEN=true',
      );
    }
    if (verdict === 'invalid') {
      throw new HttpRefusal(
        401,
        'Vault does not accept this token (403 on auth/token/lookup-self): it is invalid, expired or revoked',
      );
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  // Liveness and readiness bypass auth and reveal nothing but a state word.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await base.request('get', '/sys/health', {
        query: { standbyok: true, perfstandbyok: true },
        noRetry: true,
      });
      res.json({ status: 'ready' });
    } catch (error) {
      const vault =
        error instanceof VaultResponseError
          ? error.status === 503
            ? 'sealed'
            : error.status === 501
              ? 'uninitialized'
              : 'unhealthy'
          : 'unreachable';
      res.status(503).json({ status: 'not ready', vault });
    }
  });

  const originAllowed = (origin: string): boolean =>
    http.corsMode === 'disabled' ||
    http.allowedOrigins.includes(origin) ||
    (http.corsMode === 'development' &&
      /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin));

  const mcp = express.Router();
  // DNS rebinding: the Host header must name this server exactly as listed. Compared as sent
  // (not URL-normalised), so `2130706433` or `127.0.0.1.` do not pass as 127.0.0.1.
  const hostnames = allowedHostnames(http.host, http.allowedHosts);
  mcp.use((req, res, next) => {
    const host = req.headers.host ?? '';
    const name = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host)?.[1]?.toLowerCase();
    if (name && hostnames.includes(name)) return next();
    log.warn({ host }, 'request with a foreign Host header refused');
    rpcError(
      res,
      403,
      // The accepted names are not listed: they would tell anyone the server's addresses.
      `Invalid Host: ${host || '(none)'}. If clients legitimately reach this server under that name, the operator adds it to MCP_ALLOWED_HOSTS`,
    );
  });
  // The server's own origin (scheme + the Host header, already validated) is same-origin, not CORS.
  const sameOrigin = (req: Request, origin: string): boolean =>
    origin === `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  mcp.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && !sameOrigin(req, origin) && !originAllowed(origin)) {
      log.warn({ origin }, 'request from a disallowed Origin refused');
      rpcError(
        res,
        403,
        `Origin ${origin} is not allowed (MCP_CORS_MODE=${http.corsMode}; add it to MCP_ALLOWED_ORIGINS)`,
      );
      return;
    }
    next();
  });
  if (http.corsMode !== 'disabled') {
    mcp.use(
      cors({
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
      }),
    );
  }
  mcp.use((req, res, next) => {
    const tokenInQuery = Object.keys(req.query).some((name) => /token/i.test(name));
    if (tokenInQuery) {
      log.warn({ path: req.path }, 'token in the query string refused');
      rpcError(
        res,
        400,
        'a token in the URL is refused (URLs end up in logs and histories): send it in the X-Vault-Token header',
      );
      return;
    }
    next();
  });
  // Who calls is settled from the headers alone, before any body is read: a client without a
  // usable token cannot make the server buffer bodies.
  mcp.use((req, res, next) => {
    const caller = (async () => {
      const resolved = resolveCaller(req);
      await vet(resolved);
      return resolved;
    })();
    caller.then(
      (resolved) => {
        res.locals['caller'] = resolved;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof HttpRefusal)) return next(error);
        log.warn({ status: error.status }, error.message);
        rpcError(res, error.status, error.message);
      },
    );
  });
  // Bodies are read whole before JSON parsing: bound how many are in flight at once (64 MiB of
  // bodies in all) and how long one may take (server.requestTimeout below). No Content-Encoding:
  // a gzip body would multiply what a slow client can make the server hold.
  const json = express.json({ limit: http.maxBodyBytes, type: () => true, inflate: false });
  const maxReading = Math.max(4, Math.floor((64 * 1024 * 1024) / http.maxBodyBytes));
  let reading = 0;
  mcp.use((req, res, next) => {
    if (reading >= maxReading) {
      res.setHeader('Retry-After', '1');
      rpcError(res, 503, `too many request bodies in flight (${maxReading}); retry shortly`);
      return;
    }
    reading++;
    json(req, res, (error?: unknown) => {
      reading--;
      next(error);
    });
  });

  const admitFor = (bucket: TokenBucket | undefined) => (tool: string) =>
    limits.admit(bucket, tool);

  const newServer = (
    caller: Caller,
    mounts: MountCache,
    bucket: TokenBucket | undefined,
    sessionLog: Logger,
    capabilities?: CapabilityCache,
  ): McpServer =>
    createMcpServer({
      config,
      vault: caller.vault,
      tokens: caller.tokens,
      log: sessionLog,
      mounts,
      candidates,
      admit: admitFor(bucket),
      capabilities,
    }).server;

  const drop = (id: string | undefined, why: string): void => {
    if (!id) return;
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    log.info({ session: id, why, open: sessions.size }, 'session closed');
    void session.transport.close().catch(() => undefined);
    void session.server.close().catch(() => undefined);
  };

  const withCaller =
    (handler: (req: Request, res: Response, caller: Caller) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      // Set by the authentication step above; narrow cast from express's untyped locals.
      const caller = res.locals['caller'] as Caller;
      try {
        await handler(req, res, caller);
      } catch (error) {
        if (error instanceof HttpRefusal) {
          log.warn({ status: error.status }, error.message);
          rpcError(res, error.status, error.message);
          return;
        }
        log.error({ error: safeErrorText(error, caller.scrub) }, 'MCP request failed');
        rpcError(res, 500, 'internal error', -32603);
      }
    };

  if (http.sessionMode === 'stateful') {
    const existing = async (
      req: Request,
      res: Response,
      caller: Caller,
      id: string,
    ): Promise<void> => {
      const session = sessions.get(id);
      if (!session) {
        rpcError(res, 404, 'unknown or expired session: initialize a new one');
        return;
      }
      if (!sameIdentity(session.identity, caller.identity)) {
        log.warn({ session: id }, 'session used with another token refused');
        rpcError(res, 403, 'this session belongs to another Vault token');
        return;
      }
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res, req.body);
    };
    mcp.post(
      '/',
      withCaller(async (req, res, caller) => {
        const id = header(req, 'mcp-session-id');
        if (id) return existing(req, res, caller, id);
        if (!isInitializeRequest(req.body)) {
          rpcError(
            res,
            400,
            'no Mcp-Session-Id: the first request of a session must be initialize',
          );
          return;
        }
        // One identity may not hold every slot. The server's own token is refused beyond its
        // share: every local client shares that identity, and one must not close another's
        // sessions. A caller with its own token loses its least recently used session instead.
        const own = [...sessions.entries()].filter(([, s]) =>
          sameIdentity(s.identity, caller.identity),
        );
        if (caller.usesServerToken && own.length >= perIdentity) {
          rpcError(
            res,
            503,
            `the server's own token already holds ${own.length} sessions, its share (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS): close one, or send your own token in X-Vault-Token`,
          );
          return;
        }
        const bucket = callerBucket(caller);
        if (!admitOpening(res, bucket)) return;
        if (own.length >= perIdentity) {
          const [oldest] = own.sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0] ?? [];
          drop(
            oldest,
            `the caller opened more than ${perIdentity} sessions (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS)`,
          );
        }
        if (sessions.size >= http.maxSessions) {
          rpcError(
            res,
            503,
            `too many open sessions (MCP_MAX_SESSIONS=${http.maxSessions}); retry later`,
          );
          return;
        }
        const mounts = new MountCache(config.mountCacheTtlMs);
        const server = newServer(
          caller,
          mounts,
          limits.forSession(),
          log,
          chargedCapabilities(caller, bucket),
        );
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          // Event-stream answers to POSTs: a call may ask the user (elicitation/create) and send
          // progress and log notifications before its result, which a plain JSON answer cannot carry.
          enableJsonResponse: false,
          onsessioninitialized: (sessionId) => {
            sessions.set(sessionId, {
              transport,
              server,
              identity: caller.identity,
              lastSeen: Date.now(),
            });
            log.info(
              { session: sessionId, serverToken: caller.usesServerToken, open: sessions.size },
              'session opened',
            );
          },
          onsessionclosed: (sessionId) => drop(sessionId, 'closed by the client'),
        });
        transport.onclose = () => drop(transport.sessionId, 'transport closed');
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      }),
    );
    const other = withCaller(async (req, res, caller) => {
      const id = header(req, 'mcp-session-id');
      if (!id) {
        rpcError(res, 400, 'Mcp-Session-Id header required');
        return;
      }
      await existing(req, res, caller, id);
    });
    mcp.get('/', other);
    mcp.delete('/', other);
  } else {
    mcp.post(
      '/',
      withCaller(async (req, res, caller) => {
        const key = caller.identity.toString('hex');
        let state = callers.get(key);
        if (!state) {
          // One capability probe per caller and TTL, not one per request.
          const bucket = limits.forSession();
          state = {
            bucket,
            mounts: new MountCache(config.mountCacheTtlMs),
            capabilities: chargedCapabilities(caller, bucket),
          };
          callers.set(key, state);
        }
        if (isInitializeRequest(req.body) && !admitOpening(res, state.bucket)) return;
        const server = newServer(caller, state.mounts, state.bucket, log, state.capabilities);
        // No sessionIdGenerator: the SDK's stateless mode (no Mcp-Session-Id, one request, JSON
        // answer). Without a session the user's answer to an elicitation could not come back: the
        // server never asks here, and calls VAULT_MCP_CONFIRM requires confirming are refused.
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        res.on('close', () => {
          void transport.close().catch(() => undefined);
          void server.close().catch(() => undefined);
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      }),
    );
    const notAllowed = (_req: Request, res: Response): void => {
      res.setHeader('Allow', 'POST');
      rpcError(
        res,
        405,
        'stateless mode: only POST is served (no sessions, no server-sent event stream)',
      );
    };
    mcp.get('/', notAllowed);
    mcp.delete('/', notAllowed);
  }
  // Body parser and other failures, as JSON-RPC errors.
  mcp.use(
    (
      error: { type?: string; status?: number; message?: string },
      _req: Request,
      res: Response,
      next: NextFunction,
    ) => {
      void next;
      // Set when the caller was settled; narrow cast from express's untyped locals.
      const scrub = (res.locals['caller'] as Caller | undefined)?.scrub ?? serverScrub;
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
        log.error({ error: safeErrorText(error, scrub) }, 'HTTP request failed');
        rpcError(
          res,
          error.status && error.status >= 400 && error.status < 600 ? error.status : 500,
          'request failed',
        );
      }
    },
  );
  app.use(http.endpoint, mcp);

  const server: Server = tls
    ? createHttpsServer({ ...tls, minVersion: 'TLSv1.2' }, app)
    : createHttpServer(app);
  // Long-lived server-sent event streams must not be cut by a socket timeout; a request (headers
  // and body) must arrive within 30 s, so a client that stalls mid-body frees its slot.
  server.timeout = 0;
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(http.port, http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = http.host.includes(':') ? `[${http.host}]` : http.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}${http.endpoint}`;

  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - http.sessionIdleMs;
      for (const [id, session] of sessions) if (session.lastSeen < cutoff) drop(id, 'idle');
    },
    Math.max(100, Math.min(http.sessionIdleMs / 4, 30_000)),
  );
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    sessionCount: () => sessions.size,
    close: (graceMs = 10_000) =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const id of [...sessions.keys()]) drop(id, 'server shutting down');
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await stopped;
        clearTimeout(timer);
        callers.clear();
        ownTokens.stop();
        if (config.revokeOnExit) await ownTokens.revoke();
        await base.close();
        for (const client of otherVaults.values()) await client.close();
      })()),
  };
}
