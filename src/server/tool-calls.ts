/**
 * tools/list and tools/call on the SDK's low-level `Server` (its public `setRequestHandler`), with
 * our own registry: the list says (or hides, with VAULT_MCP_HIDE_UNAUTHORIZED) what the token
 * cannot do and is built once per process; a call passes the gates (read-only, unknown, hidden),
 * input validation, the rate limit, the user's confirmation (elicitation) and the reveal question,
 * then runs with progress and cancellation. When a call changes which tools the token may use,
 * the client gets `notifications/tools/list_changed`.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool as ListedTool,
} from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { z } from 'zod';
import { RequestScope } from '../client/client.js';
import { VaultCancelledError, VaultResponseError } from '../client/errors.js';
import { lookupSelf } from '../client/token.js';
import type { Config } from '../config.js';
import type { CapabilityCache, ToolVerdict } from './capabilities.js';
import {
  askPerson,
  cannotAskMessage,
  confirmationMessage,
  confirmMode,
  declinedMessage,
  needsConfirmation,
  runWithRevealAsk,
  type ConfirmMode,
} from './confirm.js';
import { CallCancelledError, callContext, type ToolContext } from './context.js';
import { errorResult } from './errors.js';
import { checkedOutputSchema, listedAnnotations, toolListSchemas } from './listed-schema.js';
import { redactText, redactValue, type RedactOptions } from './redact.js';
import { schemaValidator } from './schema-validator.js';
import type { Tool } from './tool.js';

/** What the SDK passes a request handler (signal, progress token, sendNotification). */
export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What the token's lifecycle offers a call (see TokenManager). */
export interface TokenState {
  /** A sentence when the token is known to have expired; undefined otherwise. */
  expiredMessage(): string | undefined;
  readonly canLogin: boolean;
  relogin(): Promise<void>;
  /**
   * True when the token is known to look itself up (lookup-self worked for it before): only then
   * is a 403 on lookup-self evidence that the token is gone (see tokenRefusedMessage). A token
   * without the default policy never could, and its 403s are about policy.
   */
  readonly selfLookupWorks?: boolean;
  /**
   * Vault refused the token itself on a call (see tokenRefusedMessage). HTTP mode forgets the
   * caller's remembered token check, so its next request is checked anew and answered 401.
   */
  refused?(): void;
}

/**
 * What a 403 means when Vault also refuses `GET /v1/auth/token/lookup-self`, which every token's
 * default policy allows: the token, not its policy, is the problem.
 */
export const TOKEN_REFUSED =
  'Vault also refused a look-up of the token itself (403 on auth/token/lookup-self), so the token is invalid, expired or revoked, not short of a policy: use a valid token';

/**
 * After a call failed with `error`: TOKEN_REFUSED when it was a 403 and a token that could look
 * itself up before cannot any more (one `GET /v1/auth/token/lookup-self`), undefined otherwise (a
 * policy denial, another failure, no token, a token never seen to look itself up, or Vault not
 * answering the look-up). A call that changed Vault before it failed is judged by its last 403
 * even when the handler wrapped it (create_pki_issuer names what its clean-up could not remove);
 * other wrapped 403s (an unknown mount) cost no look-up. Never throws.
 */
async function tokenRefusedMessage(
  thrown: unknown,
  context: ToolContext,
  tokens: TokenState | undefined,
): Promise<string | undefined> {
  const error =
    !(thrown instanceof VaultResponseError) && context.scope?.changes.length
      ? context.scope.refused
      : thrown;
  if (!(error instanceof VaultResponseError) || error.status !== 403) return undefined;
  if (!context.vault.info.hasToken || !tokens?.selfLookupWorks) return undefined;
  if (error.path === 'auth/token/lookup-self') return TOKEN_REFUSED;
  try {
    await lookupSelf(context.vault);
    return undefined;
  } catch (lookup) {
    return lookup instanceof VaultResponseError && lookup.status === 403
      ? TOKEN_REFUSED
      : undefined;
  }
}

/** Everything serveTools needs. */
export interface ToolServing {
  readonly config: Config;
  readonly enabled: readonly Tool[];
  /** Tools hidden by read-only mode, with the reason given when one is called anyway. */
  readonly refused: ReadonlyMap<string, string>;
  /** The server's context; each call gets its own view of it (signal, progress, reveal). */
  readonly context: ToolContext;
  readonly capabilities: CapabilityCache;
  readonly tokens?: TokenState | undefined;
  readonly ready?: Promise<unknown> | undefined;
  /** Rate limits (HTTP mode, possibly in Redis): a refusal text, or undefined to run the call. */
  readonly admit?: ((tool: string) => Promise<string | undefined>) | undefined;
}

