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
    for (const { before, after } of change.changed)
      lines.push(`  ~ ${after.tool}: ${describeChange(before, after)}`);
  }
  return lines.join('\n');
}

/** Hand-written tool name -> tool names of the generated operations it calls (its `operations`). */
export type ToolOperations = Readonly<Record<string, readonly string[]>>;

/** `+a -b` for the members of `after` not in `before` and the other way round. */
function setDelta(before: readonly string[], after: readonly string[]): string {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  return [...added.map((x) => `+${x}`), ...removed.map((x) => `-${x}`)].join(' ');
}

/** What changed in one operation, e.g. `fields +version -cas; capabilities [update] -> [create, update]`. */
function describeChange(before: ManifestEntry, after: ManifestEntry): string {
  const parts: string[] = [];
  if (before.method !== after.method || before.path !== after.path)
    parts.push(`${before.method} ${before.path} -> ${after.method} ${after.path}`);
  const fields = setDelta(before.fields, after.fields);
  if (fields) parts.push(`fields ${fields}`);
  if (JSON.stringify(before.capabilities) !== JSON.stringify(after.capabilities))
    parts.push(
      `capabilities [${before.capabilities.join(', ')}] -> [${after.capabilities.join(', ')}]`,
    );
  return parts.join('; ') || 'field order';
}

/**
 * Per hand-written tool, the operations it names that the new document added, removed or changed
 * (fields, capabilities, method or path): what to review in the tool's input and in the policy
 * generator. Tools whose operations did not change are left out. Lines are in `tools` order.
 */
export function toolChangeLines(change: Change, tools: ToolOperations): string[] {
  const added = new Set(change.added.map((e) => e.tool));
  const removed = new Set(change.removed.map((e) => e.tool));
  const changed = new Map(change.changed.map((c) => [c.after.tool, c]));
  const lines: string[] = [];
  for (const [tool, operations] of Object.entries(tools)) {
    const notes: string[] = [];
    for (const op of operations) {
      if (removed.has(op)) notes.push(`${op} removed (the tool can no longer call it)`);
      else if (added.has(op)) notes.push(`${op} added`);
      else {
        const c = changed.get(op);
        if (c) notes.push(`${op} ${describeChange(c.before, c.after)}`);
      }
    }
    if (notes.length) lines.push(`  ${tool}: ${notes.join('; ')}`);
  }
  return lines;
}

/** The per-tool section of the report: a heading and {@link toolChangeLines}, or one line saying none. */
export function renderToolReport(change: Change, tools: ToolOperations, baseline: string): string {
  const lines = toolChangeLines(change, tools);
  const total = Object.keys(tools).length;
  if (!lines.length)
    return `hand-written tools: none of the ${total} names an operation that changed against ${baseline}`;
  return [
    `hand-written tools: ${lines.length} of ${total} name operations that changed against ${baseline} (review their inputs and \`vault-mcp policy\`):`,
    ...lines,
  ].join('\n');
}
