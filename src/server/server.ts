/**
 * Building the MCP server: choose the tools (toolsets, tool lists, read-only gate), serve them
 * (tool-calls.ts), and register the prompts and resources on one McpServer per session.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { VaultClient } from '../client/client.js';
import { safeErrorText } from '../client/errors.js';
import type { Config } from '../config.js';
import { teeLogger, type Logger } from '../log.js';
import { registerPrompts } from '../prompts/index.js';
import { completers } from '../resources/complete.js';
import { registerResources } from '../resources/index.js';
import { TOOLS } from '../tools/index.js';
import { apiToolNames, loadApiTools } from './api-tools.js';
import type { ToolContext } from './context.js';
import { CapabilityCache, probeTools } from './capabilities.js';
import { MountCache } from './mount-cache.js';
import type { Tool } from './tool.js';
import { redactValue, type RedactOptions } from './redact.js';
import { serveTools, type TokenState } from './tool-calls.js';
import { schemaValidator } from './schema-validator.js';

export type { TokenState } from './tool-calls.js';
import { packageVersion } from './version.js';

/**
 * A log record as the client (and so the model) may see it: no `stack` of a serialised error
 * (one level deep, where pino puts `err`), and the same last guard as tool results over every
 * string (the token; key material unless reveal is on).
 */
export function logDataForClient(
  data: Record<string, unknown>,
  options: RedactOptions,
): Record<string, unknown> {
  const withoutStacks = Object.fromEntries(
    Object.entries(data).map(([key, value]) => {
      if (!value || typeof value !== 'object' || !('stack' in value)) return [key, value];
      const { stack: _stack, ...rest } = value as Record<string, unknown>;
      return [key, rest];
    }),
  );
  return redactValue(withoutStacks, options) as Record<string, unknown>;
}

/** Every tool name this build knows (hand-written and raw), for validating VAULT_MCP_TOOLS. */
export function knownToolNames(): Set<string> {
  return new Set([...TOOLS.map((t) => t.name), ...apiToolNames()]);
}

/** Which tools are served, and why the others are not. */
export interface ToolSelection {
  readonly enabled: readonly Tool[];
  /** Tools hidden by read-only mode, with the reason given when one is called anyway. */
  readonly refused: ReadonlyMap<string, string>;
}

/** Apply toolsets / tool list / exclusions, then the read-only gate. */
export function selectTools(
  config: Pick<Config, 'tools' | 'toolsets' | 'excludeTools' | 'readOnly'>,
  candidates: readonly Tool[],
): ToolSelection {
  const wanted = config.tools
    ? candidates.filter((t) => config.tools?.includes(t.name))
    : candidates.filter((t) => config.toolsets.includes(t.toolset));
  const chosen = wanted.filter((t) => !config.excludeTools.includes(t.name));
  const refused = new Map<string, string>();
  const enabled: Tool[] = [];
  for (const tool of chosen) {
    if (config.readOnly && (tool.write || tool.mintsCredentials)) {
      refused.set(
        tool.name,
        `${tool.name} is disabled: vault-mcp runs read-only (ENABLE_VAULT_OPERATIONS=false or --read-only), and this tool ${tool.mintsCredentials ? 'mints credentials' : 'changes Vault'}. The operator must restart vault-mcp with ENABLE_VAULT_OPERATIONS=true to allow it.`,
      );
    } else {
      enabled.push(tool);
    }
  }
  return { enabled, refused };
}

/** All candidate tools for a configuration (loads the raw `api` tools only when they can be served). */
export async function candidateTools(config: Config): Promise<Tool[]> {
  const apiNames = new Set(apiToolNames());
  const wantsApi =
    config.toolsets.includes('api') || (config.tools ?? []).some((name) => apiNames.has(name));
  return wantsApi ? [...TOOLS, ...(await loadApiTools())] : [...TOOLS];
}

/** What the model is told once, at initialization. */
export function instructions(config: Config): string {
  return [
    'vault-mcp manages HashiCorp Vault / OpenBao: KV v1/v2 secrets, PKI (issuers, roles, certificates) and secrets-engine mounts.',
    "Paths are split in two: `mount` is the secrets engine's mount path (e.g. `secret`, `pki`), `path` is the location inside it (e.g. `myapp/database`). Never put `data/` or `metadata/` in a KV path: the server adds them for KV v2.",
    config.revealSecrets
      ? 'Secret values ARE returned (the operator enabled reveal): do not repeat them needlessly.'
      : 'Secret values are withheld: reads return key names and metadata only, and issued private keys are not returned. Only the operator can change this (VAULT_MCP_REVEAL_SECRETS=true). Prefer sign_pki_certificate with a locally generated CSR.',
    config.readOnly
      ? 'The server is read-only: tools that change Vault or mint credentials are not available.'
      : 'Write tools change Vault. Tools marked destructive lose data: the server asks the user itself when the client supports it; otherwise confirm with the user before calling one.',
    'Errors name the Vault path and, for permission errors, the capability the token is missing.',
  ].join('\n');
}

