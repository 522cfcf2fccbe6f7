import { describe, expect, it } from 'vitest';
import { SERVER_HEAP_FLAGS, serverHeapFlags } from '../src/heap.js';

describe('serverHeapFlags', () => {
  it('grows the old generation by 10% when the operator chose nothing', () => {
    expect(serverHeapFlags([], undefined)).toBe('--heap-growing-percent=10');
    expect(serverHeapFlags(['--enable-source-maps'], '--dns-result-order=ipv4first')).toBe(
      SERVER_HEAP_FLAGS.join(' '),
    );
  });

  it("leaves the heap alone when the operator's command line or NODE_OPTIONS sizes it", () => {
    expect(serverHeapFlags(['--max-semi-space-size=1'], undefined)).toBeUndefined();
    expect(serverHeapFlags(['--max_semi_space_size=8'], undefined)).toBeUndefined();
    expect(serverHeapFlags([], '--trace-warnings --semi-space-growth-factor=2')).toBeUndefined();
    expect(serverHeapFlags([], '--no-optimize-for-size')).toBeUndefined();
    expect(serverHeapFlags(['--heap-growing-percent=50'], '')).toBeUndefined();
  });

  it('is not put off by an old-generation cap, which these flags do not touch', () => {
    expect(serverHeapFlags(['--max-old-space-size=1024'], undefined)).toBe(
      SERVER_HEAP_FLAGS.join(' '),
    );
  });
});
