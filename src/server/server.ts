/**
 * Building the MCP server: choose the tools (toolsets, tool lists, read-only gate), register them
 * on an McpServer with strict zod input, an output schema and honest annotations, and turn every
 * failure into an `isError` result.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { VaultClient } from '../client/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { TOOLS } from '../tools/index.js';
import { apiToolNames, loadApiTools } from './api-tools.js';
import type { ToolContext } from './context.js';
import { errorResult } from './errors.js';
import { CapabilityCache, probeTools, type ToolVerdict } from './capabilities.js';
import { MountCache } from './mount-cache.js';
import { redactText, redactValue, type RedactOptions } from './redact.js';
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
   * Asked before every tool call (HTTP mode: rate limits). A string refuses the call with that
   * text as an `isError` result; undefined lets it run.
   */
  readonly admit?: ((tool: string) => string | undefined) | undefined;
  /** Verdicts shared across servers of one caller (HTTP stateless mode); a new cache when absent. */
  readonly capabilities?: CapabilityCache | undefined;
}

/**
 * Cached verdicts of what the token behind `vault` may do with the tools `config` selects: one
 * `sys/internal/ui/mounts` and one `sys/capabilities-self` call per `config.capabilityTtlMs`.
 */
export function capabilityCache(
  deps: Pick<ServerDependencies, 'config' | 'vault' | 'log' | 'candidates'>,
): CapabilityCache {
  const { config, vault, log } = deps;
  const enabled = selectTools(config, deps.candidates).enabled;
  return new CapabilityCache(
    async () => {
      const client = typeof vault === 'function' ? vault() : vault;
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
        { error: (error as Error).message },
        'capability probe failed; tools stay listed as they are',
      ),
  );
}

const schemaCache = new WeakMap<Tool, { input: z.ZodObject; output: z.ZodObject }>();

type ListResult = { tools: Array<{ name: string; description?: string }> };
/** tools/list results by tool selection (see wrapList). */
const listCache = new Map<string, ListResult>();

/** zod objects of a tool, built once per process (HTTP mode builds a server per session or request). */
function schemasOf(tool: Tool): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = schemaCache.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.input).strict(), output: z.object(tool.output) };
    schemaCache.set(tool, schemas);
  }
  return schemas;
}

/** What the server needs to know about a token that can expire or be replaced (see TokenManager). */
export interface TokenState {
  /** A sentence when the token is known to have expired; undefined otherwise. */
  expiredMessage(): string | undefined;
  readonly canLogin: boolean;
  relogin(): Promise<void>;
}

/** The result of a call, rendered for MCP and redacted (see redactResult). */
async function run(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  tokens: TokenState | undefined,
): Promise<CallToolResult> {
  return redactResult(await callTool(tool, args, context, tokens), {
    keys: !context.config.revealSecrets,
    token: (text) => context.vault.redact(text),
  });
}

