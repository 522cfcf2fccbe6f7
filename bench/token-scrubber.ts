/**
 * The cost of the token scrubber (src/client/token-text.ts), which runs on every string of every
 * tool result and log line: build time (the patterns, compiled by their first use), and scan time
 * for a short tool result and for 1 MB of prose (one line, and lines of 80), of one-line base64
 * and of base64 wrapped at 76 columns, none of which holds the token (the common case: every
 * position is tried and fails).
 * Run: `node_modules/.bin/tsx bench/token-scrubber.ts`. Numbers, never a test: medians of
 * repeated runs, in milliseconds (microseconds for the short text).
 */
import { randomBytes } from 'node:crypto';
import { tokenScrubber } from '../src/client/token-text.js';

const TOKEN = `hvs.${randomBytes(68).toString('base64url').slice(0, 91)}`;
const MB = 1 << 20;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Median milliseconds of `runs` calls of `fn`. */
function timeMs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const words = 'the secret at kv/app/config has keys username password and api_key version 3 ';
const texts: Record<string, string> = {
  'prose 1 MB': words.repeat(Math.ceil(MB / words.length)).slice(0, MB),
  'prose 1 MB, lines of 80': (words.repeat(Math.ceil(MB / words.length)).match(/.{1,80}/g) ?? [])
    .join('\n')
    .slice(0, MB),
  'base64 1 MB, one line': randomBytes((MB * 3) / 4).toString('base64'),
  'base64 1 MB, wrapped 76': (
    randomBytes((MB * 3) / 4)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  )
    .join('\n')
    .slice(0, MB),
};
const short = 'data: {"username":"app","password":"hunter2"}\nversion: 3';

const build = timeMs(50, () => {
  // A distinct token each time, so that nothing is cached between builds.
  tokenScrubber(`hvs.${randomBytes(68).toString('base64url').slice(0, 91)}`)('x\ny', '[t]');
});
const scrub = tokenScrubber(TOKEN);
scrub(short, '[t]');
const rows: Array<[string, string]> = [
  ['build + first use (ms)', build.toFixed(3)],
  ['short result, 55 chars (us)', (timeMs(2000, () => scrub(short, '[t]')) * 1000).toFixed(2)],
  ...Object.entries(texts).map(([name, text]): [string, string] => [
    `${name} (ms)`,
    timeMs(15, () => scrub(text, '[t]')).toFixed(2),
  ]),
];
for (const [name, value] of rows) console.log(`${name.padEnd(32)} ${value}`);
