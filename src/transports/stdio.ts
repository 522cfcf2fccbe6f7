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
 * stdin line by line for the SDK's StdioServerTransport. A line reaches the SDK only whole: a
 * line longer than `limit` bytes is dropped instead of letting the SDK's reader overflow (it
 * closes the transport, leaving a process that no longer listens), and none of it is passed on.
 * When the dropped line shows its request's top-level id in its first or last {@link ID_WINDOW}
 * bytes (see {@link requestId}), `onDropped` gets it to answer.
 *
 * An emitter, not a Transform piped from stdin: a line that arrives whole is passed on in the tick
 * its chunk arrives (a stream stage cost ~35 µs per message in buffering and callbacks). It offers
 * the part of the Readable interface the SDK's transport uses (`on`/`off` of `data` and `error`,
 * `listenerCount`, `pause`). Reading from `input` starts with the first `data` listener; its
 * errors go to this emitter's `error` listeners while there are any (the SDK's transport, until it
 * closes).
 */
export class LineLimiter extends EventEmitter {
  /** Bytes of the current line so far. */
  #pending = 0;
  /** The current line's pieces not yet passed on (it has not ended yet). */
  #held: Buffer[] = [];
  #dropping = false;
  #head = '';
  /** The last ID_WINDOW bytes of a line being dropped. */
  #tail: Buffer = EMPTY;
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
      input.on('error', (error: Error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      });
    });
  }

  /** Stops reading `input` (the SDK's transport calls it on close when no one else listens). */
  pause(): this {
    this.input.pause();
    return this;
  }

  /**
   * Pass each line that `chunk` ends on as one `data` piece (with its newline), or, past the
   * limit, drop it and call `onDropped` at its end; the start of a line not ended yet is held.
   */
  write(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      this.#take(chunk.subarray(start, end), newline !== -1);
      start = end;
    }
  }

  /** One piece of a line; `ends` when it holds the line's newline. */
  #take(piece: Buffer, ends: boolean): void {
    if (!this.#dropping && this.#pending + piece.length > this.limit) {
      this.#dropping = true;
      this.#head = firstBytes([...this.#held, piece]).toString('utf8');
      this.#held = [];
    }
    this.#pending += piece.length;
    if (this.#dropping) this.#tail = lastBytes(this.#tail, piece);
    else if (!ends) this.#held.push(piece);
    if (!ends) return;
    if (this.#dropping) {
      this.onDropped(requestId(this.#head, this.#tail.toString('utf8')), this.#pending);
    } else {
      this.emit('data', this.#held.length ? Buffer.concat([...this.#held, piece]) : piece);
    }
    this.#pending = 0;
    this.#held = [];
    this.#dropping = false;
    this.#head = '';
    this.#tail = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
/** How many bytes of a dropped line's start and end are kept to find its id in. */
const ID_WINDOW = 256;

/** The first ID_WINDOW bytes of `pieces` joined. */
function firstBytes(pieces: readonly Buffer[]): Buffer {
  const first: Buffer[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    if (bytes >= ID_WINDOW) break;
    first.push(piece.subarray(0, ID_WINDOW - bytes));
    bytes += first[first.length - 1]?.length ?? 0;
  }
  return Buffer.concat(first);
}

/** The last ID_WINDOW bytes of `kept` followed by `piece`. */
function lastBytes(kept: Buffer, piece: Buffer): Buffer {
  if (piece.length >= ID_WINDOW) return Buffer.from(piece.subarray(piece.length - ID_WINDOW));
  const joined = Buffer.concat([kept, piece]);
  return joined.subarray(Math.max(0, joined.length - ID_WINDOW));
}

/** A JSON-RPC id: a string (escapes allowed) or an integer. */
const ID_VALUE = String.raw`("(?:[^"\\]|\\.)*"|-?\d+)`;
/**
 * `, "id": <value>` closing the line's object: the last member at the top level (a `,` or `{`
 * before it, so not the end of a key such as `"x\"id"`).
 */
const LAST_MEMBER_ID = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);
/**
 * `"id": <value>` at the start of `text`, the value ended by `,` or `}` within it: not `1.5`,
 * `2e3` or digits cut off by the end of the window.
 */
const ID_MEMBER = new RegExp(String.raw`^"id"\s*:\s*${ID_VALUE}(?=\s*[,}])`);

/**
 * The top-level `id` of a JSON-RPC request line seen only by its first bytes (`head`) and its
 * last ones (`tail`, ending with the newline), or undefined: a member of the outermost object in
 * `head` (Python's SDK writes `{"jsonrpc":"2.0","id":1,...`), else the member that closes the
 * object in `tail` (the TypeScript SDK writes `{"method":...,"params":...,"jsonrpc":"2.0","id":1}`).
 * An `id` nested in the params is never taken: answering it would answer another request.
 */
export function requestId(head: string, tail = ''): string | number | undefined {
  const text = topLevelId(head) ?? LAST_MEMBER_ID.exec(tail.trimEnd())?.[1];
  if (text === undefined) return undefined;
  try {
    return text.startsWith('"') ? (JSON.parse(text) as string) : Number(text);
  } catch {
    return undefined;
  }
}

/** The text of the `id` member of the outermost object in (the start of) `head`, if it is there. */
function topLevelId(head: string): string | undefined {
  let depth = 0;
  if (!head.trimStart().startsWith('{')) return undefined;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '"') {
      if (depth === 1) {
        const member = ID_MEMBER.exec(head.slice(i));
        if (member) return member[1];
      }
      i = stringEnd(head, i);
    } else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth <= 0) return undefined;
  }
  return undefined;
}

/** Where the JSON string opened at `open` ends (its closing quote), or the text's end. */
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
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
  process.stdin.on('error', (error) => log.warn({ err: error }, 'stdin failed'));
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