/** Arguments with more array elements and object members than this are refused unparsed. */
export const MAX_TOOL_INPUT_ELEMENTS = 10_000;

interface Schemas {
  readonly input: z.ZodObject;
  /**
   * The structured output checked with Ajv (as the SDK's client checks it) against the whole
   * JSON Schema of the zod output shapes (checkedOutputSchema): compiled on the tool's first
   * call, then a generated function, several times cheaper per call than a zod parse.
   */
  readonly output: JsonSchemaValidator<unknown>;
}
const schemaCache = new WeakMap<Tool, Schemas>();
/** tools/list entries by tool selection, built once per process. */
const listCache = new Map<string, ListedTool[]>();

/**
 * What is wrong with `structured` as `tool`'s output (the SDK's wording, e.g. `Output validation
 * error: Invalid structured content for tool read_secret: data/keys must be array`), or undefined
 * when it matches the tool's output shapes (checkedOutputSchema).
 */
export function outputProblem(tool: Tool, structured: unknown): string | undefined {
  const checked = schemasOf(tool).output(structured);
  if (checked.valid) return undefined;
  return new McpError(
    ErrorCode.InvalidParams,
    `Output validation error: Invalid structured content for tool ${tool.name}: ${checked.errorMessage ?? 'it does not match the output schema'}`,
  ).message;
}

/**
 * A tool's input zod object and output check, built once per process (HTTP mode builds a server
 * per session or request).
 */
function schemasOf(tool: Tool): Schemas {
  let schemas = schemaCache.get(tool);
  if (!schemas) {
    schemas = {
      input: z.object(tool.input).strict(),
      // Narrow cast: zod's conversion is a JSON Schema object, which the SDK's type lists loosely.
      output: schemaValidator.getValidator(checkedOutputSchema(tool) as JsonSchemaType),
    };
    schemaCache.set(tool, schemas);
  }
  return schemas;
}

/**
 * The tools/list entries of `enabled`. JSON Schemas come precomputed in the binary (the bundle
 * step) or are converted here once (zod-to-JSON-Schema, about 1 ms a tool); see listed-schema.ts.
 * `execution` is left out: absent means `taskSupport: "forbidden"` (calls run to completion in
 * the request), and `annotations.title` would repeat `title`; annotations list only the hints
 * that differ from the spec's defaults (listedAnnotations).
 */
function definitions(enabled: readonly Tool[]): ListedTool[] {
  const key = enabled.map((t) => t.name).join(',');
  let listed = listCache.get(key);
  if (!listed) {
    listed = enabled.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      ...toolListSchemas(tool),
      annotations: listedAnnotations(tool.annotations),
    }));
    listCache.set(key, listed);
  }
  return listed;
}

/** Counts array elements and object members, stopping once past `max`. */
function elementCount(value: unknown, max: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= max) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      count++;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return count;
}

/** zod issues as one line each, `message at a.b[0]` (the SDK's own wording). */
function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (!issue.path.length) return issue.message;
      const at = issue.path.reduce<string>(
        (acc, seg, i) =>
          i === 0
            ? String(seg)
            : typeof seg === 'number'
              ? `${acc}[${seg}]`
              : `${acc}.${String(seg)}`,
        '',
      );
      return `${issue.message} at ${at}`;
    })
    .join('\n');
}

function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
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
 * What a failed call that changed Vault says instead of being run again after a re-login: the
 * writes that may have been applied (`changes`, `POST /v1/<path>` lines) and what to do.
 */
function notRetriedMessage(tool: string, changes: readonly string[]): string {
  return `Note: Vault stopped accepting the token during this call (it expired or was revoked). vault-mcp has logged in again but did not run ${tool} again: it had already sent ${changes.length === 1 ? 'a request' : `${changes.length} requests`} that may have changed Vault (${changes.join(', ')}). Check what ${changes.length === 1 ? 'it' : 'they'} left (list or read those paths) before calling ${tool} again.`;
}

