/** Reading HCL policies and checking one against another, with Vault's path-matching rules. */

export interface Stanza {
  readonly path: string;
  readonly capabilities: string[];
}

/** The `path "..." { capabilities = [...] }` blocks of a policy (comments ignored). */
export function parsePolicy(hcl: string): Stanza[] {
  const text = hcl.replace(/#.*$/gm, '');
  return [...text.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)].map(
    (m) => ({
      path: m[1] ?? '',
      capabilities: [...(m[2] ?? '').matchAll(/"([^"]+)"/g)].map((c) => c[1] ?? ''),
    }),
  );
}

/** Vault glob matching: `+` is one segment, a trailing `*` any suffix. */
export function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const parts = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const segments = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const last = i === parts.length - 1;
    const segment = segments[i];
    if (segment === undefined) return false;
    if (part === '+') continue;
    if (last && glob) return segment.startsWith(part) && true;
    if (part !== segment) return false;
  }
  return glob ? segments.length >= parts.length : segments.length === parts.length;
}

/**
 * What `ours` grants that `theirs` does not: for each of our stanzas, the capabilities missing
 * from the most specific of their stanzas that matches our path (Vault applies only that one).
 */
export function coverage(ours: readonly Stanza[], theirs: readonly Stanza[]): Stanza[] {
  const extra: Stanza[] = [];
  for (const stanza of ours) {
    const candidates = theirs
      .filter((t) => matches(t.path, stanza.path))
      .sort(
        (a, b) =>
          Number(a.path.endsWith('*')) - Number(b.path.endsWith('*')) ||
          b.path.length - a.path.length,
      );
    const granted = new Set(candidates[0]?.capabilities ?? []);
    const missing = stanza.capabilities.filter((c) => !granted.has(c));
    if (missing.length) extra.push({ path: stanza.path, capabilities: missing });
  }
  return extra;
}
