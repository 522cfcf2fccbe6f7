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
import { callerKey, type CallerLimits } from './limits.js';
import { header, HttpRefusal, refuse, rpcError } from './refusal.js';
import type { SessionOwner, SharedState } from './state.js';
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
      if (error instanceof HttpRefusal) return refuse(res, log, error, caller.scrub);
      log.error({ error: safeErrorText(error, caller.scrub) }, 'MCP request failed');
      rpcError(res, 500, 'internal error', -32603);
    }
  };
}

/** Stateful routes: POST (initialize or a session's request), GET and DELETE. */
export function statefulRoutes(deps: RouteDeps): Routes {
  return new StatefulSessions(deps).routes();
}

/** The sessions of this replica, bound to their callers in the shared state. */
class StatefulSessions {
  readonly #deps: RouteDeps;
  readonly #sessions = new Map<string, Session>();
  /** Claimed, initialize not answered yet: they count toward MCP_MAX_SESSIONS already. */
  readonly #opening = new Set<string>();
  /** Of those, the ones a later claim of their holder evicted: closed as soon as they open. */
  readonly #evictedOpening = new Set<string>();
  /** One identity (the server's own included) holds at most this many sessions, never all. */
  readonly #perIdentity: number;

  constructor(deps: RouteDeps) {
    this.#deps = deps;
    const http = deps.config.http;
    this.#perIdentity = Math.min(http.maxSessionsPerCaller, Math.max(1, http.maxSessions - 1));
  }

