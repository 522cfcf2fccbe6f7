/**
 * The shape of a vault-mcp resource: one file under src/resources/ per resource or template;
 * src/resources/index.ts lists them in order and registers them on an McpServer. Resources are
 * read-only and never carry a secret value.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { VaultError, VaultResponseError } from '../client/errors.js';
import type { ReadGate, ToolContext } from '../server/context.js';
import { ToolInputError } from '../server/context.js';
import { describeVaultError } from '../server/errors.js';
import type { Tool } from '../server/tool.js';
import type { Completer, Completers } from './complete.js';

/** What a resource's read and list callbacks get. */
export interface ResourceDeps extends ReadGate {
  readonly context: ToolContext;
  /** Candidate tools of this process (the policy resource renders the policy of the selection). */
  readonly candidates: readonly Tool[];
  /** The server's completers (shared with the prompts). */
  readonly complete: Completers;
}

/** One resource (fixed `uri`) or resource template (`template`, RFC 6570). */
export interface ResourceDefinition {
  /** Registration name, kebab-case. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly mimeType: string;
  /** A fixed URI, e.g. `vault://mounts`. */
  readonly uri?: string;
  /** A URI template, e.g. `vault://kv/{mount}/{+path}`. */
  readonly template?: string;
  /** Concrete URIs of a template that resources/list shows (e.g. one per PKI mount). */
  readonly list?: (deps: ResourceDeps) => Promise<Array<{ uri: string; name: string }>>;
  /** Completers per template variable. */
  readonly complete?: (completers: Completers) => Record<string, Completer>;
  /** The text of the resource at `uri` (template variables decoded). */
  readonly read: (
    uri: URL,
    variables: Readonly<Record<string, string>>,
    deps: ResourceDeps,
  ) => Promise<string>;
}

/** MCP's code for a resource that does not exist (the spec's -32002). */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * The MCP error for a failed read: a Vault 403 names the path and the capability the token lacks
 * (as tool errors do), a 404 is "not found", bad input says what to change.
 */
export function resourceError(error: unknown, uri: string, context: ToolContext): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof VaultResponseError)
    return new McpError(
      error.status === 404 ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams,
      `${uri}: ${describeVaultError(error, context.vault.info.address)}`,
    );
  if (error instanceof ToolInputError || error instanceof VaultError)
    return new McpError(ErrorCode.InvalidParams, `${uri}: ${error.message}`);
  context.log.error({ uri, err: error }, 'unexpected error reading a resource');
  return new McpError(ErrorCode.InternalError, `${uri}: internal error`);
}

/** JSON text of a resource: stable, two-space indented. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
