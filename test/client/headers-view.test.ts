import { describe, expect, it } from 'vitest';
import { HeadersView } from '../../src/client/headers-view.js';

describe('HeadersView', () => {
  const view = new HeadersView({
    'content-type': 'application/json',
    'set-cookie': ['a=1', 'b=2'],
    'x-vault-request': 'true',
    absent: undefined,
  });

  it('reads names case-insensitively and repeated values joined as Headers does', () => {
    expect(view.get('Content-Type')).toBe('application/json');
    expect(view.get('SET-COOKIE')).toBe('a=1, b=2');
    expect(view.get('absent')).toBeNull();
    expect(view.get('location')).toBeNull();
    expect(view.has('X-Vault-Request')).toBe(true);
    expect(view.has('absent')).toBe(false);
  });

  it('lists what is set, in lower case, by entries, forEach and iteration alike', () => {
    const want = [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1, b=2'],
      ['x-vault-request', 'true'],
    ];
    expect([...view.entries()]).toEqual(want);
    expect([...view]).toEqual(want);
    const seen: string[][] = [];
    view.forEach((value, name) => seen.push([name, value]));
    expect(seen).toEqual(want);
    expect(Object.fromEntries(view.entries())).toEqual(Object.fromEntries(want));
  });
});
