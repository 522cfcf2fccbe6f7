/** The `make generate` report: operations per toolset and the change against the last generation. */
import type { Manifest, ManifestEntry } from './emit.js';

export interface Change {
  readonly added: readonly ManifestEntry[];
  readonly removed: readonly ManifestEntry[];
  /** Same tool name, different method, path, capabilities or input fields. */
  readonly changed: ReadonlyArray<{
    readonly before: ManifestEntry;
    readonly after: ManifestEntry;
  }>;
}

export function compare(before: Manifest | undefined, after: Manifest): Change {
  const old = new Map((before?.operations ?? []).map((e) => [e.tool, e]));
  const now = new Map(after.operations.map((e) => [e.tool, e]));
  const added = after.operations.filter((e) => !old.has(e.tool));
  const removed = (before?.operations ?? []).filter((e) => !now.has(e.tool));
  const changed = after.operations
    .filter((e) => old.has(e.tool) && JSON.stringify(old.get(e.tool)) !== JSON.stringify(e))
    .map((e) => ({ before: old.get(e.tool) as ManifestEntry, after: e }));
  return { added, removed, changed };
}

export function countsByToolset(manifest: Manifest): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of manifest.operations) counts[e.toolset] = (counts[e.toolset] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function renderReport(
  manifest: Manifest,
  change: Change,
  baseline: string,
  extra: string[],
): string {
  const lines: string[] = [];
  const counts = countsByToolset(manifest);
  lines.push(
    `operations: ${manifest.operations.length} (${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  lines.push(...extra);
  const describe = (e: ManifestEntry): string => `${e.tool} (${e.method} ${e.path})`;
  if (!change.added.length && !change.removed.length && !change.changed.length) {
    lines.push(`compared with ${baseline}: no operations added, removed or changed`);
  } else {
    lines.push(
      `compared with ${baseline}: +${change.added.length} -${change.removed.length} ~${change.changed.length}`,
    );
    for (const e of change.added) lines.push(`  + ${describe(e)}`);
    for (const e of change.removed) lines.push(`  - ${describe(e)}`);
    for (const { before, after } of change.changed) {
      const what = (['method', 'path', 'capabilities', 'fields'] as const)
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        .join(', ');
      lines.push(`  ~ ${after.tool}: ${what}`);
    }
  }
  return lines.join('\n');
}