/**
 * Run the handler and render its result as text plus structuredContent (or an isError result).
 *
 * Cancellation: the call's RequestScope refuses and destroys its reads once the client cancels,
 * and the call is reported cancelled, unless it had already sent a write; then it ran on to its
 * end (see RequestScope) and its real outcome is returned and logged.
 *
 * Expired or refused token: when a login method is configured, vault-mcp logs in again, and runs
 * the call once more only if none of its writes may have changed Vault (`scope.changes` empty:
 * a read, or a write refused before anything was applied). Running a multi-step write again
 * would repeat the steps that succeeded: create_pki_issuer would make a second intermediate key
 * and issuer beside the first one's leftovers (its clean-up runs with the refused token too).
 * Such a call returns its error with {@link notRetriedMessage}: what was sent, what to check.
 */
async function callTool(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  tokens: TokenState | undefined,
): Promise<CallToolResult> {
  const started = performance.now();
  // A write or credential-minting call resolves its mount anew (see ToolContext.freshMounts).
  const handlerContext =
    tool.write || tool.mintsCredentials ? callContext(context, { freshMounts: true }) : context;
  const attempt = async (): Promise<CallToolResult> => {
    const result = await tool.handler(args, handlerContext);
    context.log.debug(
      { tool: tool.name, ms: Math.round(performance.now() - started) },
      'tool call',
    );
    const problem = outputProblem(tool, result.structured);
    if (problem) return textResult(problem);
    return { content: [{ type: 'text', text: result.text }], structuredContent: result.structured };
  };
  const scope = context.scope;
  try {
    const result = await attempt();
    if (context.signal?.aborted)
      // The client dropped the call (its result is not sent), yet it ran to its end: a write was
      // under way (see RequestScope), or the cancel came after its last request.
      context.log.info(
        { tool: tool.name, changes: scope?.changes, isError: result.isError === true },
        'tool call finished after it was cancelled',
      );
    return result;
  } catch (error) {
    if (
      error instanceof CallCancelledError ||
      error instanceof VaultCancelledError ||
      scope?.stopping
    ) {
      context.log.info(
        { tool: tool.name, ms: Math.round(performance.now() - started) },
        'tool call cancelled',
      );
      return textResult(`${tool.name} was cancelled by the client before it finished.`);
    }
    return failedCall({ tool, error, context, tokens, started, again: attempt });
  }
}

/** What {@link failedCall} needs of the call that failed. */
interface FailedCall {
  readonly tool: Tool;
  readonly error: unknown;
  readonly context: ToolContext;
  readonly tokens: TokenState | undefined;
  /** performance.now() when the call started. */
  readonly started: number;
  /** Run the call again (after a re-login). */
  readonly again: () => Promise<CallToolResult>;
}

/**
 * The result of a call that threw (not cancelled): its error result, with a note when the token
 * ran out or Vault refused it; after a re-login, the call run again instead if it changed
 * nothing (see {@link callTool}).
 */
async function failedCall(failed: FailedCall): Promise<CallToolResult> {
  const { tool, error, context, tokens } = failed;
  const unexpected = (thrown: unknown): void =>
    context.log.error({ tool: tool.name, err: thrown }, 'unexpected error in tool');
  // A token known to have run out explains any failure (a 403, or a mount that "vanished"),
  // and so does one Vault no longer accepts at all (revoked, or expired unnoticed).
  let expired = tokens?.expiredMessage();
  if (!expired) {
    expired = await tokenRefusedMessage(error, context, tokens);
    if (expired) tokens?.refused?.();
  }
  let notRetried: string | undefined;
  if (expired && tokens?.canLogin) {
    // The token ran out (a laptop asleep past the renewal, say): log in again and retry once,
    // unless the call may have changed Vault already (see callTool).
    const changes = [...(context.scope?.changes ?? [])];
    try {
      await tokens.relogin();
      if (changes.length === 0) return await failed.again();
      notRetried = notRetriedMessage(tool.name, changes);
    } catch (retryError) {
      expired = tokens.expiredMessage();
      if (!expired) return errorResult(retryError, context.vault.info, unexpected);
    }
  }
  const outcome = errorResult(error, context.vault.info, unexpected);
  context.log.info(
    {
      tool: tool.name,
      ms: Math.round(performance.now() - failed.started),
      error: (error as Error).name,
    },
    'tool call failed',
  );
  if (expired) {
    const first = outcome.content[0];
    if (first?.type === 'text') first.text = `${first.text} ${notRetried ?? `Note: ${expired}.`}`;
  }
  return outcome;
}

/** `notifications/progress` for the call `extra` belongs to; a failed send is not the call's failure. */
function progressReporter(
  extra: Extra,
  progressToken: string | number,
): NonNullable<ToolContext['progress']> {
  return async (progress, total, message) => {
    await extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total !== undefined ? { total } : {}), message },
      })
      .catch(() => undefined);
  };
}

