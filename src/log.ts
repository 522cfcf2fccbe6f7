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

function options(level: string): pino.LoggerOptions {
  return {
    name: 'vault-mcp',
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** Where each logger made here writes, so a session logger can write there too. */
const destinations = new WeakMap<Logger, pino.DestinationStream>();

/** A logger on stderr at `level`; `destination` is for tests. */
export function createLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream | number = 2,
): Logger {
  const stream: pino.DestinationStream =
    typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: true })
      : destination;
  const logger = pino(options(level), stream);
  destinations.set(logger, stream);
  return logger;
}

/** One log record as MCP's `notifications/message` carries it. */
export interface LogRecord {
  /** MCP level: debug, info, warning, error or critical. */
  readonly level: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  /** The record as on stderr (already redacted), without pid. */
  readonly data: Record<string, unknown>;
}

const MCP_LEVELS: ReadonlyArray<[number, LogRecord['level']]> = [
  [60, 'critical'],
  [50, 'error'],
  [40, 'warning'],
  [30, 'info'],
  [0, 'debug'],
];

/**
 * A logger writing what `base` writes (same level, same redaction) to base's destination and
 * every record also to `forward`, after redaction: the MCP session's `notifications/message`.
 * A `base` not made by {@link createLogger} is returned as it is.
 */
export function teeLogger(base: Logger, forward: (record: LogRecord) => void): Logger {
  const stream = destinations.get(base);
  if (!stream) return base;
  const copy = {
    write(line: string): void {
      try {
        const { pid: _pid, ...data } = JSON.parse(line) as Record<string, unknown>;
        const level = Number(data['level']);
        forward({ level: MCP_LEVELS.find(([min]) => level >= min)?.[1] ?? 'debug', data });
      } catch {
        // A record that cannot be forwarded still reached stderr.
      }
    },
  };
  const level = base.level as LogLevel;
  const logger = pino(
    options(level),
    pino.multistream([
      { level: level === 'silent' ? 'fatal' : level, stream },
      { level: level === 'silent' ? 'fatal' : level, stream: copy },
    ]),
  );
  destinations.set(logger, stream);
  return logger;
}
