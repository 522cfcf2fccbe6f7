/**
 * Durations as Vault reads them (`parseutil.ParseDurationSecond`): a plain number is seconds,
 * otherwise a Go duration (`1h30m`, `1.5s`, `250ms`) with Vault's extra day unit (`30d`).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/gy;

/**
 * Milliseconds in a Vault duration: `'30'` → 30000, `'1m30s'` → 90000, `'30d'` → 2592000000.
 * @returns undefined when `value` is not a duration (empty, negative, unknown unit, junk between parts).
 */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!text) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    end = PART.lastIndex;
  }
  return end === text.length && Number.isFinite(total) ? total : undefined;
}
