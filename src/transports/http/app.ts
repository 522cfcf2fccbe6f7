/**
 * The request listener for node:http: three routes (the MCP endpoint, /healthz, /readyz) picked by
 * method and path, and on the MCP endpoint the steps every request passes first, in order:
 * guards.ts's Host, Origin/CORS and query checks, the shared state's fail-closed check, the
 * caller (callers.ts), the body (body-parser). This replaced express, whose router, request and
 * response decorations cost CPU on every call for three routes. What express answered on its
 * own is kept: a path it did not route gets finalhandler's 404 (`Cannot GET /x`); an OPTIONS
 * that CORS does not answer gets the router's 200 with Allow; paths match case-insensitively,
 * with or without a trailing slash.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import finalhandler from 'finalhandler';
import type { VaultClient } from '../../client/client.js';
import { VaultResponseError } from '../../client/errors.js';
import type { Logger } from '../../log.js';
import type { HttpConfig } from '../../config.js';
import type { Callers } from './callers.js';
import {
  bodyReader,
  errorHandler,
  pathOf,
  requestGuards,
  type McpRequest,
  type Step,
} from './guards.js';
import { rpcError, sendJson } from './refusal.js';
import type { Routes } from './sessions.js';
import type { SharedState } from './state.js';

/** What the listener serves with. */
export interface AppDeps {
  readonly http: HttpConfig;
  readonly tls: boolean;
  readonly log: Logger;
  readonly state: SharedState;
  /** The Vault client without a token: /readyz asks it for sys/health. */
  readonly base: VaultClient;
  readonly callers: Callers;
  readonly routes: Routes;
  /** Removes VAULT_TOKEN from error texts before a caller is settled. */
  readonly serverScrub: (text: string) => string;
}

/** A path as express matched it: case-insensitive, one trailing slash ignored. */
function routeOf(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** Run `steps` in order; `done` when the last calls next(), `failed` on next(error) or a throw. */
function runSteps(
  steps: readonly Step[],
  req: McpRequest,
  res: ServerResponse,
  done: () => void,
  failed: (error: unknown) => void,
): void {
  let at = 0;
  const next = (error?: unknown): void => {
    // As connect and express: a falsy value (cors passes null) is no error.
    if (error) return failed(error);
    const step = steps[at++];
    // A throw in a step or in what follows the last one goes to `failed`, as express did.
    try {
      if (step) step(req, res, next);
      else done();
    } catch (thrown) {
      failed(thrown);
    }
  };
  next();
}

/** `GET /readyz`: 200 ready, or 503 with the one word that says what is not. */
async function readiness(state: SharedState, base: VaultClient, res: ServerResponse) {
  const shared = state.unavailable();
  if (shared) return sendJson(res, 503, { status: 'not ready', redis: shared });
  try {
    await base.request('get', '/sys/health', {
      query: { standbyok: true, perfstandbyok: true },
      noRetry: true,
    });
    sendJson(res, 200, { status: 'ready' });
  } catch (error) {
    const vault =
      error instanceof VaultResponseError
        ? error.status === 503
          ? 'sealed'
          : error.status === 501
            ? 'uninitialized'
            : 'unhealthy'
        : 'unreachable';
    sendJson(res, 503, { status: 'not ready', vault });
  }
}

/** The router's answer to an OPTIONS no step answered: 200, the routed methods in Allow. */
function allowed(res: ServerResponse, methods: readonly string[]): void {
  const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
  res.setHeader('Allow', allow);
  res.setHeader('Content-Length', Buffer.byteLength(allow));
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(allow);
}

/**
 * The MCP endpoint: the steps, then the route for the method. A request that reaches no route
 * gets the OPTIONS answer or a 404, as express gave.
 */
function mcpEndpoint(
  deps: AppDeps,
): (req: McpRequest, res: ServerResponse, routed: boolean) => void {
  const { http, tls, log, state, callers, routes, serverScrub } = deps;
  const onError = errorHandler(http, log);
  const failClosed: Step = (_req, res, next) => {
    // Fail closed while the shared state is unreachable: no limit is silently lifted.
    if (!state.unavailable()) return next();
    res.setHeader('Retry-After', '1');
    rpcError(
      res,
      503,
      'the shared rate limits and sessions (Redis, MCP_REDIS_URL) cannot be reached: requests are refused until it answers; retry shortly',
    );
  };
  const before = [...requestGuards(http, tls, log, serverScrub), failClosed];
  const body = bodyReader(http);
  const methods = Object.keys(routes.handlers);
  return (req, res, routed) => {
    const fail = (scrub: (text: string) => string) => (error: unknown) =>
      onError(error, res, scrub);
    runSteps(
      before,
      req,
      res,
      () => {
        callers.authenticate(req, res).then((caller) => {
          if (!caller) return;
          runSteps(
            [body],
            req,
            res,
            () => {
              const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
              const handler =
                routed && Object.hasOwn(routes.handlers, method)
                  ? routes.handlers[method as keyof Routes['handlers']] // narrow: an own key
                  : undefined;
              if (handler) return void handler(req, res, caller).catch(fail(caller.scrub));
              if (req.method === 'OPTIONS') return allowed(res, methods);
              finalhandler(req, res)();
            },
            fail(caller.scrub),
          );
        }, fail(serverScrub));
      },
      fail(serverScrub),
    );
  };
}

/**
 * The request listener: /healthz and /readyz (GET or HEAD, no auth, nothing but a state word),
 * the MCP endpoint at `http.endpoint` and below it (so the guards answer there too), and
 * finalhandler's 404 for every other path.
 */
export function requestListener(deps: AppDeps): RequestListener {
  const endpoint = routeOf(deps.http.endpoint);
  const mcp = mcpEndpoint(deps);
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = routeOf(pathOf(req.url));
    const get = req.method === 'GET' || req.method === 'HEAD';
    // Below the endpoint the steps run too (and may refuse), then nothing is routed.
    if (path === endpoint || path.startsWith(`${endpoint}/`))
      return mcp(req, res, path === endpoint);
    if (get && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (get && path === '/readyz')
      return void readiness(deps.state, deps.base, res).catch(() => res.destroy());
    finalhandler(req, res)();
  };
}
