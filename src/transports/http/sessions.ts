/**
 * The MCP routes. Stateful: sessions of the SDK's streamable-HTTP transport, bound to the caller
 * that opened them (in the shared state, so another replica knows the binding too), capped per
 * caller and closed when idle. Stateless: every POST served by a server of its own.
 */
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { MountCache } from '../../server/mount-cache.js';
import type { CapabilityCache } from '../../server/capabilities.js';
import { createMcpServer } from '../../server/server.js';
import type { Tool } from '../../server/tool.js';
import { safeErrorText } from '../../client/errors.js';
import { sameIdentity, type Caller } from './callers.js';
import type { McpRequest } from './guards.js';
import { callerKey, sessionKey, type CallerLimits } from './limits.js';
import { header, HttpRefusal, refuse, rpcError } from './refusal.js';
import type { SharedState } from './state.js';
import { serveWeb } from './web-transport.js';

/** What the routes need. */
export interface RouteDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly candidates: readonly Tool[];
  readonly state: SharedState;
  readonly limits: CallerLimits;
}

/** A route's handler, once the guards passed, the caller is settled and the body is read. */
export type McpHandler = (req: McpRequest, res: ServerResponse, caller: Caller) => Promise<void>;

/**
 * A session id as logs show it: its first 8 characters. With the caller's token, the whole id
 * takes over a session; 8 characters (32 bits of a UUID) still tell one session from another in
 * a log.
 */
function shown(id: string): string {
  return `${id.slice(0, 8)}…`;
}

/**
 * The routes: a handler per method on the MCP endpoint (a method without one is not routed),
 * open sessions on this replica, and ending them all.
 */
export interface Routes {
  readonly handlers: Readonly<Partial<Record<'POST' | 'GET' | 'DELETE', McpHandler>>>;
  sessionCount(): number;
  close(): Promise<void>;
}

interface Session {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: McpServer;
  readonly caller: Caller;
  lastSeen: number;
  lastTouched: number;
}

function newServer(
  deps: RouteDeps,
  caller: Caller,
  mounts: MountCache,
  admit: (tool: string) => Promise<string | undefined>,
  capabilities: CapabilityCache,
): McpServer {
  return createMcpServer({
    config: deps.config,
    vault: caller.vault,
    tokens: caller.tokens,
    log: deps.log,
    mounts,
    candidates: deps.candidates,
    admit,
    capabilities,
  }).server;
}

/** `handler`, with its refusals and failures turned into JSON-RPC errors. */
function withCaller(log: Logger, handler: McpHandler): McpHandler {
  return async (req, res, caller) => {
    try {
      await handler(req, res, caller);
    } catch (error) {
      if (error instanceof HttpRefusal) return refuse(res, log, error);
      log.error({ error: safeErrorText(error, caller.scrub) }, 'MCP request failed');
      rpcError(res, 500, 'internal error', -32603);
    }
  };
}

