import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineLimiter } from '../../src/transports/stdio.js';

/** A LineLimiter over a PassThrough, with what it passed on and what it dropped. */
function limiter(limit: number) {
  const input = new PassThrough();
  const dropped: Array<[string | number | undefined, number]> = [];
  const lines = new LineLimiter(input, limit, (id, bytes) => dropped.push([id, bytes]));
  const passed: string[] = [];
  lines.on('data', (piece: Buffer) => passed.push(piece.toString('utf8')));
  return { input, lines, passed, dropped };
}

describe('LineLimiter', () => {
  it('passes each line on in the tick its chunk arrives, split at newlines', () => {
    const { lines, passed } = limiter(100);
    lines.write(Buffer.from('{"a":1}\n{"b":'));
    lines.write(Buffer.from('2}\n'));
    expect(passed).toEqual(['{"a":1}\n', '{"b":', '2}\n']);
  });

  it('drops a line longer than the limit, names its id and byte count, and passes the next', () => {
    const { lines, passed, dropped } = limiter(20);
    lines.write(Buffer.from('{"id":7,"x":"'));
    lines.write(Buffer.from(`${'y'.repeat(30)}"}\n{"id":8}\n`));
    expect(passed).toEqual(['{"id":7,"x":"', '\n', '{"id":8}\n']);
    expect(dropped).toEqual([[7, 13 + 33]]);
  });

  it('reads its input once something listens for data, and forwards its errors', async () => {
    const { input, passed, lines } = limiter(100);
    const errors: string[] = [];
    lines.on('error', (error: Error) => errors.push(error.message));
    input.write('{"id":1}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(passed).toEqual(['{"id":1}\n']);
    input.emit('error', new Error('stdin broke'));
    expect(errors).toEqual(['stdin broke']);
  });
});
