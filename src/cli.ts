#!/usr/bin/env node
/**
 * `vault-mcp [stdio]` (default), `vault-mcp tools`: the command line. Options and environment
 * variables come from the settings table in config.ts; bad configuration exits with code 2 and
 * lists every problem.
 */
import { Command, Option } from 'commander';
import { createVaultClient } from './client/client.js';
import { applyFlags, ConfigError, loadConfig, SETTINGS, TOOLSETS, type Config } from './config.js';
import { createLogger } from './log.js';
import { candidateTools, createMcpServer, knownToolNames, selectTools } from './server/server.js';
import { packageVersion } from './server/version.js';
import { checkToken, modeLine } from './startup.js';
import { serveStdio } from './transports/stdio.js';

function environmentHelp(): string {
  const groups = [...new Set(SETTINGS.map((s) => s.group))];
  const lines = ['', 'Environment (a flag wins over its variable):'];
  for (const group of groups) {
    lines.push(`  ${group}:`);
    for (const s of SETTINGS.filter((x) => x.group === group)) {
      lines.push(`    ${s.env.join(' | ').padEnd(44)} ${s.description} [default: ${s.default}]`);
    }
  }
  lines.push('', 'Toolsets:');
  for (const t of TOOLSETS)
    lines.push(`    ${t.id.padEnd(8)} ${t.default ? '(default) ' : '(off)     '}${t.description}`);
  lines.push(
    '',
    'The token is read from VAULT_TOKEN (or BAO_TOKEN), else ~/.vault-token; there is no flag for it on purpose.',
  );
  return lines.join('\n');
}

function configFrom(options: Record<string, string | boolean | undefined>): Config {
  try {
    return loadConfig(applyFlags(process.env, options), knownToolNames());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `vault-mcp: ${error.message}\nRun vault-mcp --help for every setting.\n`,
      );
      process.exit(2);
    }
    throw error;
  }
}

async function stdio(options: Record<string, string | boolean | undefined>): Promise<void> {
  const config = configFrom(options);
  const log = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception'));
  const vault = createVaultClient(config.vault);
  const candidates = await candidateTools(config);
  const { server, selection } = createMcpServer({ config, vault, log, candidates });
  log.info(
    {
      mode: {
        readOnly: config.readOnly,
        reveal: config.revealSecrets,
        toolsets: config.toolsets,
        tools: selection.enabled.length,
      },
    },
    `vault-mcp ${packageVersion()} ${modeLine(config, 'stdio', selection.enabled.length)}`,
  );
  // The token check runs beside the handshake: a slow or absent Vault must not delay it.
  void checkToken(vault, log);
  await serveStdio(server, log, () => vault.close());
}

async function listTools(options: Record<string, string | boolean | undefined>): Promise<void> {
  const config = configFrom(options);
  const { enabled } = selectTools(config, await candidateTools(config));
  if (options['json']) {
    process.stdout.write(
      `${JSON.stringify(
        enabled.map((t) => ({
          name: t.name,
          toolset: t.toolset,
          title: t.title,
          annotations: t.annotations,
        })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  if (options['markdown']) {
    const rows = enabled.map(
      (t) =>
        `| \`${t.name}\` | ${t.toolset} | ${t.description.split('. ')[0]?.replace(/\|/g, '\\|')}. | ${yes(t.annotations.readOnlyHint)} | ${yes(t.annotations.destructiveHint)} | ${yes(t.annotations.idempotentHint)} |`,
    );
    process.stdout.write(
      [
        '| Tool | Toolset | What it does | Read-only | Destructive | Idempotent |',
        '|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
    return;
  }
  for (const t of enabled)
    process.stdout.write(
      `${t.name.padEnd(28)} ${t.toolset.padEnd(7)} ${t.annotations.readOnlyHint ? 'read ' : 'write'} ${t.title}\n`,
    );
}

export function buildProgram(): Command {
  const program = new Command('vault-mcp')
    .description(
      'MCP server for HashiCorp Vault and OpenBao: KV v1/v2, PKI and mounts, least privilege, secret values withheld by default.',
    )
    .version(packageVersion())
    .enablePositionalOptions();
  for (const setting of SETTINGS) {
    if (!setting.flag) continue;
    program.addOption(
      new Option(
        setting.flag.syntax,
        setting.flag.description ?? `${setting.description} (env ${setting.env[0]})`,
      ),
    );
  }
  program.addHelpText('after', environmentHelp());
  program
    .command('stdio', { isDefault: true })
    .description('serve MCP over stdin/stdout (the default)')
    .action(async () => stdio(program.opts()));
  program
    .command('tools')
    .description('list the tools this configuration serves')
    .option('--json', 'as JSON')
    .option('--markdown', 'as a Markdown table')
    .action(async (local: Record<string, boolean>) => listTools({ ...program.opts(), ...local }));
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`vault-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
