/** The socket: HTTP or HTTPS (TLS 1.2+) on the configured address, with request timeouts. */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HttpConfig } from '../../config.js';

/**
 * The certificate and key when both MCP_TLS_CERT_FILE and MCP_TLS_KEY_FILE are set.
 * @throws Error when a file cannot be read.
 */
export function readTls(http: HttpConfig): { cert: Buffer; key: Buffer } | undefined {
  return http.tlsCertFile && http.tlsKeyFile
    ? { cert: readFileSync(http.tlsCertFile), key: readFileSync(http.tlsKeyFile) }
    : undefined;
}

/**
 * Listen on `http.host`:`http.port` (0: a free port) and serve `app`.
 * @returns the server and the endpoint's URL, `http(s)://host:port/mcp`.
 * @throws Error when the port cannot be bound.
 */
export async function listen(
  http: HttpConfig,
  tls: { cert: Buffer; key: Buffer } | undefined,
  app: RequestListener,
): Promise<{ server: Server; url: string }> {
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
  return { server, url: `${tls ? 'https' : 'http'}://${shownHost}:${port}${http.endpoint}` };
}
