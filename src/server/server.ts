/**
 * Building the MCP server: choose the tools (toolsets, tool lists, read-only gate), register them
 * on an McpServer with strict zod input, an output schema and honest annotations, and turn every
 * failure into an `isError` result.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { VaultClient } from '../client/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { TOOLS } from '../tools/index.js';
import { apiToolNames, loadApiTools } from './api-tools.js';
import type { ToolContext } from './context.js';
import { errorResult } from './errors.js';
import { MountCache } from './mount-cache.js';
import type { Tool } from './tool.js';
import { packageVersion } from './version.js';

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
      : 'Write tools change Vault: confirm destructive actions (delete_mount, destroy_secret_versions, delete_secret_metadata) with the user first.',
    'Errors name the Vault path and, for permission errors, the capability the token is missing.',
  ].join('\n');
}

export interface ServerDependencies {
  readonly config: Config;
  /** Client with the token (and namespace) of whoever this server serves. */
  readonly vault: VaultClient;
  readonly log: Logger;
  /** Shared or per-session cache; a new one when absent. */
  readonly mounts?: MountCache;
  /** Candidate tools, computed once per process (see candidateTools). */
  readonly candidates: readonly Tool[];
  /**
   * Asked before every tool call (HTTP mode: rate limits). A string refuses the call with that
   * text as an `isError` result; undefined lets it run.
   */
  readonly admit?: ((tool: string) => string | undefined) | undefined;
}

const schemaCache = new WeakMap<Tool, { input: z.ZodObject; output: z.ZodObject }>();

/** zod objects of a tool, built once per process (HTTP mode builds a server per session or request). */
function schemasOf(tool: Tool): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = schemaCache.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.input).strict(), output: z.object(tool.output) };
    schemaCache.set(tool, schemas);
  }
  return schemas;
}

/** The result of a call, rendered for MCP: text plus structuredContent. */
async function run(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<CallToolResult> {
  const started = performance.now();
  try {
    const result = await tool.handler(args, context);
    context.log.debug(
      { tool: tool.name, ms: Math.round(performance.now() - started) },
      'tool call',
    );
    return { content: [{ type: 'text', text: result.text }], structuredContent: result.structured };
  } catch (error) {
    const outcome = errorResult(error, context.vault.info.address, (unexpected) =>
      context.log.error({ tool: tool.name, err: unexpected }, 'unexpected error in tool'),
    );
    context.log.info(
      {
        tool: tool.name,
        ms: Math.round(performance.now() - started),
        error: (error as Error).name,
      },
      'tool call failed',
    );
    return outcome;
  }
}

/**
 * An McpServer with the selected tools registered. One per client session (stdio: one per
 * process); cheap to build because tool definitions are created once per process.
 */
export function createMcpServer(deps: ServerDependencies): {
  server: McpServer;
  selection: ToolSelection;
} {
  const { config } = deps;
  const selection = selectTools(config, deps.candidates);
  const server = new McpServer(
    { name: 'vault-mcp', title: 'Vault MCP', version: packageVersion() },
    // No `capabilities` here: declaring tools would make McpServer install its tools/call
    // handler in the constructor, before the wrapper below.
    { instructions: instructions(config), maxToolInputElements: 10_000 },
  );
  const context: ToolContext = {
    vault: deps.vault,
    config,
    mounts: deps.mounts ?? new MountCache(config.mountCacheTtlMs),
    log: deps.log,
  };
  const registered = new Set(selection.enabled.map((t) => t.name));
  // Calls to tools that are not served get a specific answer instead of the SDK's "not found":
  // read-only mode says why and how to change it. The wrapper is installed before the first
  // registerTool, which is when McpServer installs its tools/call handler.
  const lowLevel = server.server;
  const install = lowLevel.setRequestHandler.bind(lowLevel);
  // Narrow cast: the same generic signature, with the tools/call handler wrapped.
  lowLevel.setRequestHandler = ((
    schema: typeof CallToolRequestSchema,
    handler: (request: z.infer<typeof CallToolRequestSchema>, extra: unknown) => Promise<unknown>,
  ) => {
    // Compared by method name: test runners may load the SDK's types module twice.
    const method = (schema as { shape?: { method?: { value?: unknown } } }).shape?.method?.value;
    if (schema !== CallToolRequestSchema && method !== 'tools/call')
      return install(schema, handler as never);
    return install(schema, (async (
      request: z.infer<typeof CallToolRequestSchema>,
      extra: unknown,
    ) => {
      const name = request.params.name;
      const refusal = selection.refused.get(name);
      if (refusal) return { content: [{ type: 'text', text: refusal }], isError: true };
      if (!registered.has(name)) {
        return {
          content: [
            {
              type: 'text',
              text: `unknown tool '${name}': tools/list shows the tools this server offers`,
            },
          ],
          isError: true,
        };
      }
      return handler(request, extra);
    }) as never);
  }) as unknown as typeof lowLevel.setRequestHandler;

  for (const tool of selection.enabled) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: schemasOf(tool).input,
        outputSchema: schemasOf(tool).output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      // The SDK parsed the arguments with inputSchema; the handler re-checks the read-only gate.
      (async (args: Record<string, unknown>) => {
        if (config.readOnly && (tool.write || tool.mintsCredentials)) {
          return {
            content: [
              {
                type: 'text',
                text:
                  selection.refused.get(tool.name) ?? `${tool.name} is disabled in read-only mode`,
              },
            ],
            isError: true,
          };
        }
        const refusal = deps.admit?.(tool.name);
        if (refusal) return { content: [{ type: 'text', text: refusal }], isError: true };
        return run(tool, args, context);
      }) as never,
    );
  }
  // The tool list never changes during a session.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return { server, selection };
}
