/**
 * One request passed on to another HTTP server as it came (method, path, headers, body), and its
 * answer passed back: the core of the test proxies and of the bench's counting proxy.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** Sends `req` to `target` (its host and port) and pipes the answer into `res`; an error drops it. */
export function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
