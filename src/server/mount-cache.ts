/**
 * Mount facts (type, KV version) cached per mount path for a short TTL, so a KV read costs one
 * Vault request once the mount is known (the reference server reads `sys/mounts` before every call).
 */
import type { VaultClient } from '../client/client.js';
import { readMountInfo, type MountInfo } from '../client/mounts.js';
import { normalizePath } from '../client/paths.js';

export class MountCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { info: MountInfo; expires: number }>();

  /** @param ttlMs milliseconds an entry stays valid; `now` is for tests. */
  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * The mount at `mount` (cached), from `GET /v1/sys/internal/ui/mounts/<mount>`.
   * @returns the info and whether it came from the cache.
   * @throws VaultResponseError / VaultConnectionError from the lookup.
   */
  async get(vault: VaultClient, mount: string): Promise<{ info: MountInfo; cached: boolean }> {
    const key = normalizePath('mount', mount);
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.#now()) return { info: hit.info, cached: true };
    const info = await readMountInfo(vault, key);
    this.#entries.set(key, { info, expires: this.#now() + this.#ttlMs });
    // Bounded: a model probing many paths must not grow this without limit.
    if (this.#entries.size > 1000) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return { info, cached: false };
  }

  /** Forget one mount (after a mount change, or a KV error that suggests the facts are stale). */
  invalidate(mount: string): void {
    this.#entries.delete(normalizePath('mount', mount));
  }

  clear(): void {
    this.#entries.clear();
  }
}
