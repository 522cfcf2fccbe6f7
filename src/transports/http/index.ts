/**
 * `vault-mcp http`: the SDK's streamable-HTTP transport behind the controls a shared service
 * needs. This file only wires the parts:
 * - listener.ts: loopback by default, HTTPS for anything else, request timeouts;
 * - app.ts: the request listener (node:http, no framework): three routes and the steps before them;
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
import { TokenManager } from '../../auth/token-manager.js';
import { createVaultClient, type VaultClient } from '../../client/client.js';
import { isLoopback, type Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Tool } from '../../server/tool.js';
import { Callers, scrubberOf } from './callers.js';
import { requestListener } from './app.js';
import { CallerLimits } from './limits.js';
import { listen, readTls } from './listener.js';
import { statefulRoutes, statelessRoutes, type Routes } from './sessions.js';
import { openSharedState, type SharedState } from './state.js';

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

  const deps = {
    config,
    log,
    candidates,
    state,
    limits: new CallerLimits(state, config, log, candidates),
  };
  const routes = http.sessionMode === 'stateful' ? statefulRoutes(deps) : statelessRoutes(deps);
  const app = requestListener({
    http,
    tls: tls !== undefined,
    log,
    state,
    base,
    callers,
    routes,
    serverScrub: scrubberOf(config.vault.token),
  });

  const { server, url } = await listen(http, tls, app);
  let closing: Promise<void> | undefined;
  const parts = { server, routes, ownTokens, state, base, callers };
  return {
    url,
    server,
    sessionCount: () => routes.sessionCount(),
    close: (graceMs = 10_000) => (closing ??= shutDown(parts, graceMs, config.revokeOnExit)),
  };
}

/** What {@link shutDown} stops, in its order. */
interface ServingParts {
  readonly server: Server;
  readonly routes: Routes;
  readonly ownTokens: TokenManager;
  readonly state: SharedState;
  readonly base: VaultClient;
  readonly callers: Callers;
}

/**
 * Stop accepting connections, close every session, wait up to `graceMs` for requests under way
 * (then cut the connections), stop (and with `revoke`, revoke) the server's own token, and
 * close the shared state and the Vault connection pool.
 */
async function shutDown(parts: ServingParts, graceMs: number, revoke: boolean): Promise<void> {
  const { server, routes, ownTokens } = parts;
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  await routes.close();
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await stopped;
  clearTimeout(timer);
  ownTokens.stop();
  if (revoke) await ownTokens.revoke();
  await parts.state.close();
  await parts.base.close();
  await parts.callers.close();
}
