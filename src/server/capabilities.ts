/**
 * Capability-aware tools: ask Vault (`sys/capabilities-self`) whether the token can make the calls
 * each enabled tool needs, on the mounts it can see, and turn the answers into per-tool verdicts.
 * Paths are probed as Vault policy globs (`secret/data/*`, `pki/issue/+`), so the answer is about
 * the mount as a whole; VAULT_MCP_KV_PREFIX narrows KV probes to an application's prefix.
 */
import {
  operations,
  type Capability,
  type GeneratedOperation,
} from '../../generated/operations.js';
import type { VaultClient } from '../client/client.js';
import { listVisibleMounts, type MountInfo } from '../client/mounts.js';
import { capabilitiesSelf } from '../client/token.js';
import { createOrUpdate, describeCapabilities } from './errors.js';
import type { Tool } from './tool.js';

/** What the token can do with one tool. */
export interface ToolVerdict {
  readonly tool: string;
  /** true: allowed on at least one mount; false: denied everywhere probed; undefined: unknown. */
  readonly usable: boolean | undefined;
  /** Mounts (or paths) where every call of the tool is allowed. */
  readonly allowedOn: readonly string[];
  /** The first missing grant, when not usable: capability text and the probed path. */
  readonly missing: string | undefined;
  readonly note: string | undefined;
}

interface Candidate {
  /** Label shown to the user: a mount path. */
  readonly where: string;
  /** One probe path per operation. */
  readonly checks: ReadonlyArray<{ op: GeneratedOperation; path: string }>;
}

const byName = new Map(operations.map((op) => [op.toolName, op]));

function probePath(op: GeneratedOperation, mount: string, prefix: string): string {
  return op.acl.path
    .replace('{mount}', mount)
    .replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (name === 'path') return op.pathTemplate.startsWith('/sys/') ? mount : `${prefix}*`;
      return name === 'exported' ? 'internal' : '+';
    })
    .replace(/\*\/$/, '*');
}

function allowed(granted: readonly string[], needed: readonly Capability[]): boolean {
  if (granted.includes('root')) return true;
  const base = needed.filter((c) => c !== 'sudo');
  const ok = createOrUpdate(needed)
    ? base.some((c) => granted.includes(c))
    : base.every((c) => granted.includes(c));
  return ok && (!needed.includes('sudo') || granted.includes('sudo'));
}

/** Candidate mounts for a tool: KV mounts of the right version, PKI mounts, or managed mounts for sys ops. */
function candidates(
  tool: Tool,
  mounts: readonly MountInfo[],
  prefix: string,
): Candidate[] | string {
  const ops = tool.operations
    .map((n) => byName.get(n))
    .filter((op): op is GeneratedOperation => op !== undefined && !op.unauthenticated);
  if (ops.length === 0) return [{ where: '(no token capability needed)', checks: [] }];
  const kv = ops.some((op) => op.mountParam?.startsWith('kv_'));
  const pki = ops.some((op) => op.mountParam === 'pki_mount_path');
  const sys = ops.some((op) => op.pathTemplate.startsWith('/sys/mounts/'));
  const clean = (m: MountInfo): string => m.path.replace(/\/$/, '');
  const out: Candidate[] = [];
  if (kv) {
    for (const m of mounts.filter((x) => x.kvVersion !== undefined)) {
      const version = `kv_v${m.kvVersion}_mount_path`;
      const relevant = ops.filter(
        (op) => !op.mountParam?.startsWith('kv_') || op.mountParam === version,
      );
      out.push({
        where: clean(m),
        checks: relevant.map((op) => ({ op, path: probePath(op, clean(m), prefix) })),
      });
    }
    return out.length ? out : 'no KV mount is visible to this token';
  }
  const targets = pki
    ? mounts.filter((m) => m.type === 'pki').map(clean)
    : sys
      ? [
          ...new Set([
            ...mounts.map(clean).filter((p) => !['sys', 'identity', 'cubbyhole'].includes(p)),
            'pki',
          ]),
        ]
      : [''];
  for (const where of targets)
    out.push({
      where: where || '(fixed paths)',
      checks: ops.map((op) => ({ op, path: probePath(op, where, prefix) })),
    });
  return out.length ? out : 'no PKI mount is visible to this token yet (enable_pki creates one)';
}

