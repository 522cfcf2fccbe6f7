/** stdio transport: one MCP session over stdin/stdout; everything else goes to stderr. */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../log.js';

/** Longest stdin line passed on; the SDK closes the whole transport at 10 MiB, so stay below. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * stdin line by line for the SDK's StdioServerTransport, dropping any line longer than `limit`
 * bytes instead of letting the SDK's reader overflow (it closes the transport, leaving a process
 * that no longer listens). When the dropped line's start shows a request id, `onDropped` answers
 * it. An emitter, not a Transform piped from stdin: it passes each chunk on in the same tick (a
 * stream stage cost ~35 µs per message in buffering and callbacks), and offers the part of the
 * Readable interface the SDK's transport uses (`on`/`off` of `data` and `error`,
 * `listenerCount`, `pause`). Reading from `input` starts with the first `data` listener.
 */
export class LineLimiter extends EventEmitter {
  #pending = 0;
  #dropping = false;
  #head = '';
  #reading = false;

  constructor(
    private readonly input: Readable,
    private readonly limit: number,
    private readonly onDropped: (id: string | number | undefined, bytes: number) => void,
  ) {
    super();
    this.on('newListener', (event: string | symbol) => {
      if (event !== 'data' || this.#reading) return;
      this.#reading = true;
      input.on('data', (chunk: Buffer) => this.write(chunk));
      input.on('error', (error: Error) => this.emit('error', error));
    });
  }

  /** Stops reading `input` (the SDK's transport calls it on close when no one else listens). */
  pause(): this {
    this.input.pause();
    return this;
  }

  /** Pass `chunk` on as `data` pieces, each ending at a newline or at the chunk's end. */
  write(chunk: Buffer): void {
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
          if (this.#pending > 0) this.emit('data', NEWLINE);
          this.#dropping = true;
        } else {
          this.emit('data', piece);
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
  }
}

const NEWLINE = Buffer.from('\n');

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
  const limited = new LineLimiter(process.stdin, MAX_LINE_BYTES, (id, bytes) => {
    log.warn({ bytes, id }, `dropped a message larger than ${MAX_LINE_BYTES} bytes`);
    if (id !== undefined) {
      process.stdout.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32600, message: `message of ${bytes} bytes is larger than the ${MAX_LINE_BYTES}-byte limit; it was not processed` } })}\n`,
      );
    }
  });
  // Narrow cast: the SDK's transport types its input as a Readable but uses only what
  // LineLimiter offers (see there).
  const transport = new StdioServerTransport(limited as unknown as Readable, process.stdout);
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