/** The handler's result as text plus structuredContent, or its failure as an `isError` result. */
async function callTool(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  tokens: TokenState | undefined,
): Promise<CallToolResult> {
  const started = performance.now();
  // A write or credential-minting call resolves its mount anew (see ToolContext.freshMounts);
  // the prototype keeps the context's getters live.
  const callContext: ToolContext =
    tool.write || tool.mintsCredentials
      ? (Object.create(context, { freshMounts: { value: true } }) as ToolContext)
      : context;
  const attempt = async (): Promise<CallToolResult> => {
    const result = await tool.handler(args, callContext);
    context.log.debug(
      { tool: tool.name, ms: Math.round(performance.now() - started) },
      'tool call',
    );
    return { content: [{ type: 'text', text: result.text }], structuredContent: result.structured };
  };
  try {
    return await attempt();
  } catch (error) {
    // A token known to have run out explains any failure (a 403, or a mount that "vanished").
    let expired = tokens?.expiredMessage();
    if (expired && tokens?.canLogin) {
      // The token ran out (a laptop asleep past the renewal, say): log in again and retry once.
      try {
        await tokens.relogin();
        return await attempt();
      } catch (retryError) {
        expired = tokens.expiredMessage();
        if (!expired)
          return errorResult(retryError, context.vault.info, (unexpected) =>
            context.log.error({ tool: tool.name, err: unexpected }, 'unexpected error in tool'),
          );
      }
    }
    const outcome = errorResult(error, context.vault.info, (unexpected) =>
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
    if (expired) {
      const first = outcome.content[0];
      if (first?.type === 'text') first.text = `${first.text} Note: ${expired}.`;
    }
    return outcome;
  }
}

/**
 * The last guard before a result reaches the model: the token in use never (reveal or not), key
 * material only with reveal on, in the text and in structuredContent alike.
 */
function redactResult(result: CallToolResult, options: RedactOptions): CallToolResult {
  return {
    ...result,
    content: result.content.map((part) =>
      part.type === 'text' ? { ...part, text: redactText(part.text, options) } : part,
    ),
    ...(result.structuredContent
      ? {
          structuredContent: redactValue(result.structuredContent, options) as Record<
            string,
            unknown
          >,
        }
      : {}),
  };
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
  const vault = deps.vault;
  const context: ToolContext = {
    // A function when the token can change (renewal, re-login): read it at every call.
    get vault() {
      return typeof vault === 'function' ? vault() : vault;
    },
    config,
    mounts: deps.mounts ?? new MountCache(config.mountCacheTtlMs),
    log: deps.log,
  };
  const registered = new Set(selection.enabled.map((t) => t.name));
  const capabilities = deps.capabilities ?? capabilityCache(deps);
  context.capabilities = () => capabilities.get();
  context.forgetCapabilities = () => capabilities.invalidate();
  const denial = (verdict: ToolVerdict | undefined): string | undefined =>
    verdict?.usable === false
      ? `this token lacks ${verdict.missing ?? 'the capabilities it needs'}`
      : undefined;

  // tools/list and tools/call are wrapped: the list says (or hides, with
  // VAULT_MCP_HIDE_UNAUTHORIZED) what the token cannot do, and calls to tools that are not served
  // get a specific answer instead of the SDK's "not found". The wrapper is installed before the
  // first registerTool, which is when McpServer installs its handlers.
  const lowLevel = server.server;
  const install = lowLevel.setRequestHandler.bind(lowLevel);
  type Handler = (request: { params: Record<string, unknown> }, extra: unknown) => Promise<unknown>;
  const wrapList =
    (handler: Handler): Handler =>
    async (request, extra) => {
      // The SDK converts every zod schema to JSON Schema on each tools/list (36 ms for 34 tools,
      // measured); the list of a given tool selection never changes, so it is built once per process.
      const key = selection.enabled.map((t) => t.name).join(',');
      let result = listCache.get(key);
      if (!result) {
        result = (await handler(request, extra)) as ListResult;
        listCache.set(key, result);
      }
      const verdicts = await capabilities.get();
      const tools = result.tools
        .filter((tool) => !(config.hideUnauthorized && verdicts.get(tool.name)?.usable === false))
        .map((tool) => {
          const missing = denial(verdicts.get(tool.name));
          return missing
            ? {
                ...tool,
                description: `${tool.description ?? ''} [Not allowed for this token: ${missing}; calls will be denied.]`,
              }
            : tool;
        });
      return { ...result, tools };
    };
  const wrapCall =
    (handler: Handler): Handler =>
    async (request, extra) => {
      const name = String(request.params['name']);
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
      if (config.hideUnauthorized) {
        const missing = denial((await capabilities.get()).get(name));
        if (missing)
          return {
            content: [
              {
                type: 'text',
                text: `${name} is hidden because ${missing} (VAULT_MCP_HIDE_UNAUTHORIZED=true).`,
              },
            ],
            isError: true,
          };
      }
      return handler(request, extra);
    };
  // Narrow cast: the same generic signature, with two handlers wrapped.
  lowLevel.setRequestHandler = ((schema: typeof CallToolRequestSchema, handler: Handler) => {
    // Compared by method name: test runners may load the SDK's types module twice.
    const method = (schema as { shape?: { method?: { value?: unknown } } }).shape?.method?.value;
    if (method === 'tools/call') return install(schema, wrapCall(handler) as never);
    if (method === 'tools/list') return install(schema, wrapList(handler) as never);
    return install(schema, handler as never);
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
      // The SDK parsed the arguments with inputSchema. Read-only mode never reaches here for a
      // write tool: selectTools leaves it out of `enabled`, and wrapCall answers it first.
      (async (args: Record<string, unknown>) => {
        const refusal = deps.admit?.(tool.name);
        if (refusal) return { content: [{ type: 'text', text: refusal }], isError: true };
        await deps.ready;
        return run(tool, args, context, deps.tokens);
      }) as never,
    );
  }
  // The tool list never changes during a session.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return { server, selection };
}
