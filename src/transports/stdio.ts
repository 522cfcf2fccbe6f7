/** stdio transport: one MCP session over stdin/stdout; everything else goes to stderr. */
import { Transform, type TransformCallback } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../log.js';

/** Longest stdin line passed on; the SDK closes the whole transport at 10 MiB, so stay below. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Passes stdin through line by line, dropping any line longer than `limit` bytes instead of
 * letting the SDK's reader overflow (it closes the transport, leaving a process that no longer
 * listens). When the dropped line's start shows a request id, `onDropped` answers it.
 */
export class LineLimiter extends Transform {
  #pending = 0;
  #dropping = false;
  #head = '';

  constructor(
    private readonly limit: number,
    private readonly onDropped: (id: string | number | undefined, bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      const piece = chunk.subarray(start, end);
      if (!this.#dropping) {
        if (this.#head.length < 256)
          this.#head += piece.subarray(0, 256 - this.#head.length).toString('utf8');
        if (this.#pending + piece.length > this.limit) {
          // Too long: the part already passed on is completed with a newline so it fails to parse
          // alone; the rest of the line is discarded.
          if (this.#pending > 0) this.push('\n');
          this.#dropping = true;
        } else {
          this.push(piece);
        }
      }
      this.#pending += piece.length;
      if (newline !== -1) {
        if (this.#dropping) this.onDropped(requestId(this.#head), this.#pending);
        this.#pending = 0;
        this.#dropping = false;
        this.#head = '';
      }
      start = end;
    }
    done();
  }
}

/** The `id` of a JSON-RPC request from the first bytes of its line, when it is there. */
function requestId(head: string): string | number | undefined {
  const match = /"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)/.exec(head);
  if (!match?.[1]) return undefined;
  return match[1].startsWith('"') ? (JSON.parse(match[1]) as string) : Number(match[1]);
}

/**
 * Serve `server` on stdin/stdout until stdin closes or SIGINT/SIGTERM arrives, then call
 * `onClose` (close the Vault client) and resolve.
 */
export async function serveStdio(
  server: McpServer,
  log: Logger,
  onClose: () => Promise<void>,
): Promise<void> {
  const limited = new LineLimiter(MAX_LINE_BYTES, (id, bytes) => {
    log.warn({ bytes, id }, `dropped a message larger than ${MAX_LINE_BYTES} bytes`);
    if (id !== undefined) {
      process.stdout.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32600, message: `message of ${bytes} bytes is larger than the ${MAX_LINE_BYTES}-byte limit; it was not processed` } })}\n`,
      );
    }
  });
  process.stdin.pipe(limited);
  const transport = new StdioServerTransport(limited, process.stdout);
  let closing = false;
  const done = new Promise<void>((resolve) => {
    const shutdown = async (why: string): Promise<void> => {
      if (closing) return;
      closing = true;
      log.info({ why }, 'shutting down');
      await server.close().catch(() => undefined);
      await onClose().catch(() => undefined);
      resolve();
    };
    process.stdin.once('end', () => void shutdown('stdin closed'));
    process.stdin.once('close', () => void shutdown('stdin closed'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  });
  await server.connect(transport);
  await done;
}
