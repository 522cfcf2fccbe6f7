/** What every tool handler gets: the caller's Vault client, configuration, caches and logger. */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { RequestScope, VaultClient } from '../client/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ToolVerdict } from './capabilities.js';
import type { MountCache } from './mount-cache.js';

export interface ToolContext {
  /** Client with the caller's token and namespace. */
  readonly vault: VaultClient;
  readonly config: Config;
  readonly mounts: MountCache;
  readonly log: Logger;
  /**
   * True while a write or credential-minting tool runs: its mount is looked up anew, never taken
   * from the cache (a stale engine type must not decide where a write goes).
   */
  readonly freshMounts?: boolean;
  /** Per-tool verdicts of what the token may do (set by the server; whoami reports them). */
  capabilities?: () => Promise<Map<string, ToolVerdict>>;
  /** Re-probe those verdicts on next use (after a mount was created or removed). */
  forgetCapabilities?: () => void;
  /**
   * Report progress of a long call (`notifications/progress`); set only for a call whose request
   * carried a progress token. `done` and `total` count the call's own units (e.g. secrets).
   */
  progress?: (done: number, total: number | undefined, message: string) => Promise<void>;
  /** Aborted when the client cancels the call (`notifications/cancelled`): stop before the next Vault call. */
  signal?: AbortSignal;
  /**
   * The call's requests (set with `signal` by the server): `vault` sends in it, so a cancel
   * destroys the reads in flight and refuses the next ones, and `scope.changes` says which
   * writes of the call may have changed Vault (see tool-calls.ts, the retry after a re-login).
   */
  readonly scope?: RequestScope;
  /**
   * HTTP mode: spend one more point of the caller's rate buckets, for a call that makes many Vault
   * requests (audit_secrets). `what` completes "rate limit reached: <what> was not run". Resolves
   * with the refusal text when a bucket is empty, undefined when the point was spent. Absent over
   * stdio (no rate limits).
   */
  spend?: (what: string) => Promise<string | undefined>;
}

/**
 * A view of `base` for one call with `extras` set (signal, progress, a reveal-on config); the
 * prototype keeps `vault` the base's live getter (renewal replaces the client). With
 * `extras.scope`, `vault` is the base's current client in that scope (one copy per client).
 */
export function callContext(base: ToolContext, extras: Partial<ToolContext>): ToolContext {
  const view = Object.assign(Object.create(base) as ToolContext, extras);
  const scope = extras.scope;
  if (scope) {
    let from: VaultClient | undefined;
    let scoped: VaultClient | undefined;
    Object.defineProperty(view, 'vault', {
      get: (): VaultClient => {
        const current = base.vault;
        if (current !== from || !scoped) {
          from = current;
          scoped = current.withScope(scope);
        }
        return scoped;
      },
    });
  }
  return view;
}

/** Thrown by a handler that stopped because its call was cancelled. */
export class CallCancelledError extends Error {
  override name = 'CallCancelledError';
}

/** @throws CallCancelledError when the call's signal is aborted. */
export function stopIfCancelled(context: Pick<ToolContext, 'signal'>): void {
  if (context.signal?.aborted) throw new CallCancelledError('the client cancelled the call');
}

/** A problem with the arguments that the model can fix; becomes an `isError` result as it is. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/** What a prompt or resource read waits for and spends, like a tool call (see {@link beforeRead}). */
export interface ReadGate {
  /** HTTP mode: the caller's rate bucket; a string refuses with that text. */
  readonly admit?: ((what: string) => Promise<string | undefined>) | undefined;
  /** The first login (AppRole/JWT): reads wait for it as tool calls do. */
  readonly ready?: Promise<unknown> | undefined;
}

/**
 * Before a prompt or resource read that asks Vault: spend from the caller's bucket (`what` names
 * it in the refusal, e.g. `prompt plan_secret_layout`) and wait for the first login.
 * @throws McpError (InvalidRequest) with the rate-limit text when the bucket is empty.
 */
export async function beforeRead(gate: ReadGate, what: string): Promise<void> {
  const refusal = await gate.admit?.(what);
  if (refusal) throw new McpError(ErrorCode.InvalidRequest, refusal);
  await gate.ready;
}
