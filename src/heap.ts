/**
 * V8 heap settings for the long-running server, set at run time with Node's documented
 * `v8.setFlagsFromString`: `node dist/bin/vault-mcp.mjs`, the way the README and most MCP client
 * configurations launch it, takes no flags from the file, so a shebang cannot carry them.
 *
 * Only flags V8 reads again at each garbage collection take effect after start. Sizes fixed when
 * the heap was created do not (`--max-semi-space-size`, `--max-old-space-size` set at run time
 * change nothing: measured), so none is tried here.
 * - `--heap-growing-percent=10`: after each full collection the old generation may grow 10% past
 *   what survived before the next one, instead of V8's factor of up to 4.
 *
 * Measured with `make bench` (same machine, one build per flag set, quiet machine):
 *
 * | flags                                   | CPU/read stdio | HTTP  | RSS 10k stdio | HTTP, 40 sessions |
 * |-----------------------------------------|----------------|-------|---------------|-------------------|
 * | none                                    | 0.29-0.45 ms   | 1.0 ms | 131 MiB      | 191 MiB           |
 * | `--heap-growing-percent=10` (this)      | 0.42 ms        | 1.3 ms | 112 MiB      | 135 MiB           |
 * | plus `--semi-space-growth-factor=1`     | 0.58-0.62 ms   | 1.6 ms | 93 MiB       | 110 MiB           |
 *
 * Keeping the young generation small (`--semi-space-growth-factor=1`) saved another 20 MiB but
 * about doubled the CPU per call, past the stdio target of 0.7x OpenBao's CPU per GET, so it is
 * not set; `--optimize-for-size` cost about 25% more CPU as well. An operator who prefers memory
 * can pass heap flags on node's command line (NODE_OPTIONS refuses most of them; it takes
 * `--max-semi-space-size`), and then this module sets nothing.
 */
import { setFlagsFromString } from 'node:v8';

/** What {@link tuneHeapForServer} sets, in this order. */
export const SERVER_HEAP_FLAGS = ['--heap-growing-percent=10'] as const;

/** V8 heap flags an operator may choose (`-` and `_` are the same to V8); theirs win over ours. */
const OPERATOR_HEAP_FLAG =
  /--(no[-_])?(max[-_]semi[-_]space[-_]size|min[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|optimize[-_]for[-_]size|heap[-_]growing[-_]percent)\b/;

/**
 * The flags to set for a server process as one `setFlagsFromString` string, or undefined when the
 * operator passed V8 heap flags of their own (node's command line, `execArgv`, or `NODE_OPTIONS`).
 */
export function serverHeapFlags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string | undefined {
  const chosen = [...execArgv, nodeOptions ?? ''].some((arg) => OPERATOR_HEAP_FLAG.test(arg));
  return chosen ? undefined : SERVER_HEAP_FLAGS.join(' ');
}

/** Apply {@link serverHeapFlags} to this process; called once a server mode has started up. */
export function tuneHeapForServer(): void {
  const flags = serverHeapFlags(process.execArgv, process.env['NODE_OPTIONS']);
  if (flags) setFlagsFromString(flags);
}