  /** The handlers, the session count, and a close that ends every session and the idle sweep. */
  routes(): Routes {
    const { log, config } = this.#deps;
    const post = withCaller(log, async (req, res, caller) => {
      const id = header(req, 'mcp-session-id');
      if (id) return this.#existing(req, res, caller, id);
      if (!isInitializeRequest(req.body)) {
        rpcError(res, 400, 'no Mcp-Session-Id: the first request of a session must be initialize');
        return;
      }
      await this.#open(req, res, caller);
    });
    const other = withCaller(log, async (req, res, caller) => {
      const id = header(req, 'mcp-session-id');
      if (!id) {
        rpcError(res, 400, 'Mcp-Session-Id header required');
        return;
      }
      await this.#existing(req, res, caller, id);
    });
    const idleMs = config.http.sessionIdleMs;
    const sweeper = setInterval(
      () => {
        const cutoff = Date.now() - idleMs;
        for (const [id, session] of this.#sessions)
          if (session.lastSeen < cutoff) this.#drop(id, 'idle');
      },
      Math.max(100, Math.min(idleMs / 4, 30_000)),
    );
    sweeper.unref();
    // Shared state: a claim on another replica may have evicted a session held here.
    const touchMs = this.#deps.state.touchEveryMs;
    const reconciler =
      touchMs > 0
        ? setInterval(() => void this.#reconcile(), Math.min(10_000, Math.max(500, 5 * touchMs)))
        : undefined;
    reconciler?.unref();
    return {
      handlers: { POST: post, GET: other, DELETE: other },
      sessionCount: () => this.#sessions.size,
      close: () => {
        clearInterval(sweeper);
        clearInterval(reconciler);
        for (const id of [...this.#sessions.keys()]) this.#drop(id, 'server shutting down');
        return Promise.resolve();
      },
    };
  }

  /**
   * Close the sessions held here whose binding is gone from the shared state: evicted by a claim
   * of their holder on another replica, which cannot close them itself. Unused, they would hold
   * a slot of MCP_MAX_SESSIONS here until their idle expiry while no longer counting toward
   * their holder's cap. While the state cannot be read, nothing is closed.
   */
  async #reconcile(): Promise<void> {
    const held = [...this.#sessions.keys()];
    let owners: Array<string | undefined>;
    try {
      owners = await Promise.all(held.map((id) => this.#deps.state.ownerOf(id)));
    } catch {
      return;
    }
    held.forEach((id, i) => {
      if (owners[i] === undefined)
        this.#drop(id, 'closed elsewhere (its caller opened too many sessions on other replicas)');
    });
  }

  /** Forget session `id` here and in the shared state, and close its transport and server. */
  #drop(id: string | undefined, why: string): void {
    if (!id) return;
    // Evicted while its initialize is under way: it closes as soon as it opens.
    if (this.#opening.has(id)) this.#evictedOpening.add(id);
    const session = this.#sessions.get(id);
    if (!session) return;
    const { state, log } = this.#deps;
    this.#sessions.delete(id);
    void state.unbind(id, ownerOf(session.caller)).catch(() => undefined);
    log.info({ session: shown(id), why, open: this.#sessions.size }, 'session closed');
    void session.transport.close().catch(() => undefined);
    void session.server.close().catch(() => undefined);
  }

  /** A request of session `id`: served when `caller` owns it, else 403 or 404. */
  async #existing(req: McpRequest, res: ServerResponse, caller: Caller, id: string): Promise<void> {
    const { state, log } = this.#deps;
    const identity = caller.identity.toString('hex');
    const session = this.#sessions.get(id);
    if (!session) {
      // Bound on another replica (or closed): a stolen id stays useless there too.
      const owner = await state.ownerOf(id);
      if (owner !== undefined && owner !== identity) return foreignSession(res, log, id);
      rpcError(
        res,
        404,
        owner === undefined
          ? 'unknown or expired session: initialize a new one'
          : 'this session is held by another replica (stateful mode wants sticky routing): initialize a new one',
      );
      return;
    }
    if (!sameIdentity(session.caller.identity, caller.identity))
      return foreignSession(res, log, id);
    const now = Date.now();
    session.lastSeen = now;
    if (now - session.lastTouched >= state.touchEveryMs) {
      session.lastTouched = now;
      if (!(await state.touch(id, ownerOf(caller)))) {
        this.#drop(id, 'closed elsewhere (its caller opened too many sessions on other replicas)');
        rpcError(res, 404, 'unknown or expired session: initialize a new one');
        return;
      }
    }
    await serveWeb(session.transport, req, res, req.body);
  }

  /** An initialize: a new session when `caller` and the server have room for it. */
  async #open(req: McpRequest, res: ServerResponse, caller: Caller): Promise<void> {
    const id = await this.#claim(res, caller);
    if (id === undefined) return;
    const { state } = this.#deps;
    const { transport, server } = this.#newSession(id, caller);
    try {
      await server.connect(transport);
      await serveWeb(transport, req, res, req.body);
    } finally {
      this.#opening.delete(id);
      this.#evictedOpening.delete(id);
      // The SDK refused this initialize (or failed): the claim binds no session.
      if (!this.#sessions.has(id)) await state.unbind(id, ownerOf(caller)).catch(() => undefined);
    }
  }

  /**
   * A new session id bound to `caller` in the shared state, or undefined when refused (answered
   * 503 on `res`). One identity may not hold every slot. The server's own token is refused beyond
   * its share: every local client shares that identity, and one must not close another's
   * sessions. A caller with its own token loses its least recently used session instead.
   * @throws HttpRefusal 429 from the opening rate limit.
   */
  async #claim(res: ServerResponse, caller: Caller): Promise<string | undefined> {
    const { state, limits, config } = this.#deps;
    const perIdentity = this.#perIdentity;
    const owner = ownerOf(caller);
    const share = (held: number) =>
      `the server's own token already holds ${held} sessions, its share (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS): close one, or send your own token in X-Vault-Token`;
    // Early, before spending; the claim below is the check that holds across replicas.
    const held = caller.usesServerToken ? await state.sessionCount(owner.holder) : 0;
    if (held >= perIdentity) {
      rpcError(res, 503, share(held));
      return undefined;
    }
    await limits.admitOpening(caller);
    const id = randomUUID();
    // Opening from now on: a claim of the same holder (here, or another replica's) may evict it
    // before its initialize is answered.
    this.#opening.add(id);
    let kept = false;
    try {
      const claim = await state.claim(
        id,
        owner,
        perIdentity,
        caller.usesServerToken ? 'refuse' : 'evict',
      );
      if (!claim.bound) {
        rpcError(res, 503, share(claim.held));
        return undefined;
      }
      const why = `the caller opened more than ${perIdentity} sessions (MCP_MAX_SESSIONS_PER_CALLER, and less than MCP_MAX_SESSIONS)`;
      // Held here: closed now (or, still opening, as soon as it opens); held by another replica:
      // it finds the binding gone at its next touch or reconcile.
      for (const oldest of claim.evicted) this.#drop(oldest, why);
      const max = config.http.maxSessions;
      // Openings under way count (this one too): a burst of initializes must not overshoot.
      if (this.#sessions.size + this.#opening.size > max) {
        await state.unbind(id, owner);
        rpcError(res, 503, `too many open sessions (MCP_MAX_SESSIONS=${max}); retry later`);
        return undefined;
      }
      kept = true;
      return id;
    } finally {
      if (!kept) {
        this.#opening.delete(id);
        this.#evictedOpening.delete(id);
      }
    }
  }

  /** The transport and server of session `id`, registered here once initialize is answered. */
  #newSession(
    id: string,
    caller: Caller,
  ): { transport: WebStandardStreamableHTTPServerTransport; server: McpServer } {
    const { config, log, limits } = this.#deps;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      // Event-stream answers to POSTs: a call may ask the user (elicitation/create) and send
      // progress and log notifications before its result, which a plain JSON answer cannot carry.
      enableJsonResponse: false,
      onsessioninitialized: (sessionId) => {
        this.#opening.delete(sessionId);
        if (this.#evictedOpening.delete(sessionId)) {
          // Its holder opened more sessions meanwhile: this one lost its binding already.
          log.info({ session: shown(sessionId), why: 'evicted while it opened' }, 'session closed');
          void transport.close().catch(() => undefined);
          void server.close().catch(() => undefined);
          return;
        }
        const now = Date.now();
        this.#sessions.set(sessionId, {
          transport,
          server,
          caller,
          lastSeen: now,
          lastTouched: now,
        });
        log.info(
          {
            session: shown(sessionId),
            serverToken: caller.usesServerToken,
            open: this.#sessions.size,
          },
          'session opened',
        );
      },
      onsessionclosed: (sessionId) => this.#drop(sessionId, 'closed by the client'),
    });
    const server = newServer(
      this.#deps,
      caller,
      new MountCache(config.mountCacheTtlMs),
      // The caller's bucket, shared by all its sessions: more sessions buy no more calls.
      limits.admitCalls(caller),
      limits.capabilities(caller),
    );
    transport.onclose = () => this.#drop(transport.sessionId, 'transport closed');
    return { transport, server };
  }
}

/** Who holds `caller`'s sessions, in the shared state's terms. */
function ownerOf(caller: Caller): SessionOwner {
  return { identity: caller.identity.toString('hex'), holder: caller.holder };
}

/** 403 to a request naming a session another identity owns (a stolen or guessed id). */
function foreignSession(res: ServerResponse, log: Logger, id: string): void {
  log.warn({ session: shown(id) }, 'session used with another token refused');
  rpcError(res, 403, 'this session belongs to another Vault token');
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

/** A stateless caller's mount cache and idle servers. */
interface StatelessCaller {
  readonly mounts: MountCache;
  readonly idle: McpServer[];
}

/**
 * Stateless mode's per-caller mount caches and idle servers, bounded in count and idle time
 * (at most IDLE_SERVERS_PER_CALLER per caller and IDLE_SERVERS in all); capabilities are per
 * caller in CallerLimits.
 */
class IdleServers {
  #count = 0;
  readonly #callers: LRUCache<string, StatelessCaller>;
  readonly #mountTtlMs: number;

  /** `idleMs`: how long a caller is remembered unused; `mountTtlMs`: its mount cache's TTL. */
  constructor(idleMs: number, mountTtlMs: number) {
    this.#mountTtlMs = mountTtlMs;
    this.#callers = new LRUCache({
      max: 10_000,
      ttl: idleMs,
      updateAgeOnGet: true,
      // A caller forgotten (idle or evicted): its idle servers go with it.
      dispose: (entry) => {
        this.#count -= entry.idle.length;
        for (const server of entry.idle.splice(0)) void server.close().catch(() => undefined);
      },
    });
  }