/** Stateful routes: POST (initialize or a session's request), GET and DELETE. */
export function statefulRoutes(deps: RouteDeps): Routes {
  const { config, log, state, limits } = deps;
  const http = config.http;
  const sessions = new Map<string, Session>();
  // One identity (the server's own included) holds at most this many sessions, never all.
  const perIdentity = Math.min(http.maxSessionsPerCaller, Math.max(1, http.maxSessions - 1));

  const drop = (id: string | undefined, why: string): void => {
    if (!id) return;
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    state.forget(sessionKey(id));
    void state.unbind(id, session.caller.identity.toString('hex')).catch(() => undefined);
    log.info({ session: shown(id), why, open: sessions.size }, 'session closed');
    void session.transport.close().catch(() => undefined);
    void session.server.close().catch(() => undefined);
  };

  const existing = async (req: McpRequest, res: ServerResponse, caller: Caller, id: string) => {
    const identity = caller.identity.toString('hex');
    const session = sessions.get(id);
    if (!session) {
      // Bound on another replica (or closed): a stolen id stays useless there too.
      const owner = await state.ownerOf(id);
      if (owner !== undefined && owner !== identity) {
        log.warn({ session: shown(id) }, 'session used with another token refused');
        rpcError(res, 403, 'this session belongs to another Vault token');
        return;
      }
      rpcError(
        res,
        404,
        owner === undefined
          ? 'unknown or expired session: initialize a new one'
          : 'this session is held by another replica (stateful mode wants sticky routing): initialize a new one',
      );
      return;
    }
    if (!sameIdentity(session.caller.identity, caller.identity)) {
      log.warn({ session: shown(id) }, 'session used with another token refused');
      rpcError(res, 403, 'this session belongs to another Vault token');
      return;
    }
    const now = Date.now();
    session.lastSeen = now;
    if (now - session.lastTouched >= state.touchEveryMs) {
      session.lastTouched = now;
      if (!(await state.touch(id, identity))) {
        drop(id, 'closed elsewhere (its caller opened too many sessions on other replicas)');
        rpcError(res, 404, 'unknown or expired session: initialize a new one');
        return;
      }
    }
    await serveWeb(session.transport, req, res, req.body);
  };

  const open = async (req: McpRequest, res: ServerResponse, caller: Caller) => {
    const identity = caller.identity.toString('hex');
    // One identity may not hold every slot. The server's own token is refused beyond its
    // share: every local client shares that identity, and one must not close another's
    // sessions. A caller with its own token loses its least recently used session instead.
    const share = (held: number) =>
      `the server's own token already holds ${held} sessions, its share (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS): close one, or send your own token in X-Vault-Token`;
    // Early, before spending; the claim below is the check that holds across replicas.
    const held = caller.usesServerToken ? await state.sessionCount(identity) : 0;
    if (held >= perIdentity) {
      rpcError(res, 503, share(held));
      return;
    }
    await limits.admitOpening(caller);
    const id = randomUUID();
    const claim = await state.claim(
      id,
      identity,
      perIdentity,
      caller.usesServerToken ? 'refuse' : 'evict',
    );
    if (!claim.bound) {
      rpcError(res, 503, share(claim.held));
      return;
    }
    const why = `the caller opened more than ${perIdentity} sessions (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS)`;
    // Held here: closed now; held by another replica: it finds the binding gone at its next touch.
    for (const oldest of claim.evicted) drop(oldest, why);
    if (sessions.size >= http.maxSessions) {
      await state.unbind(id, identity);
      rpcError(
        res,
        503,
        `too many open sessions (MCP_MAX_SESSIONS=${http.maxSessions}); retry later`,
      );
      return;
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      // Event-stream answers to POSTs: a call may ask the user (elicitation/create) and send
      // progress and log notifications before its result, which a plain JSON answer cannot carry.
      enableJsonResponse: false,
      onsessioninitialized: (sessionId) => {
        const now = Date.now();
        sessions.set(sessionId, { transport, server, caller, lastSeen: now, lastTouched: now });
        log.info(
          { session: shown(sessionId), serverToken: caller.usesServerToken, open: sessions.size },
          'session opened',
        );
      },
      onsessionclosed: (sessionId) => drop(sessionId, 'closed by the client'),
    });
    const server = newServer(
      deps,
      caller,
      new MountCache(config.mountCacheTtlMs),
      // The session id exists once initialize is answered, before any tool call.
      (tool) => limits.admitCalls(sessionKey(transport.sessionId ?? ''), 'per-session')(tool),
      limits.capabilities(caller),
    );
    transport.onclose = () => drop(transport.sessionId, 'transport closed');
    try {
      await server.connect(transport);
      await serveWeb(transport, req, res, req.body);
    } finally {
      // The SDK refused this initialize (or failed): the claim binds no session.
      if (!sessions.has(id)) await state.unbind(id, identity).catch(() => undefined);
    }
  };

  const post = withCaller(log, async (req, res, caller) => {
    const id = header(req, 'mcp-session-id');
    if (id) return existing(req, res, caller, id);
    if (!isInitializeRequest(req.body)) {
      rpcError(res, 400, 'no Mcp-Session-Id: the first request of a session must be initialize');
      return;
    }
    await open(req, res, caller);
  });
  const other = withCaller(log, async (req, res, caller) => {
    const id = header(req, 'mcp-session-id');
    if (!id) {
      rpcError(res, 400, 'Mcp-Session-Id header required');
      return;
    }
    await existing(req, res, caller, id);
  });

  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - http.sessionIdleMs;
      for (const [id, session] of sessions) if (session.lastSeen < cutoff) drop(id, 'idle');
    },
    Math.max(100, Math.min(http.sessionIdleMs / 4, 30_000)),
  );
  sweeper.unref();
  return {
    handlers: { POST: post, GET: other, DELETE: other },
    sessionCount: () => sessions.size,
    close: () => {
      clearInterval(sweeper);
      for (const id of [...sessions.keys()]) drop(id, 'server shutting down');
      return Promise.resolve();
    },
  };
}

