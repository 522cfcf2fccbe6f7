/**
 * `vault-mcp policy`: the least-privilege Vault policy (HCL) for the tools a configuration serves,
 * derived from the generated operation table: each tool names the operations it calls, each
 * operation knows its ACL path template and capabilities. Paths are scoped to the named mounts
 * (never `pki*` globs); KV paths can be narrowed to one application prefix.
 */
import { operations, type Capability, type GeneratedOperation } from '../generated/operations.js';
import type { Config } from './config.js';
import { literalName } from './policy-name.js';
import { selectTools } from './server/server.js';
import type { Tool } from './server/tool.js';
import { packageVersion } from './server/version.js';

export interface PolicyOptions {
  /** KV mount the KV tools work on (`secret`). */
  readonly kvMount: string;
  readonly kvVersion: 1 | 2;
  /** PKI mount (`pki`). */
  readonly pkiMount: string;
  /** KV paths under this prefix only (`myapp/`); empty for the whole mount. */
  readonly prefix: string;
  /** Mounts the mount tools (and enable_pki) may create, tune and delete; default: the PKI mount. */
  readonly manageMounts: readonly string[];
}

/** One `path "..." { capabilities = [...] }` block and the tools that need it. */
export interface PolicyStanza {
  readonly path: string;
  readonly capabilities: readonly Capability[];
  readonly tools: readonly string[];
}

const ORDER: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
];

/** Operations Vault's `default` policy already grants to every token that has it. */
const DEFAULT_POLICY_OPERATIONS = new Set(['token_lookup_self', 'capabilities_self']);

/**
 * Concrete policy paths for one operation: `{mount}` becomes the KV or PKI mount, a secret's
 * `{path}` the prefix glob, `sys/mounts/{path}` each managed mount, other parameters `+`
 * (one segment), and `{exported}` `internal` (the only kind the hand-written tools create).
 */
export function policyPaths(
  op: GeneratedOperation,
  options: PolicyOptions,
  exportedWildcard: boolean,
): string[] {
  const mount = op.mountParam?.startsWith('kv_') ? options.kvMount : options.pkiMount;
  const isSysMounts = op.pathTemplate.startsWith('/sys/mounts/');
  const targets = isSysMounts ? options.manageMounts : [undefined];
  return targets.map((target) =>
    op.acl.path
      // A function, not a string: `$&` in a name is no replacement pattern here.
      .replace('{mount}', () => mount)
      .replace(/\{([^}]+)\}\/?$/, (whole, name: string) => {
        if (name === 'path' && !isSysMounts) return `${options.prefix}*`;
        return whole.replace(`{${name}}`, () =>
          name === 'path'
            ? (target ?? '+')
            : name === 'exported' && !exportedWildcard
              ? 'internal'
              : '+',
        );
      })
      .replace(/\{([^}]+)\}/g, (_, name: string) =>
        name === 'path' && target
          ? target
          : name === 'exported' && !exportedWildcard
            ? 'internal'
            : '+',
      ),
  );
}

/**
 * The stanzas the tools selected by `config` need, sorted by path.
 * @throws Error when a tool names an operation the table does not have.
 */
export function buildPolicy(
  config: Pick<Config, 'tools' | 'toolsets' | 'excludeTools' | 'readOnly'>,
  candidates: readonly Tool[],
  options: PolicyOptions,
): PolicyStanza[] {
  const byName = new Map(operations.map((op) => [op.toolName, op]));
  const { enabled } = selectTools(config, candidates);
  const exportedWildcard = enabled.some((t) => t.toolset === 'api');
  const wrongKv = options.kvVersion === 2 ? 'kv_v1_mount_path' : 'kv_v2_mount_path';
  const stanzas = new Map<string, { capabilities: Set<Capability>; tools: Set<string> }>();
  for (const tool of enabled) {
    for (const name of tool.operations) {
      const op = byName.get(name);
      if (!op) throw new Error(`${tool.name} names unknown operation ${name}`);
      if (op.unauthenticated || op.mountParam === wrongKv || DEFAULT_POLICY_OPERATIONS.has(name))
        continue;
      for (const path of policyPaths(op, options, exportedWildcard)) {
        const stanza = stanzas.get(path) ?? {
          capabilities: new Set<Capability>(),
          tools: new Set<string>(),
        };
        for (const capability of op.acl.capabilities) stanza.capabilities.add(capability);
        stanza.tools.add(tool.name);
        stanzas.set(path, stanza);
      }
    }
  }
  return [...stanzas.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, s]) => ({
      path,
      capabilities: ORDER.filter((c) => s.capabilities.has(c)),
      tools: [...s.tools].sort(),
    }));
}

