/** The in-process HTTP server of the HTTP tests: startHttpServer against the shared dev server. */
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer, type HttpServerHandle } from '../../src/transports/http.js';
import { devServer } from './vault.js';

/**
 * startHttpServer on a free loopback port with the dev server's root token (allowed: most tests
 * use it; the refusal has a test of its own); `env` overrides, `log` receives its lines.
 */
export async function serve(
  env: Record<string, string> = {},
  log: Logger = createLogger('silent'),
): Promise<HttpServerHandle> {
  const { address, token } = devServer();
  const config = loadConfig(
    {
      VAULT_ADDR: address,
      VAULT_TOKEN: token,
      HOME: '/nonexistent',
      TRANSPORT_PORT: '0',
      LOG_LEVEL: 'silent',
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
      ...env,
    },
    undefined,
    { transport: 'streamable-http' },
  );
  return startHttpServer(config, log, await candidateTools(config));
}