/**
 * Idle servers kept per caller in stateless mode. Building an McpServer (its JSON Schema
 * validator, tool and prompt registrations, logger) cost more than the read it served; a caller's
 * concurrent requests each take one, and up to this many wait for the next requests.
 */
const IDLE_SERVERS_PER_CALLER = 4;
/**
 * Idle servers kept in all, whatever the number of callers: one costs about 75 KB (default
 * toolsets), so 10,000 callers × 4 unbounded would be about 3 GB.
 */
const IDLE_SERVERS = 256;

/**
 * Requests after which a stateless server holds nothing of the client: not `initialize` (the
 * client's capabilities, which would let a later call try elicitation that cannot come back), not
 * `logging/setLevel`, no batch. A server that served anything else is closed, as before.
 */
const STATELESS_METHODS = new Set([
  'tools/call',
  'tools/list',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'completion/complete',
  'ping',
]);
function leavesNoState(body: unknown): boolean {
  // A parsed JSON body: read one field, whatever the shape.
  const method = (body as { method?: unknown } | null)?.method;
  return !Array.isArray(body) && typeof method === 'string' && STATELESS_METHODS.has(method);
}

/**
 * Stateless routes: POST only, each request served by a server with no client state
 * (a new one, or one of the caller's idle servers).
 */
export function statelessRoutes(deps: RouteDeps): Routes {
  const { config, log, limits } = deps;
  // Per-caller mount caches and idle servers, bounded in count and idle time (capabilities: per
  // caller in limits).
  let idleServers = 0;
  const callers = new LRUCache<string, { mounts: MountCache; idle: McpServer[] }>({
    max: 10_000,
    ttl: config.http.sessionIdleMs,
    updateAgeOnGet: true,
    // A caller forgotten (idle or evicted): its idle servers go with it.
    dispose: (entry) => {
      idleServers -= entry.idle.length;
      for (const server of entry.idle.splice(0)) void server.close().catch(() => undefined);
    },
  });
  /** One of the caller's idle servers, or undefined. */
  const takeIdle = (entry: { idle: McpServer[] }): McpServer | undefined => {
    const server = entry.idle.pop();
    if (server) idleServers--;
    return server;
  };
  /** Keep `server` for the caller's next request when both bounds allow, else close it. */
  const keepOrClose = (key: string, entry: { idle: McpServer[] }, server: McpServer): void => {
    const room =
      entry.idle.length < IDLE_SERVERS_PER_CALLER &&
      idleServers < IDLE_SERVERS &&
      callers.peek(key) === entry;
    if (room && !server.isConnected()) {
      entry.idle.push(server);
      idleServers++;
    } else void server.close().catch(() => undefined);
  };
  const post = withCaller(log, async (req, res, caller) => {
    const key = callerKey(caller);
    let cached = callers.get(key);
    if (!cached) {
      cached = { mounts: new MountCache(config.mountCacheTtlMs), idle: [] };
      callers.set(key, cached);
    }
    if (isInitializeRequest(req.body)) await limits.admitOpening(caller);
    const server =
      takeIdle(cached) ??
      newServer(
        deps,
        caller,
        cached.mounts,
        // Worded as before the per-caller buckets had a name: the caller is the session here.
        limits.admitCalls(key, 'per-session'),
        // One capability probe per caller and TTL, not one per request.
        limits.capabilities(caller),
      );
    const reusable = leavesNoState(req.body);
    // No sessionIdGenerator: the SDK's stateless mode (no Mcp-Session-Id, one request, JSON
    // answer). Without a session the user's answer to an elicitation could not come back: the
    // server never asks here, and calls VAULT_MCP_CONFIRM requires confirming are refused.
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    const entry = cached;
    res.on('close', () => {
      // Closing the transport disconnects the server (the SDK's Protocol); one that served only
      // a stateless request may serve the caller's next one.
      void transport.close().then(
        () =>
          reusable ? keepOrClose(key, entry, server) : void server.close().catch(() => undefined),
        () => undefined,
      );
    });
    await server.connect(transport);
    await serveWeb(transport, req, res, req.body);
  });
  const notAllowed: McpHandler = (_req, res) => {
    res.setHeader('Allow', 'POST');
    rpcError(
      res,
      405,
      'stateless mode: only POST is served (no sessions, no server-sent event stream)',
    );
    return Promise.resolve();
  };
  return {
    handlers: { POST: post, GET: notAllowed, DELETE: notAllowed },
    sessionCount: () => 0,
    close: () => {
      callers.clear();
      return Promise.resolve();
    },
  };
}
