/**
 * The shape of a vault-mcp prompt: one file under src/prompts/ per workflow of the tutorial;
 * src/prompts/index.ts lists them and registers them with the SDK's `registerPrompt`. A prompt
 * names only tools this server serves, so in read-only mode none steers towards a write tool.
 */
import type { z } from 'zod';
import type { ReadGate, ToolContext } from '../server/context.js';
import type { Tool } from '../server/tool.js';
import type { Completers } from '../resources/complete.js';

/** What a prompt's text is built from. */
export interface PromptDeps extends ReadGate {
  readonly context: ToolContext;
  /** Names of the tools this server serves (after toolsets, exclusions and the read-only gate). */
  readonly served: ReadonlySet<string>;
  readonly candidates: readonly Tool[];
  /** The server's completers (shared with the resource templates). */
  readonly complete: Completers;
}

export interface PromptDefinition {
  /** snake_case, unique. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /**
   * Argument schemas (strings; optional ones may be absent), with completions attached by
   * `completable`; built per server because completions read Vault with that server's token.
   */
  readonly args: (completers: Completers) => z.ZodRawShape;
  /** The user message the prompt expands to. */
  readonly text: (
    args: Readonly<Record<string, string | undefined>>,
    deps: PromptDeps,
  ) => Promise<string>;
}

/** `tool` when the server serves it, else undefined: prompts mention only tools that exist here. */
export function served(deps: PromptDeps, tool: string): string | undefined {
  return deps.served.has(tool) ? tool : undefined;
}

/** Lines without the empty ones (conditional lines of a prompt). */
export function lines(...parts: ReadonlyArray<string | false | undefined>): string {
  return parts.filter((p): p is string => typeof p === 'string').join('\n');
}
