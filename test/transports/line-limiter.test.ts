import { PassThrough, type Readable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { LineLimiter, requestId } from '../../src/transports/stdio.js';

/** A LineLimiter over a PassThrough, with what it passed on and what it dropped. */
function limiter(limit: number) {
  const input = new PassThrough();
  const dropped: Array<[string | number | undefined, number]> = [];
  const lines = new LineLimiter(input, limit, (id, bytes) => dropped.push([id, bytes]));
  const passed: string[] = [];
  return {
    input,
    lines,
    passed,
    dropped,
    listen: () => lines.on('data', (piece: Buffer) => passed.push(piece.toString('utf8'))),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LineLimiter', () => {
  it('passes each line on whole, in the tick its end arrives', () => {
    const { lines, passed, listen } = limiter(100);
    listen();
    lines.write(Buffer.from('{"a":1}\n{"b":'));
    expect(passed).toEqual(['{"a":1}\n']);
    lines.write(Buffer.from('2'));
    lines.write(Buffer.from('}\n{"c":3}\n'));
    expect(passed).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":3}\n']);
  });

  it('drops a line longer than the limit, names its id and byte count, and passes the next', () => {
    const { lines, passed, dropped, listen } = limiter(20);
    listen();
    lines.write(Buffer.from('{"id":7,"x":"'));
    lines.write(Buffer.from(`${'y'.repeat(30)}"}\n{"id":8}\n`));
    expect(passed).toEqual(['{"id":8}\n']);
    expect(dropped).toEqual([[7, 13 + 33]]);
  });

  it('passes on no part of a dropped line, even when its start is a whole request', () => {
    const { lines, passed, dropped, listen } = limiter(100);
    listen();
    // Before, the first 100 bytes went on, completed with a newline "so that it fails to parse
    // alone": a request followed by blanks parses alone, and ran.
    const request =
      '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"write_secret"}}';
    lines.write(Buffer.from(request));
    lines.write(Buffer.from(' '.repeat(200)));
    lines.write(Buffer.from('x\n'));
    expect(passed).toEqual([]);
    expect(dropped).toEqual([[4, request.length + 202]]);
  });

  it('finds the id of a dropped line written by the TypeScript SDK (id last), not one in its params', () => {
    const { lines, dropped, listen } = limiter(1000);
    listen();
    const line = JSON.stringify({
      method: 'tools/call',
      params: { name: 'write_secret', arguments: { data: { id: 3, blob: 'x'.repeat(5000) } } },
      jsonrpc: '2.0',
      id: 17,
    });
    for (let at = 0; at < line.length; at += 700)
      lines.write(Buffer.from(line.slice(at, at + 700)));
    lines.write(Buffer.from('\n'));
    expect(dropped).toEqual([[17, line.length + 1]]);
  });

  it('reads its input only once something listens for data, and forwards errors while someone listens', async () => {
    const { input, lines, passed, listen } = limiter(100);
    input.write('{"id":1}\n');
    await tick();
    expect(input.listenerCount('data')).toBe(0);
    listen();
    await tick();
    expect(passed).toEqual(['{"id":1}\n']);
    const errors: string[] = [];
    const onError = (error: Error): void => void errors.push(error.message);
    lines.on('error', onError);
    input.emit('error', new Error('stdin broke'));
    lines.off('error', onError);
    // No listener left (the SDK's transport closed): not an unhandled 'error' event.
    expect(() => input.emit('error', new Error('after close'))).not.toThrow();
    expect(errors).toEqual(['stdin broke']);
  });

  it("serves the SDK's StdioServerTransport: messages in, pause on close", async () => {
    const input = new PassThrough();
    const lines = new LineLimiter(input, 1000, () => undefined);
    // Narrow cast, as in serveStdio.
    const transport = new StdioServerTransport(lines as unknown as Readable, new PassThrough());
    const received: JSONRPCMessage[] = [];
    transport.onmessage = (message) => void received.push(message);
    await transport.start();
    input.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0",');
    input.write('"id":2,"method":"ping"}\n');
    await tick();
    expect(received).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
    ]);
    await transport.close();
    expect(lines.listenerCount('data')).toBe(0);
    expect(input.isPaused()).toBe(true);
  });
});

describe('requestId of a dropped line', () => {
  it.each<[string, string, string, string | number | undefined]>([
    ['id first', '{"id":5,"method":"tools/call","params":{"x":"', 'yyy"}}\n', 5],
    ['after jsonrpc', '{"jsonrpc":"2.0","id":"a\\"b","method":"x","params":{"', 'y"}}', 'a"b'],
    [
      'a string id last',
      '{"method":"tools/call","params":{"',
      'y"},"jsonrpc":"2.0","id":"r-9"}\n',
      'r-9',
    ],
    [
      'nested id only, head',
      '{"method":"tools/call","params":{"id":3,"x":"',
      'yyy"}}\n',
      undefined,
    ],
    ['nested id only, tail', '{"method":"tools/call","params":{"x":"', 'y","id":3}}\n', undefined],
    ['"id" inside a string', '{"method":"{\\"id\\":4,","params":{"x":"', 'y"}}', undefined],
    ['id before the params, not first', '{"method":"tools/call","id":-12,"params":{"', 'y"}}', -12],
    // From an outside attack: none of these may answer another request's id.
    ['digits cut off by the window', `{"x":"${'p'.repeat(238)}","id":1234`, 'y"}}', undefined],
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"x","params":{"', 'y"}}', undefined],
    ['an exponent id', '{"jsonrpc":"2.0","id":2e3,"method":"x","params":{"', 'y"}}', undefined],
    ['"id" closing a key, last', '{"method":"x","params":{"', 'y"},"x\\"id":77}\n', undefined],
    ['a nested id after the object closed', '}{"x":{"id":20,"y":"', 'z"}}', undefined],
    ['not an object', '[{"id":21,"method":"x","params":{"', 'y"}}]', undefined],
  ])('%s', (_name, head, tail, expected) => {
    expect(requestId(head, tail)).toBe(expected);
  });
});