/** What createMcpServer needs: configuration, the caller's Vault client, logger and caches. */
export interface ServerDependencies {
  readonly config: Config;
  /** Client with the token (and namespace) of whoever this server serves; a function when it can change. */
  readonly vault: VaultClient | (() => VaultClient);
  readonly log: Logger;
  /** Shared or per-session cache; a new one when absent. */
  readonly mounts?: MountCache;
  /** Candidate tools, computed once per process (see candidateTools). */
  readonly candidates: readonly Tool[];
  /** The token's lifecycle, when it can expire or be replaced (stdio and the HTTP server token). */
  readonly tokens?: TokenState | undefined;
  /** Tool calls wait for this first (the initial login). */
  readonly ready?: Promise<unknown> | undefined;
  /**
   * Asked before every tool call (HTTP mode: rate limits, which may live in Redis). A string
   * refuses the call with that text as an `isError` result; undefined lets it run.
   */
  readonly admit?: ((tool: string) => Promise<string | undefined>) | undefined;
  /** Verdicts shared across servers of one caller (HTTP stateless mode); a new cache when absent. */
  readonly capabilities?: CapabilityCache | undefined;
}

/** A capability probe the caller's rate bucket refused; its message is the refusal text (ours). */
class ProbeRefused extends Error {}

/** The current client of `vault` (a function when renewal or re-login can replace it). */
function clientOf(vault: ServerDependencies['vault']): VaultClient {
  return typeof vault === 'function' ? vault() : vault;
}

/**
 * Cached verdicts of what the token behind `vault` may do with the tools `config` selects: one
 * `sys/internal/ui/mounts` and one `sys/capabilities-self` call per `config.capabilityTtlMs`.
 * `admitProbe` (HTTP mode: the caller's rate bucket) is asked before each probe; a refusal text
 * skips the probe and leaves the tools listed as they are.
 */
export function capabilityCache(
  deps: Pick<ServerDependencies, 'config' | 'vault' | 'log' | 'candidates'>,
  admitProbe?: () => Promise<string | undefined>,
): CapabilityCache {
  const { config, vault, log } = deps;
  const enabled = selectTools(config, deps.candidates).enabled;
  return new CapabilityCache(
    async () => {
      const refusal = await admitProbe?.();
      if (refusal) throw new ProbeRefused(refusal);
      const client = clientOf(vault);
      const verdicts = await probeTools(client, enabled, config.kvPrefix);
      const denied = [...verdicts.values()].filter((v) => v.usable === false);
      log.info(
        {
          usable: [...verdicts.values()].filter((v) => v.usable).length,
          tools: verdicts.size,
          notAllowed: denied.map((v) => `${v.tool}: ${v.missing ?? '?'}`),
        },
        'token capabilities probed',
      );
      return verdicts;
    },
    config.capabilityTtlMs,
    (error) =>
      log.warn(
        // Vault's (or a proxy's) text may quote the caller's token: only the client's typed errors, scrubbed.
        {
          error:
            error instanceof ProbeRefused
              ? error.message
              : safeErrorText(error, (text) => clientOf(vault).redact(text)),
        },
        'capability probe failed; tools stay listed as they are',
      ),
  );
}

/**
 * An McpServer with the selected tools (on its low-level Server, see serveTools), the prompts and
 * the resources registered, and its log records copied to the client (`notifications/message`).
 * One per client session (stdio: one per process); cheap to build because tool definitions are
 * created once per process.
 */
export function createMcpServer(deps: ServerDependencies): {
  server: McpServer;
  selection: ToolSelection;
} {
  const { config } = deps;
  const selection = selectTools(config, deps.candidates);
  const server = new McpServer(
    { name: 'vault-mcp', title: 'Vault MCP', version: packageVersion() },
    // Declared here so the SDK installs logging/setLevel; tools are served by serveTools.
    {
      instructions: instructions(config),
      capabilities: { logging: {} },
      jsonSchemaValidator: schemaValidator,
    },
  );
  // Log records reach the client (and so the model): no stack traces, and the same last guard
  // as tool results (the token, and key material unless reveal is on) over every string.
  const log = teeLogger(deps.log, ({ level, data }) => {
    if (!server.isConnected()) return;
    const safe = logDataForClient(data, {
      keys: !config.revealSecrets,
      token: (text) => (typeof deps.vault === 'function' ? deps.vault() : deps.vault).redact(text),
    });
    void server
      .sendLoggingMessage({ level, logger: 'vault-mcp', data: safe })
      .catch(() => undefined);
  });
  const vault = deps.vault;
  const context: ToolContext = {
    // A function when the token can change (renewal, re-login): read it at every call.
    get vault() {
      return typeof vault === 'function' ? vault() : vault;
    },
    config,
    mounts: deps.mounts ?? new MountCache(config.mountCacheTtlMs),
    log,
  };
  const capabilities = deps.capabilities ?? capabilityCache(deps);
  context.capabilities = () => capabilities.get();
  context.forgetCapabilities = () => capabilities.invalidate();
  serveTools(server.server, {
    config,
    enabled: selection.enabled,
    refused: selection.refused,
    context,
    capabilities,
    tokens: deps.tokens,
    ready: deps.ready,
    admit: deps.admit,
  });
  const served = new Set(selection.enabled.map((t) => t.name));
  // Prompts and resources ask Vault too: they spend from the same bucket and wait for the login.
  // Completions too, and one set of completers serves both prompts and resource templates.
  const gate = { admit: deps.admit, ready: deps.ready };
  const complete = completers(context, gate);
  registerPrompts(server, { context, served, candidates: deps.candidates, complete, ...gate });
  registerResources(server, { context, candidates: deps.candidates, complete, ...gate });
  return { server, selection };
}
