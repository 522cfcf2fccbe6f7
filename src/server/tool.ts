/**
 * The shape of a vault-mcp tool. One tool is one file under src/tools/ that exports a
 * ToolDefinition; src/tools/index.ts lists them in order. Nothing registers itself on import.
 */
import type { z } from 'zod';
import type { ToolsetId } from '../config.js';
import type { ToolContext } from './context.js';

/** MCP tool annotations; all four are required so no tool can leave one out. */
export interface ToolAnnotations {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

/** What a handler returns: the structured result (matches `output`) and a short text rendering. */
export interface ToolResult<O> {
  readonly structured: O;
  readonly text: string;
}

export interface ToolDefinition<
  I extends z.ZodRawShape = z.ZodRawShape,
  O extends z.ZodRawShape = z.ZodRawShape,
> {
  /** snake_case, unique; the reference server's name where it has one. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly toolset: ToolsetId;
  /** Changes Vault state: not listed and refused in read-only mode. */
  readonly write: boolean;
  /** Issues a certificate or CA: not listed and refused in read-only mode. */
  readonly mintsCredentials?: boolean;
  readonly annotations: ToolAnnotations;
  /**
   * Tool names of the generated operations this tool may call (generated/operations.ts): the
   * policy generator and capability checks read them.
   */
  readonly operations: readonly string[];
  /**
   * Operations it uses only when the token allows them or for an optional mode (it works without
   * them): the policy generator leaves them out. E.g. audit_secrets tries subkeys, then reads data.
   */
  readonly optionalOperations?: readonly string[];
  readonly input: I;
  readonly output: O;
  readonly handler: (
    args: z.output<z.ZodObject<I>>,
    context: ToolContext,
  ) => Promise<ToolResult<z.output<z.ZodObject<O>>>>;
}

/**
 * A tool as the registry holds it. Its handler's argument and result types are checked against
 * its own `input`/`output` in {@link defineTool}; here they are erased so tools of different
 * shapes fit in one list (the MCP SDK validates arguments with `input` before the call).
 */
export type Tool = Omit<ToolDefinition, 'handler'> & {
  readonly handler: (
    args: Record<string, unknown>,
    context: ToolContext,
  ) => Promise<ToolResult<Record<string, unknown>>>;
};

/** Type-check a definition against its input/output schemas, then erase them for the registry. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  definition: ToolDefinition<I, O>,
): Tool {
  // Narrow cast: the handler only ever receives arguments the SDK parsed with `definition.input`.
  return definition as unknown as Tool;
}

/** Annotation presets named by what the tool does to Vault. */
export const READ: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
/** Adds something new (a version, a certificate, a mount); nothing existing is lost. */
export const ADDITIVE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
/** May overwrite or remove existing state. */
export const DESTRUCTIVE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: false,
};
/** Removes state; repeating it changes nothing more. */
export const DESTRUCTIVE_IDEMPOTENT: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};
