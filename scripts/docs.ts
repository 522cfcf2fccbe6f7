/**
 * `make docs`: regenerate the README sections that mirror code (the tool table and the
 * configuration table). test/docs.test.ts fails when the README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { operations } from '../generated/operations.js';
import { SETTINGS, TOOLSETS } from '../src/config.js';
import { PROMPTS } from '../src/prompts/index.js';
import { completers } from '../src/resources/complete.js';
import { RESOURCES } from '../src/resources/index.js';
import { TOOLS } from '../src/tools/index.js';
import { repoRoot } from './lib/openbao.js';

const yes = (b: boolean): string => (b ? 'yes' : 'no');
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end >= 0 ? text.slice(0, end + 1) : text;
}

/** The hand-written tools with toolset, annotations and the Vault calls they may make. */
export function toolTable(): string {
  const byName = new Map(operations.map((op) => [op.toolName, op]));
  const rows = TOOLS.map((tool) => {
    const describe = (names: readonly string[], suffix: string): string[] =>
      names
        .map((name) => byName.get(name))
        .filter((op) => op !== undefined)
        .map((op) => `\`${cell(`${op.method} ${op.acl.path}`)}\`${suffix}`);
    const calls = [
      ...describe(tool.operations, ''),
      ...describe(tool.optionalOperations ?? [], ' (if allowed)'),
    ];
    return `| \`${tool.name}\` | ${tool.toolset} | ${yes(tool.annotations.readOnlyHint)} | ${yes(tool.annotations.destructiveHint)} | ${yes(tool.annotations.idempotentHint)} | ${cell(firstSentence(tool.description))} | ${calls.join('<br>')} |`;
  });
  const counts = TOOLSETS.map(
    (t) =>
      `${t.id} ${t.id === 'api' ? operations.length : TOOLS.filter((x) => x.toolset === t.id).length}`,
  ).join(', ');
  return [
    `${TOOLS.length} tools in the default toolsets, plus ${operations.length} raw operations in toolset \`api\` (off by default). Per toolset: ${counts}. Every tool sets all four MCP annotations (tools/list shows the hints that differ from the MCP defaults, and destructiveHint of every write tool); openWorldHint is false for all.`,
    '',
    '| Tool | Toolset | Read-only | Destructive | Idempotent | What it does | Vault calls it may make |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Settings of some groups: variables, flag, default, meaning. */
export function configTable(groups: readonly string[]): string {
  const rows = SETTINGS.filter((s) => groups.includes(s.group)).map(
    (s) =>
      `| ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.flag ? `\`${s.flag.syntax}\`` : '—'} | ${cell(s.default)} | ${cell(s.description)} |`,
  );
  return ['| Variable | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The prompts (with their arguments) and the resources and templates (URI, MIME type). */
export function mcpTables(): string {
  const prompts = PROMPTS.map((p) => {
    // Argument names only: completers are closures that read Vault when called, never here.
    const args = Object.keys(p.args(completers({} as never))).join(', ');
    return `| \`${p.name}\` | ${args || '—'} | ${cell(p.description)} |`;
  });
  const resources = RESOURCES.map(
    (r) =>
      `| \`${r.uri ?? r.template ?? ''}\` | ${r.uri ? 'resource' : 'template'} | \`${r.mimeType}\` | ${cell(r.description)} |`,
  );
  return [
    `${PROMPTS.length} prompts, ${RESOURCES.filter((r) => r.uri).length} resources and ${RESOURCES.filter((r) => r.template).length} resource templates.`,
    '',
    '| Prompt | Arguments | What it does |',
    '|---|---|---|',
    ...prompts,
    '',
    '| URI | Kind | MIME type | What it holds |',
    '|---|---|---|---|',
    ...resources,
  ].join('\n');
}

/** Replace the text between `<!-- BEGIN name -->` and `<!-- END name -->`. */
export function replaceSection(readme: string, name: string, body: string): string {
  const begin = `<!-- BEGIN ${name} (make docs) -->`;
  const end = `<!-- END ${name} -->`;
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} section`);
  return `${readme.slice(0, start + begin.length)}\n${body}\n${readme.slice(stop)}`;
}

export function renderReadme(readme: string): string {
  let out = replaceSection(readme, 'tools', toolTable());
  out = replaceSection(
    out,
    'config',
    configTable(['Vault connection', 'Tools and safety', 'Server']),
  );
  out = replaceSection(out, 'mcp', mcpTables());
  return replaceSection(out, 'http-config', configTable(['HTTP mode']));
}

if (process.argv[1]?.endsWith('docs.ts')) {
  const file = join(repoRoot, 'README.md');
  writeFileSync(file, renderReadme(readFileSync(file, 'utf8')));
  process.stdout.write('README.md tables regenerated\n');
}