/**
 * Verdicts for `tools`, from one `sys/internal/ui/mounts` and one `sys/capabilities-self` call.
 * Neither is retried: the verdicts only annotate tools/list, which waits for them, and a failed
 * probe is not cached (CapabilityCache), so the next listing asks again.
 */
export async function probeTools(
  vault: VaultClient,
  tools: readonly Tool[],
  prefix: string,
): Promise<Map<string, ToolVerdict>> {
  const mounts = await listVisibleMounts(vault, { noRetry: true });
  const plans = new Map(tools.map((tool) => [tool.name, candidates(tool, mounts, prefix)]));
  const paths = new Set<string>();
  for (const plan of plans.values())
    if (typeof plan !== 'string')
      for (const c of plan) for (const check of c.checks) paths.add(check.path);
  const granted = await capabilitiesSelf(vault, [...paths]);
  const verdicts = new Map<string, ToolVerdict>();
  for (const [name, plan] of plans) {
    if (typeof plan === 'string') {
      verdicts.set(name, {
        tool: name,
        usable: undefined,
        allowedOn: [],
        missing: undefined,
        note: plan,
      });
      continue;
    }
    const allowedOn: string[] = [];
    let missing: string | undefined;
    for (const candidate of plan) {
      const failed = candidate.checks.find(
        (check) => !allowed(granted[check.path] ?? [], check.op.acl.capabilities),
      );
      if (!failed) allowedOn.push(candidate.where);
      else missing ??= `${describeCapabilities(failed.op.acl.capabilities)} on \`${failed.path}\``;
    }
    verdicts.set(name, {
      tool: name,
      usable: allowedOn.length > 0,
      allowedOn: allowedOn.sort(),
      missing: allowedOn.length ? undefined : missing,
      note: undefined,
    });
  }
  return verdicts;
}

/**
 * Cached verdicts: refreshed when older than `ttlMs`, shared by concurrent callers; failures give
 * an empty map (unknown), never an exception.
 */
/** How long after a failed start-up probe its answer still serves the first get(), in ms. */
export const PREFETCH_FAILURE_REUSE_MS = 30_000;

export class CapabilityCache {
  #value: Map<string, ToolVerdict> | undefined;
  #at = 0;
  #pending: Promise<Map<string, ToolVerdict>> | undefined;
  /** The probe prefetch() started, until a get() takes its answer. */
  #prefetched: Promise<Map<string, ToolVerdict>> | undefined;
  /** When that probe failed (ms since the epoch): its answer serves a get() only shortly after. */
  #prefetchFailedAt: number | undefined;

  constructor(
    private readonly load: () => Promise<Map<string, ToolVerdict>>,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  async get(): Promise<Map<string, ToolVerdict>> {
    if (this.#value && Date.now() - this.#at < this.ttlMs) return this.#value;
    const prefetched = this.#prefetched;
    const failedAt = this.#prefetchFailedAt;
    this.#prefetched = undefined;
    this.#prefetchFailedAt = undefined;
    // A failure long past says nothing of Vault now (the first tools/list may come minutes later).
    const fresh = failedAt === undefined || Date.now() - failedAt < PREFETCH_FAILURE_REUSE_MS;
    if (prefetched && fresh) return prefetched;
    this.#pending ??= this.load()
      .then((value) => {
        this.#value = value;
        this.#at = Date.now();
        return value;
      })
      .catch((error: unknown) => {
        this.onError(error);
        return this.#value ?? new Map<string, ToolVerdict>();
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  /**
   * Probe now, before anyone asks (stdio start-up). When this probe fails, the first get() after
   * it answers with that failure (the verdicts as they were, usually none) instead of probing again
   * at once: with Vault unreachable the first tools/list must not wait for a second failure. The
   * get() after that probes again, and so does a first get() more than
   * {@link PREFETCH_FAILURE_REUSE_MS} after the failure.
   */
  prefetch(): void {
    if (this.#value && Date.now() - this.#at < this.ttlMs) return;
    const probe = this.get();
    this.#prefetched = probe;
    const at = this.#at;
    // Succeeded: the verdicts are cached, and get() goes by their age as usual.
    void probe.then(() => {
      if (this.#prefetched !== probe) return;
      if (this.#at !== at) this.#prefetched = undefined;
      else this.#prefetchFailedAt = Date.now();
    });
  }

  /** Forget the verdicts (a mount was created or removed): the next get() probes again. */
  invalidate(): void {
    this.#value = undefined;
    this.#prefetched = undefined;
  }
}
