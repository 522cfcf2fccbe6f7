/**
 * Mount facts (type, KV version) cached per mount path for a short TTL, so a KV read costs one
 * Vault request once the mount is known (the reference server reads `sys/mounts` before every call).
 *
 * Every cache in the process shares one mount-table generation: a call that changes the mount
 * table (enable, disable, remount, tune; hand-written or raw) calls {@link forgetAllMounts}, and
 * every session's and every HTTP caller's cached facts become stale at once. A cached engine type
 * that outlived its mount would let a KV tool run against the PKI engine mounted there since.
 */
import type { VaultClient } from '../client/client.js';
import { readMountInfo, type MountInfo } from '../client/mounts.js';
import { normalizePath } from '../client/paths.js';

/** Bumped whenever this process changes the mount table; entries of older generations are stale. */
let generation = 0;

/** Forget the cached facts of every mount in every MountCache of this process. */
export function forgetAllMounts(): void {
  generation++;
}

/** Mount facts by mount path, each for `ttlMs` and only within the current mount-table generation. */
export class MountCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { info: MountInfo; expires: number; generation: number }>();

  /** @param ttlMs milliseconds an entry stays valid; `now` is for tests. */
  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * The mount at `mount` (cached), from `GET /v1/sys/internal/ui/mounts/<mount>`.
   * @param options.fresh skip the cache (write and credential-minting calls): the answer is
   *   looked up and stored anew.
   * @returns the info and whether it came from the cache.
   * @throws VaultResponseError / VaultConnectionError from the lookup.
   */
  async get(
    vault: VaultClient,
    mount: string,
    options: { fresh?: boolean } = {},
  ): Promise<{ info: MountInfo; cached: boolean }> {
    const key = normalizePath('mount', mount);
    const hit = options.fresh ? undefined : this.peek(key);
    if (hit) return { info: hit, cached: true };
    const seen = generation;
    const info = await readMountInfo(vault, key);
    this.#entries.delete(key);
    // A mount-table change while the lookup was in flight: the answer may predate it.
    if (seen === generation)
      this.#entries.set(key, { info, expires: this.#now() + this.#ttlMs, generation });
    // Bounded: a model probing many paths must not grow this without limit.
    if (this.#entries.size > 1000) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return { info, cached: false };
  }

  /**
   * The cached facts of `mount` (a normalized mount path) while they are valid, without a lookup
   * or a promise: a cached KV read resolves its mount synchronously.
   */
  peek(mount: string): MountInfo | undefined {
    const hit = this.#entries.get(mount);
    return hit && hit.expires > this.#now() && hit.generation === generation ? hit.info : undefined;
  }

  /** Forget one mount (after a KV error that suggests the facts are stale). */
  invalidate(mount: string): void {
    this.#entries.delete(normalizePath('mount', mount));
  }

  clear(): void {
    this.#entries.clear();
  }
}