/** HCL text with a header saying how it was made, and each stanza's tools as a comment. */
export function renderHcl(stanzas: readonly PolicyStanza[], header: readonly string[]): string {
  const lines = header.map((h) => `# ${h}`);
  for (const s of stanzas) {
    lines.push(
      '',
      `# ${s.tools.join(', ')}`,
      `path "${s.path}" {`,
      `  capabilities = [${s.capabilities.map((c) => `"${c}"`).join(', ')}]`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Normalized options: mount names without slashes, a prefix that ends in `/` (or is empty).
 * @throws VaultInputError for a name with `+`, `*` or any character but letters, digits and
 *   `. _ ~ @ : -` ({@link literalName}), `..` segments or control characters.
 */
export function policyOptions(raw: {
  kvMount: string;
  kvVersion: number;
  pkiMount: string;
  prefix?: string | undefined;
  manageMounts?: readonly string[] | undefined;
}): PolicyOptions {
  const prefix = literalName('prefix', raw.prefix ?? '');
  const pkiMount = literalName('pki-mount', raw.pkiMount);
  return {
    kvMount: literalName('kv-mount', raw.kvMount),
    kvVersion: raw.kvVersion === 1 ? 1 : 2,
    pkiMount,
    prefix: prefix ? `${prefix}/` : '',
    manageMounts: (raw.manageMounts?.length ? raw.manageMounts : [pkiMount]).map((m) =>
      literalName('manage-mounts', m),
    ),
  };
}

/**
 * The `vault-mcp policy` command line that reproduces `options` under `config`; `given` says
 * which optional flags were given explicitly (they are repeated only then).
 */
export function policyCommand(
  config: Pick<Config, 'tools' | 'toolsets' | 'excludeTools' | 'readOnly'>,
  options: PolicyOptions,
  given: { manageMounts: boolean; toolsets: boolean },
): string {
  return [
    'vault-mcp policy',
    `--kv-mount ${options.kvMount}`,
    ...(options.kvVersion === 1 ? ['--kv-version 1'] : []),
    `--pki-mount ${options.pkiMount}`,
    ...(options.prefix ? [`--kv-prefix ${options.prefix}`] : []),
    ...(given.manageMounts ? [`--manage-mounts ${options.manageMounts.join(',')}`] : []),
    ...(given.toolsets ? [`--toolsets ${config.toolsets.join(',')}`] : []),
    ...(config.tools ? [`--tools ${config.tools.join(',')}`] : []),
    ...(config.excludeTools.length ? [`--exclude-tools ${config.excludeTools.join(',')}`] : []),
    ...(config.readOnly ? ['--read-only'] : []),
  ].join(' ');
}

/** The whole HCL document `vault-mcp policy` prints: a header saying how it was made, then the stanzas. */
export function policyDocument(
  config: Pick<Config, 'tools' | 'toolsets' | 'excludeTools' | 'readOnly'>,
  candidates: readonly Tool[],
  options: PolicyOptions,
  command: string,
): string {
  const tools = selectTools(config, candidates).enabled;
  const stanzas = buildPolicy(config, candidates, options);
  // --manage-mounts only matters when a tool that creates, tunes or deletes a mount is enabled.
  const writesMount = (s: PolicyStanza): boolean =>
    s.path.startsWith('sys/mounts/') && s.capabilities.some((c) => c !== 'read' && c !== 'list');
  const managed = stanzas.some(writesMount)
    ? options.manageMounts.join(', ')
    : 'none (no enabled tool creates, tunes or deletes a mount)';
  const header = [
    `Vault policy for vault-mcp ${packageVersion()}, made by: ${command}`,
    `KV mount "${options.kvMount}" (KV v${options.kvVersion})${options.prefix ? `, paths under "${options.prefix}" only` : ''}; PKI mount "${options.pkiMount}"; mounts managed: ${managed}`,
    `toolsets ${config.toolsets.join(',')}${config.readOnly ? ', read-only' : ''}: ${tools.length} tools`,
    "Also attach Vault's default policy (tokens get it unless created with -no-default-policy):",
    'whoami uses auth/token/lookup-self and sys/capabilities-self from it.',
  ];
  return renderHcl(stanzas, header);
}