  /** The entry of caller `key`, made on first use. */
  of(key: string): StatelessCaller {
    let entry = this.#callers.get(key);
    if (!entry) {
      entry = { mounts: new MountCache(this.#mountTtlMs), idle: [] };
      this.#callers.set(key, entry);
    }
    return entry;
  }

  /** One of the caller's idle servers, or undefined. */
  take(entry: StatelessCaller): McpServer | undefined {
    const server = entry.idle.pop();
    if (server) this.#count--;
    return server;
  }

  /** Keep `server` for the caller's next request when both bounds allow, else close it. */
  keepOrClose(key: string, entry: StatelessCaller, server: McpServer): void {
    const room =
      entry.idle.length < IDLE_SERVERS_PER_CALLER &&
      this.#count < IDLE_SERVERS &&
      this.#callers.peek(key) === entry;
    if (room && !server.isConnected()) {
      entry.idle.push(server);
      this.#count++;
    } else void server.close().catch(() => undefined);
  }

  clear(): void {
    this.#callers.clear();
  }
}

/**
 * Stateless routes: POST only, each request served by a server with no client state
 * (a new one, or one of the caller's idle servers).
 */
export function statelessRoutes(deps: RouteDeps): Routes {
  const { config, log, limits } = deps;
  const pool = new IdleServers(config.http.sessionIdleMs, config.mountCacheTtlMs);
  const post = withCaller(log, async (req, res, caller) => {
    const key = callerKey(caller);
    const entry = pool.of(key);
    if (isInitializeRequest(req.body)) await limits.admitOpening(caller);
    const server =
      pool.take(entry) ??
      newServer(
        deps,
        caller,
        entry.mounts,
        limits.admitCalls(caller),
        // One capability probe per caller and TTL, not one per request.
        limits.capabilities(caller),
      );
    const reusable = leavesNoState(req.body);
    // No sessionIdGenerator: the SDK's stateless mode (no Mcp-Session-Id, one request, JSON
    // answer). Without a session the user's answer to an elicitation could not come back: the
    // server never asks here, and calls VAULT_MCP_CONFIRM requires confirming are refused.
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => {
      // Closing the transport disconnects the server (the SDK's Protocol); one that served only
      // a stateless request may serve the caller's next one.
      void transport.close().then(
        () =>
          reusable
            ? pool.keepOrClose(key, entry, server)
            : void server.close().catch(() => undefined),
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
      pool.clear();
      return Promise.resolve();
    },
  };
}