/**
 * Where the arguments hold `__proto__` as an own key (`data.__proto__`), or undefined. JSON.parse
 * keeps such a key, but zod and every plain object drop it: a secret, metadata map or mount
 * option would be written without it while the call reported success.
 */
function protoKeyPath(root: unknown): string | undefined {
  // Iterative: arguments may nest thousands deep (elementCount bounds only their size).
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, path } = item;
    if (!value || typeof value !== 'object') continue;
    for (const [key, inner] of Object.entries(value)) {
      const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (key === '__proto__') return at;
      pending.push({ value: inner, path: at });
    }
  }
  return undefined;
}

/**
 * The arguments parsed with the tool's strict schema, or the SDK-worded error result. Synchronous:
 * no tool's input has an async refinement (zod would throw on one).
 */
function validate(
  tool: Tool,
  raw: Record<string, unknown>,
): { args: Record<string, unknown> } | { error: CallToolResult } {
  if (elementCount(raw, MAX_TOOL_INPUT_ELEMENTS) > MAX_TOOL_INPUT_ELEMENTS)
    return {
      error: textResult(
        new McpError(
          ErrorCode.InvalidParams,
          `Invalid arguments for tool ${tool.name}: arguments contain more than the maximum of ${MAX_TOOL_INPUT_ELEMENTS} elements`,
        ).message,
      ),
    };
  const proto = protoKeyPath(raw);
  if (proto)
    return {
      error: textResult(
        new McpError(
          ErrorCode.InvalidParams,
          `Input validation error: Invalid arguments for tool ${tool.name}: '__proto__' cannot be a key (at ${proto}; JavaScript objects cannot hold it, so it would be dropped): rename that key`,
        ).message,
      ),
    };
  const parsed = schemasOf(tool).input.safeParse(raw);
  if (!parsed.success)
    return {
      error: textResult(
        new McpError(
          ErrorCode.InvalidParams,
          `Input validation error: Invalid arguments for tool ${tool.name}: ${issuesText(parsed.error)}`,
        ).message,
      ),
    };
  return { args: parsed.data };
}

/** Why a token may not use a tool (its missing capabilities), or undefined when it may. */
function denial(verdict: ToolVerdict | undefined): string | undefined {
  return verdict?.usable === false ? (verdict.missing ?? 'the capabilities it needs') : undefined;
}

/**
 * The tools/list answer for the token's current capability verdicts: denied tools hidden
 * (VAULT_MCP_HIDE_UNAUTHORIZED) or marked in their description; and a signature of it, to
 * tell when the list changed.
 */
async function listing(deps: ToolServing): Promise<{ tools: ListedTool[]; signature: string }> {
  const verdicts = await deps.capabilities.get();
  const tools = definitions(deps.enabled)
    .filter((tool) => !(deps.config.hideUnauthorized && verdicts.get(tool.name)?.usable === false))
    .map((tool) => {
      const missing = denial(verdicts.get(tool.name));
      return missing
        ? {
            ...tool,
            description: `${tool.description ?? ''} [Denied: this token lacks ${missing}.]`,
          }
        : tool;
    });
  const signature = tools.map((t) => `${t.name}:${t.description ?? ''}`).join('\n');
  return { tools, signature };
}

/**
 * The person's say on a call that needs it (needsConfirmation under confirmMode): undefined to go
 * on, else the refusal result (the client cannot ask, or the person did not accept). Only the
 * client's elicitation answer counts: no argument or _meta can stand in for it.
 */
async function confirmation(
  tool: Tool,
  args: Record<string, unknown>,
  mode: ConfirmMode,
  canElicit: boolean,
  ask: ReturnType<typeof askPerson>,
): Promise<CallToolResult | undefined> {
  if (!canElicit) return textResult(cannotAskMessage(tool, mode));
  const action = await ask(confirmationMessage(tool, args));
  return action === 'accept' ? undefined : textResult(declinedMessage(tool, action));
}

