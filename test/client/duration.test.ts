import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/client/duration.js';

describe('parseDurationMs (Vault durations)', () => {
  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
    [' 45s ', 45_000],
    ['.5s', 500],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 's', '1x', '-5s', '1m 30s', '30s junk', '1e3', 'NaN'])(
    '%j is not a duration',
    (text) => {
      expect(parseDurationMs(text)).toBeUndefined();
    },
  );
});
