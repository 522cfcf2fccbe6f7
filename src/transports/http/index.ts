/**
 * `vault-mcp http`: the SDK's streamable-HTTP transport behind the controls a shared service
 * needs. This file only wires the parts:
 * - listener.ts: loopback by default, HTTPS for anything else, request timeouts;
 * - guards.ts: Host (DNS rebinding) and Origin checks, no token in the URL, bounded bodies;
 * - callers.ts: per-caller Vault tokens (X-Vault-Token or Authorization: Bearer), namespaces in
 *   one spelling, one token check per new caller;
 * - sessions.ts: sessions bound to the caller that opened them, capped per caller, closed when
 *   idle; or stateless serving for replicas behind a load balancer;
 * - limits.ts over state.ts: rate buckets on tool calls, new sessions and capability probes, in
 *   memory or (MCP_REDIS_URL) shared by every replica through Redis.
 * Also /healthz and /readyz, and graceful shutdown.
 */
import type { Server } from 'node:http';
import express from 'express';
import { TokenManager } from '../../auth/token-manager.js';
import { createVaultClient } from '../../client/client.js';
import { VaultResponseError } from '../../client/errors.js';
import { isLoopback, type Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Tool } from '../../server/tool.js';
import { Callers, scrubberOf } from './callers.js';
import { bodyReader, errorHandler, useRequestGuards } from './guards.js';
import { CallerLimits } from './limits.js';
import { listen, readTls } from './listener.js';
import { rpcError } from './refusal.js';
import { statefulRoutes, statelessRoutes } from './sessions.js';
import { openSharedState } from './state.js';

export { allowedHostnames } from './guards.js';
export { canonicalNamespace } from './callers.js';

/** A running HTTP server. */
export interface HttpServerHandle {
  /** `http(s)://host:port/mcp` */
  readonly url: string;
  readonly server: Server;
  /** Open sessions on this replica (stateful mode). */
  sessionCount(): number;
  /** Stop accepting, end every session, wait for connections (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
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
  const tls = readTls(http);
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
  const state = await openSharedState(config, log);
  const callers = new Callers({
    config,
    base,
    ownTokens,
    hasServerToken: Boolean(config.vault.token || config.login),
    loopback: isLoopback(http.host),
    state,
    log,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Liveness and readiness bypass auth and reveal nothing but a state word.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const shared = state.unavailable();
    if (shared) {
      res.status(503).json({ status: 'not ready', redis: shared });
      return;
    }
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

  const mcp = express.Router();
  useRequestGuards(mcp, http, tls !== undefined, log);
  // Fail closed while the shared state is unreachable: no limit is silently lifted.
  mcp.use((_req, res, next) => {
    if (!state.unavailable()) return next();
    res.setHeader('Retry-After', '1');
    rpcError(
      res,
      503,
      'the shared rate limits and sessions (Redis, MCP_REDIS_URL) cannot be reached: requests are refused until it answers; retry shortly',
    );
  });
  mcp.use(callers.authenticate);
  mcp.use(bodyReader(http));
  const deps = {
    config,
    log,
    candidates,
    state,
    limits: new CallerLimits(state, config, log, candidates),
  };
  const routes =
    http.sessionMode === 'stateful' ? statefulRoutes(mcp, deps) : statelessRoutes(mcp, deps);
  mcp.use(errorHandler(http, log, scrubberOf(config.vault.token)));
  app.use(http.endpoint, mcp);

  const { server, url } = await listen(http, tls, app);
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    sessionCount: () => routes.sessionCount(),
    close: (graceMs = 10_000) =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await routes.close();
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await stopped;
        clearTimeout(timer);
        ownTokens.stop();
        if (config.revokeOnExit) await ownTokens.revoke();
        await state.close();
        await base.close();
        await callers.close();
      })()),
  };
}