/** Install tools/list and tools/call on `server` and declare `tools: { listChanged: true }`. */
export function serveTools(server: Server, deps: ToolServing): void {
  const { config, enabled } = deps;
  const byName = new Map(enabled.map((t) => [t.name, t]));
  /** What the last tools/list answer showed, to know when the list changed. */
  let listedSignature: string | undefined;
  const canElicit = (): boolean => Boolean(server.getClientCapabilities()?.elicitation?.form);
  /** True once `deps.ready` has resolved (a rejected one is awaited, and throws, every call). */
  let ready = deps.ready === undefined;
  void deps.ready?.then(
    () => (ready = true),
    () => undefined,
  );

  const call = async (
    tool: Tool,
    args: Record<string, unknown>,
    extra: Extra,
  ): Promise<CallToolResult> => {
    // Each await below is taken only when there is something to wait for: a read over stdio runs
    // to its Vault request without a turn of the microtask queue.
    if (deps.admit) {
      const refusal = await deps.admit(tool.name);
      if (refusal) return textResult(refusal);
    }
    if (!ready) await deps.ready;
    const ask = askPerson(server, extra, deps.context.log);
    const elicits = canElicit();
    const mode = confirmMode(config, elicits);
    if (needsConfirmation(tool, mode)) {
      const unconfirmed = await confirmation(tool, args, mode, elicits, ask);
      if (unconfirmed) return unconfirmed;
    }
    if (extra.signal.aborted) return textResult(`${tool.name} was cancelled before it started.`);
    let forgot = false;
    const context = contextOfCall(deps, extra, () => {
      forgot = true;
    });
    const runner = (a: Record<string, unknown>, c: ToolContext): Promise<CallToolResult> =>
      run(tool, a, c, deps.tokens);
    const result =
      config.revealAsk && !config.revealSecrets && canElicit()
        ? await runWithRevealAsk(tool, args, context, ask, runner)
        : await runner(args, context);
    if (forgot && listedSignature !== undefined) void announceChanges();
    return result;
  };

  /** After a mount change: tell the client when the tools it would list differ from the last list. */
  const announceChanges = async (): Promise<void> => {
    const { signature } = await listing(deps);
    if (signature === listedSignature) return;
    listedSignature = signature;
    await server.sendToolListChanged().catch(() => undefined);
  };

  server.registerCapabilities({ tools: { listChanged: true } });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const { tools, signature } = await listing(deps);
    listedSignature = signature;
    return { tools };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const named = callable(request.params.name, deps, byName);
    // Only with VAULT_MCP_HIDE_UNAUTHORIZED does a call wait for the capability verdicts.
    const found =
      deps.config.hideUnauthorized && 'tool' in named ? await unhidden(named.tool, deps) : named;
    if ('refusal' in found) return found.refusal;
    const { tool } = found;
    const parsed = validate(tool, request.params.arguments ?? {});
    return 'error' in parsed ? parsed.error : call(tool, parsed.args, extra);
  });
}

/** The tool a tools/call names, or the result refusing it: hidden by read-only mode, or unknown. */
function callable(
  name: string,
  deps: ToolServing,
  byName: ReadonlyMap<string, Tool>,
): { tool: Tool } | { refusal: CallToolResult } {
  const readOnly = deps.refused.get(name);
  if (readOnly) return { refusal: textResult(readOnly) };
  const tool = byName.get(name);
  if (!tool)
    return {
      refusal: textResult(`unknown tool '${name}': tools/list shows the tools this server offers`),
    };
  return { tool };
}

/**
 * With VAULT_MCP_HIDE_UNAUTHORIZED: `tool`, or the refusal when the token's capability verdicts
 * hide it (it lacks what the tool needs).
 */
async function unhidden(
  tool: Tool,
  deps: ToolServing,
): Promise<{ tool: Tool } | { refusal: CallToolResult }> {
  const missing = denial((await deps.capabilities.get()).get(tool.name));
  if (!missing) return { tool };
  return {
    refusal: textResult(
      `${tool.name} is hidden because this token lacks ${missing} (VAULT_MCP_HIDE_UNAUTHORIZED=true).`,
    ),
  };
}

/**
 * A call's own view of the server's context: its cancel signal and RequestScope, the rate
 * bucket, progress notifications when the client asked for them; `forgot` is told when the call
 * forgets the capability verdicts (a mount changed).
 */
function contextOfCall(deps: ToolServing, extra: Extra, forgot: () => void): ToolContext {
  const token = extra._meta?.progressToken;
  return callContext(deps.context, {
    signal: extra.signal,
    scope: new RequestScope(extra.signal),
    ...(deps.admit ? { spend: deps.admit } : {}),
    forgetCapabilities: () => {
      forgot();
      deps.context.forgetCapabilities?.();
    },
    ...(token !== undefined ? { progress: progressReporter(extra, token) } : {}),
  });
}
