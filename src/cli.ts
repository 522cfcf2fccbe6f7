/**
 * `vault-mcp [stdio]` (default), `vault-mcp tools`: the command line. Options and environment
 * variables come from the settings table in config.ts; bad configuration exits with code 2 and
 * lists every problem.
 */
import type { Command } from 'commander';
import { createVaultClient, type VaultClient } from './client/client.js';
import { applyFlags, ConfigError, loadConfig, SETTINGS, TOOLSETS, type Config } from './config.js';
import { TokenManager } from './auth/token-manager.js';
import { tuneHeapForServer } from './heap.js';
import { createLogger, type Logger } from './log.js';
import { policyCommand, policyDocument, policyOptions } from './policy.js';
import {
  candidateTools,
  capabilityCache,
  createMcpServer,
  knownToolNames,
  selectTools,
} from './server/server.js';
import { toolListSchemas } from './server/listed-schema.js';
import { packageVersion } from './server/version.js';
import { httpModeLine, modeLine } from './startup.js';
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

function configFrom(
  options: Record<string, string | boolean | undefined>,
  transport?: 'stdio' | 'streamable-http',
): Config {
  try {
    return loadConfig(
      applyFlags(process.env, options),
      knownToolNames(),
      transport ? { transport } : {},
    );
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

function guard(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => log.error({ err: error }, 'uncaught exception'));
}

async function stdio(options: Options): Promise<void> {
  const config = configFrom(options);
  if (config.transport === 'streamable-http') return http(options);
  const log = createLogger(config.logLevel);
  guard(log);
  tuneHeapForServer();
  const tokens = new TokenManager(createVaultClient(config.vault), config.login, log);
  const candidates = await candidateTools(config);
  // The token check (and a login) runs beside the handshake: a slow Vault must not delay it;
  // tool calls wait for it.
  const ready = tokens.start();
  const vault = (): VaultClient => tokens.client();
  // The capability probe (ui/mounts, then capabilities-self) starts now, beside the token check,
  // instead of at the first tools/list, which waits for its verdicts. With a login it needs the
  // token the login brings.
  const capabilities = capabilityCache({ config, vault, log, candidates });
  if (tokens.canLogin) void ready.then(() => capabilities.prefetch());
  else capabilities.prefetch();
  const { server, selection } = createMcpServer({
    config,
    vault,
    tokens,
    ready,
    log,
    candidates,
    capabilities,
  });
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
  await serveStdio(server, log, async () => {
    tokens.stop();
    if (config.revokeOnExit) await tokens.revoke();
    await tokens.client().close();
  });
  // After SIGTERM stdin may still be open and would keep the process alive.
  process.exit(0);
}

async function http(options: Options): Promise<void> {
  const config = configFrom(options, 'streamable-http');
  const log = createLogger(config.logLevel);
  guard(log);
  tuneHeapForServer();
  const candidates = await candidateTools(config);
  const count = selectTools(config, candidates).enabled.length;
  const base = createVaultClient({ ...config.vault, token: undefined });
  const tokens = new TokenManager(
    config.vault.token ? base.withToken(config.vault.token) : base,
    config.login,
    log,
  );
  if (config.vault.token || config.login) {
    const info = await tokens.start();
    if (info?.policies.includes('root') && !config.allowRootToken) {
      process.stderr.write(
        'vault-mcp: the server token has the root policy, which HTTP mode refuses: give it a scoped token (vault-mcp policy prints the policy), or set VAULT_MCP_ALLOW_ROOT_TOKEN=true\n',
      );
      process.exit(2);
    }
  }
  let handle;
  try {
    // Loaded only here: stdio mode never pays for the HTTP layer and its dependencies.
    const { startHttpServer } = await import('./transports/http.js');
    handle = await startHttpServer(config, log, candidates, tokens);
  } catch (error) {
    process.stderr.write(
      `vault-mcp: cannot serve HTTP on ${config.http.host}:${config.http.port}: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  log.info(
    { url: handle.url },
    `vault-mcp ${packageVersion()} ${modeLine(config, 'streamable-http', count)} ${httpModeLine(config, handle.url)}`,
  );
  const stop = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down: no new connections, closing sessions');
    await handle.close(); // also stops (and with VAULT_MCP_REVOKE_ON_EXIT revokes) `tokens`
    await base.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function printPolicy(options: Options): Promise<void> {
  const config = configFrom(options);
  const kvVersion = Number(options['kvVersion'] ?? 2);
  if (kvVersion !== 1 && kvVersion !== 2) {
    process.stderr.write('vault-mcp: --kv-version must be 1 or 2\n');
    process.exit(2);
  }
  const policy = policyOptions({
    kvMount: String(options['kvMount'] ?? 'secret'),
    kvVersion,
    pkiMount: String(options['pkiMount'] ?? 'pki'),
    // --kv-prefix (VAULT_MCP_KV_PREFIX), the server's own setting, so one value serves both;
    // --prefix is the older spelling.
    prefix:
      typeof options['prefix'] === 'string' ? options['prefix'] : config.kvPrefix || undefined,
    manageMounts:
      typeof options['manageMounts'] === 'string'
        ? options['manageMounts']
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
        : undefined,
  });
  const candidates = await candidateTools(config);
  const command = policyCommand(config, policy, {
    manageMounts: typeof options['manageMounts'] === 'string',
    toolsets: Boolean(options['toolsets']),
  });
  process.stdout.write(policyDocument(config, candidates, policy, command));
}

async function listTools(options: Record<string, string | boolean | undefined>): Promise<void> {
  // `vault-mcp tools | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const config = configFrom(options);
  const { enabled } = selectTools(config, await candidateTools(config));
  if (options['json']) {
    process.stdout.write(
      `${JSON.stringify(
        enabled.map((t) => ({
          name: t.name,
          toolset: t.toolset,
          title: t.title,
          description: t.description,
          write: t.write,
          annotations: t.annotations,
          // The JSON Schema tools/list serves.
          inputSchema: toolListSchemas(t).inputSchema,
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

/** Every setting's flag, on the program and on each command (so `vault-mcp http --port 9000` works). */
function addSettingOptions(command: Command): Command {
  for (const setting of SETTINGS) {
    if (!setting.flag) continue;
    command.addOption(
      command.createOption(
        setting.flag.syntax,
        setting.flag.description ?? `${setting.description} (env ${setting.env[0]})`,
      ),
    );
  }
  return command;
}

type Options = Record<string, string | boolean | undefined>;

/**
 * The `vault-mcp` command line (commander, loaded here: `vault-mcp` alone does not need it):
 * stdio, http, policy, tools and their options.
 */
export async function buildProgram(): Promise<Command> {
  const { Command } = await import('commander');
  const program = addSettingOptions(
    new Command('vault-mcp')
      .description(
        'MCP server for HashiCorp Vault and OpenBao: KV v1/v2, PKI and mounts, least privilege, secret values withheld by default.',
      )
      .version(packageVersion()),
  );
  program.addHelpText('after', environmentHelp());
  const merged = (command: Command): Options => ({ ...program.opts(), ...command.opts() });
  addSettingOptions(
    program
      .command('stdio', { isDefault: true })
      .description('serve MCP over stdin/stdout (the default)'),
  ).action(async (_options: Options, command: Command) => stdio(merged(command)));
  addSettingOptions(
    program
      .command('http')
      .description(
        'serve MCP over streamable HTTP (TRANSPORT_MODE=streamable-http); see the HTTP mode settings below',
      ),
  ).action(async (_options: Options, command: Command) => http(merged(command)));
  addSettingOptions(
    program
      .command('policy')
      .description(
        'print the least-privilege Vault policy (HCL) for the tools this configuration serves',
      )
      .option('--kv-mount <mount>', 'KV mount the KV tools work on', 'secret')
      .option('--kv-version <n>', 'KV version of that mount (1 or 2)', '2')
      .option('--pki-mount <mount>', 'PKI mount', 'pki')
      .option('--prefix <prefix>', 'same as --kv-prefix')
      .option(
        '--manage-mounts <list>',
        'mounts the mount tools may create, tune and delete (default: the PKI mount)',
      ),
  ).action(async (_options: Options, command: Command) => printPolicy(merged(command)));
  addSettingOptions(
    program
      .command('tools')
      .description('list the tools this configuration serves')
      .option('--json', 'as JSON')
      .option('--markdown', 'as a Markdown table'),
  ).action(async (_options: Options, command: Command) => listTools(merged(command)));
  return program;
}

// `vault-mcp` with no arguments, as MCP clients launch it, is `vault-mcp stdio` with no flags:
// it starts without loading the command-line parser (~10 ms of start-up).
(process.argv.length <= 2
  ? stdio({})
  : buildProgram().then((program) => program.parseAsync(process.argv))
)
  .then(() => undefined)
  .catch((error: unknown) => {
    process.stderr.write(`vault-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
