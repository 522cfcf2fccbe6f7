import { z } from 'zod';
import { VaultResponseError } from '../../client/errors.js';
import { kvList, kvRead, kvReadMetadata, kvSubkeys } from '../../client/kv.js';
import { defineTool, READ } from '../../server/tool.js';
import { listText, mountField, time } from '../common.js';
import { listInScope, withKvTarget, type KvTarget } from './kv-target.js';
import { stopIfCancelled, type ToolContext } from '../../server/context.js';

const entrySchema = z.object({
  path: z.string(),
  keys: z.array(z.string()).describe('Empty when unreadable or deleted.'),
  current_version: z.number().int().optional(),
  versions: z.number().int().optional(),
  created_time: z.string().optional(),
  updated_time: z.string().optional(),
  deleted: z.boolean().optional().describe('Current version soft-deleted or destroyed.'),
  error: z.string().optional().describe('Why it could not be read.'),
});

type Entry = z.infer<typeof entrySchema>;

/** Workers that fetch secret details at once. */
const CONCURRENCY = 8;
/** A progress notification every this many secrets read. */
const PROGRESS_EVERY = 25;

function problem(error: unknown): string {
  if (error instanceof VaultResponseError)
    return `${error.status}: ${error.errors.join('; ') || 'no message'}`;
  throw error;
}

async function details(
  context: ToolContext,
  target: KvTarget,
  path: string,
  state: { keysFrom: 'subkeys' | 'data' },
): Promise<Entry> {
  const { vault } = context;
  if (target.version === 1) {
    try {
      const secret = await kvRead(vault, target.mount, path, 1);
      return { path, keys: Object.keys(secret?.data ?? {}).sort() };
    } catch (error) {
      return { path, keys: [], error: problem(error) };
    }
  }
  const entry: Entry = { path, keys: [] };
  try {
    const meta = await kvReadMetadata(vault, target.mount, path, 2);
    if (meta) {
      const current = meta.versions?.[String(meta.current_version)];
      entry.current_version = meta.current_version;
      entry.versions = Object.keys(meta.versions ?? {}).length;
      const created = time(meta.created_time);
      const updated = time(meta.updated_time);
      if (created) entry.created_time = created;
      if (updated) entry.updated_time = updated;
      entry.deleted = Boolean(current && (current.destroyed || time(current.deletion_time)));
      if (entry.deleted) return entry;
    }
  } catch (error) {
    entry.error = `metadata: ${problem(error)}`;
  }
  try {
    // Key names without values: subkeys when the policy allows it, else the data read
    // (its values are dropped here and never leave this function).
    if (state.keysFrom === 'subkeys') {
      try {
        entry.keys = (await kvSubkeys(vault, target.mount, path, 2)) ?? [];
        return entry;
      } catch (error) {
        if (!(error instanceof VaultResponseError && error.status === 403)) throw error;
        state.keysFrom = 'data';
      }
    }
    const secret = await kvRead(vault, target.mount, path, 2);
    entry.keys = Object.keys(secret?.data ?? {}).sort();
  } catch (error) {
    entry.error = [entry.error, `keys: ${problem(error)}`].filter(Boolean).join('; ');
  }
  return entry;
}

