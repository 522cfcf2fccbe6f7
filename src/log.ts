/**
 * The one logger: pino writing JSON lines to stderr (fd 2), because stdout belongs to the MCP
 * protocol in stdio mode. Callers log names, paths and statuses, never tokens or secret values;
 * the redaction list below is a second line of defence for fields that must never appear.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Levels accepted by LOG_LEVEL. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names censored wherever they appear in a log record. */
const REDACT = [
  'token',
  '*.token',
  'client_token',
  '*.client_token',
  'secret_id',
  '*.secret_id',
  'private_key',
  '*.private_key',
  'data',
  '*.data',
  'value',
  '*.value',
  'headers["x-vault-token"]',
  '*.headers["x-vault-token"]',
];

/** A logger on stderr at `level`; `destination` is for tests. */
export function createLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream | number = 2,
): Logger {
  return pino(
    {
      name: 'vault-mcp',
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: true })
      : destination,
  );
}
