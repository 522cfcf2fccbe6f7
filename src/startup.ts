/** Start-up checks and the one-line description of the effective mode. */
import { isLoopback, type Config } from './config.js';

/** `vault=... namespace=... read-only=... reveal=... toolsets=... tools=N` */
export function modeLine(config: Config, transport: string, toolCount: number): string {
  return [
    `transport=${transport}`,
    `vault=${config.vault.address}`,
    `namespace=${config.vault.namespace ?? '(root)'}`,
    `read-only=${config.readOnly}`,
    `reveal=${config.revealSecrets}`,
    `toolsets=${config.toolsets.join(',')}`,
    ...(config.tools ? [`only=${config.tools.join(',')}`] : []),
    ...(config.excludeTools.length ? [`excluded=${config.excludeTools.join(',')}`] : []),
    `tools=${toolCount}`,
  ].join(' ');
}

/** The HTTP-specific part of the mode line. */
export function httpModeLine(config: Config, url: string): string {
  const limit = (l: { rps: number; burst: number } | undefined): string =>
    l ? `${l.rps}:${l.burst}` : 'off';
  const h = config.http;
  return [
    `url=${url}`,
    `sessions=${h.sessionMode}`,
    `cors=${h.corsMode}`,
    `origins=${h.allowedOrigins.length ? h.allowedOrigins.join(',') : '(none)'}`,
    `rate-limit=global ${limit(h.rateLimitGlobal)}, per caller token ${limit(h.rateLimitSession)}, token checks per client ${limit(h.rateLimitClientChecks)}`,
    `server-token-for-callers-without-one=${(config.vault.token || config.login) && isLoopback(h.host) ? 'yes (loopback)' : 'no'}`,
    `max-sessions=${h.maxSessions} (${h.maxSessionsPerCaller} per caller)`,
  ].join(' ');
}