function renderTree(root: string, entries: readonly Entry[]): string[] {
  interface Node {
    children: Map<string, Node>;
    entry?: Entry;
  }
  const top: Node = { children: new Map() };
  for (const entry of entries) {
    let node = top;
    const parts = entry.path.split('/');
    parts.forEach((part, i) => {
      const name = i < parts.length - 1 ? `${part}/` : part;
      let child = node.children.get(name);
      if (!child) {
        child = { children: new Map() };
        node.children.set(name, child);
      }
      node = child;
    });
    node.entry = entry;
  }
  const lines = [`${root}/`];
  const walk = (node: Node, prefix: string): void => {
    const names = [...node.children.keys()].sort();
    names.forEach((name, i) => {
      const child = node.children.get(name) as Node;
      const last = i === names.length - 1;
      const e = child.entry;
      const info = e
        ? e.error
          ? `  (${e.error})`
          : e.deleted
            ? `  (v${e.current_version} deleted)`
            : `  (${e.current_version !== undefined ? `v${e.current_version}, updated ${e.updated_time ?? '?'}, ` : ''}keys: ${listText(e.keys)})`
        : '';
      lines.push(`${prefix}${last ? '└── ' : '├── '}${name}${info}`);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(top, '');
  return lines;
}

/** Vault requests an audit makes for one point of the caller's rate limit (HTTP mode). */
export const REQUESTS_PER_POINT = 100;

/**
 * The rate-limit cost of an audit in HTTP mode: the call's own point pays for its first
 * {@link REQUESTS_PER_POINT} Vault requests, and each further hundred spends one more point
 * (ToolContext.spend), so one call cannot turn into thousands of Vault requests for the price of
 * one. Over stdio there are no rate limits and every request is paid for.
 */
class Budget {
  #paid = REQUESTS_PER_POINT;
  #used = 0;

  constructor(private readonly spend: ToolContext['spend']) {}

  /** Vault requests paid for so far. */
  get used(): number {
    return this.#used;
  }

  /**
   * Pays for `requests` more Vault requests. Resolves with the truncation reason when a rate
   * bucket is empty (those requests are then not made), undefined when they are paid.
   */
  async take(requests: number): Promise<string | undefined> {
    while (this.#used + requests > this.#paid) {
      const refusal = await this.spend?.('the rest of audit_secrets');
      if (refusal)
        return `the rate limit stopped the audit after ${this.#used} Vault requests (one point per ${REQUESTS_PER_POINT}): ${refusal}`;
      this.#paid += REQUESTS_PER_POINT;
    }
    this.#used += requests;
    return undefined;
  }
}

/** What the walk of a KV tree found: secret paths, folders listed, and why it stopped short. */
interface Walked {
  found: string[];
  folders: number;
  truncated: string | undefined;
  unlisted: Array<{ path: string; error: string }>;
}

/**
 * Lists `target` breadth-first (LIST `<mount>/metadata/<folder>` on KV v2, `<mount>/<folder>` on
 * v1) down to `maxDepth` folders, stopping at `maxSecrets` secrets. A folder deeper than that is
 * noted and the walk goes on; a folder that cannot be listed (403) is reported and skipped.
 * @throws VaultResponseError when the starting folder cannot be listed.
 */
async function walk(
  context: ToolContext,
  target: KvTarget,
  limits: { maxDepth: number; maxSecrets: number; budget: Budget },
): Promise<Walked> {
  const { maxDepth, maxSecrets, budget } = limits;
  const walked: Walked = { found: [], folders: 0, truncated: undefined, unlisted: [] };
  const queue: Array<{ folder: string; depth: number }> = [{ folder: target.path, depth: 1 }];
  let full = false;
  while (queue.length > 0 && !full) {
    const { folder, depth } = queue.shift() as { folder: string; depth: number };
    stopIfCancelled(context);
    const unpaid = await budget.take(1);
    if (unpaid) {
      walked.truncated = unpaid;
      break;
    }
    let keys: string[];
    try {
      keys =
        folder === target.path
          ? await listInScope(context, target, folder)
          : await kvList(context.vault, target.mount, folder, target.version);
    } catch (error) {
      // A folder the policy hides is reported, and the walk goes on; the start must list.
      if (folder === target.path || !(error instanceof VaultResponseError)) throw error;
      walked.unlisted.push({ path: `${folder}/`, error: problem(error) });
      continue;
    }
    walked.folders++;
    // Progress counts folders listed, then secrets read; the total is known once the walk ends.
    await context.progress?.(
      walked.folders,
      undefined,
      `listed ${walked.folders} folders, found ${walked.found.length} secrets`,
    );
    for (const key of keys) {
      const child = [folder, key].filter(Boolean).join('/').replace(/\/+/g, '/');
      if (key.endsWith('/')) {
        if (depth < maxDepth) queue.push({ folder: child.replace(/\/$/, ''), depth: depth + 1 });
        else walked.truncated ??= `max_depth ${maxDepth} reached at ${target.mount}/${child}`;
      } else if (walked.found.length >= maxSecrets) {
        walked.truncated = `max_secrets ${maxSecrets} reached`;
        full = true;
        break;
      } else {
        walked.found.push(child);
      }
    }
  }
  return walked;
}

/**
 * Pays for reading the details of what `walked` found (KV v1: one read a secret; v2: metadata
 * and subkeys); when the rate limit refuses, only the secrets paid for are read, and `walked`
 * says why the rest are missing.
 */
async function payForDetails(walked: Walked, target: KvTarget, budget: Budget): Promise<void> {
  const perSecret = target.version === 1 ? 1 : 2;
  for (let paid = 0; paid < walked.found.length; paid++) {
    const unpaid = await budget.take(perSecret);
    if (unpaid) {
      walked.found.length = paid;
      walked.truncated = unpaid;
      return;
    }
  }
}

/** The details of every secret `walked` found, read by {@link CONCURRENCY} workers, with progress. */
async function readDetails(
  context: ToolContext,
  target: KvTarget,
  { found, folders }: Walked,
): Promise<Entry[]> {
  const state = { keysFrom: 'subkeys' as 'subkeys' | 'data' };
  const entries: Entry[] = new Array(found.length);
  let next = 0;
  let detailed = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, found.length) }, async () => {
      while (next < found.length) {
        const index = next++;
        stopIfCancelled(context);
        entries[index] = await details(context, target, found[index] as string, state);
        if (++detailed % PROGRESS_EVERY === 0 || detailed === found.length)
          await context.progress?.(
            folders + detailed,
            folders + found.length,
            `read the metadata of ${detailed} of ${found.length} secrets`,
          );
      }
    }),
  );
  return entries;
}

export const auditSecrets = defineTool({
  name: 'audit_secrets',
  title: 'Audit secrets tree',
  description:
    'Walk a KV mount or folder and report every secret: key names, versions and times (KV v2), never values. Bounded by max_depth and max_secrets.',
  toolset: 'kv',
  write: false,
  annotations: READ,
  operations: [
    'ui_mounts_read',
    'kv_v2_list',
    'kv_v2_read_metadata',
    'kv_v2_read',
    'kv_v1_list',
    'kv_v1_read',
  ],
  // Key names without values when the policy allows subkeys; otherwise from the data read.
  optionalOperations: ['kv_v2_read_subkeys'],
  input: {
    mount: mountField('secret', 'KV'),
    path: z.string().default('').describe("Folder, e.g. 'myapp/'; empty: the whole mount."),
    max_depth: z.number().int().min(1).max(32).default(10).describe('Folder levels to descend.'),
    max_secrets: z.number().int().min(1).max(10_000).default(200),
  },
  output: {
    mount: z.string(),
    path: z.string(),
    kv_version: z.number().int(),
    secrets: z.array(entrySchema),
    folders: z.number().int(),
    unlisted_folders: z
      .array(z.object({ path: z.string(), error: z.string() }))
      .describe('Not listable (e.g. 403); their secrets are missing.'),
    truncated: z.boolean(),
    truncated_reason: z.string().optional(),
  },
  handler: async ({ mount, path, max_depth, max_secrets }, context) =>
    withKvTarget(context, mount, path, { needPath: false }, async (target) => {
      const budget = new Budget(context.spend);
      const walked = await walk(context, target, {
        maxDepth: max_depth,
        maxSecrets: max_secrets,
        budget,
      });
      await payForDetails(walked, target, budget);
      const { folders, truncated, unlisted } = walked;
      const entries = await readDetails(context, target, walked);
      entries.sort((a, b) => a.path.localeCompare(b.path));
      const root = target.path ? `${target.mount}/${target.path}` : target.mount;
      const summary = `${entries.length} secret${entries.length === 1 ? '' : 's'} in ${folders} folder${folders === 1 ? '' : 's'}${truncated ? `; truncated: ${truncated}` : ''}${unlisted.length ? `; could not list ${unlisted.map((u) => `${u.path} (${u.error})`).join(', ')}` : ''}.`;
      return {
        structured: {
          mount: target.mount,
          path: target.path,
          kv_version: target.version,
          secrets: entries,
          folders,
          unlisted_folders: unlisted,
          truncated: Boolean(truncated),
          ...(truncated ? { truncated_reason: truncated } : {}),
        },
        text: [
          ...renderTree(
            root,
            entries.map((e) => ({
              ...e,
              path: target.path ? e.path.slice(target.path.length + 1) : e.path,
            })),
          ),
          summary,
        ].join('\n'),
      };
    }),
});
