/**
 * Every prompt, in the order prompts/list shows them (the tutorial's order), and their
 * registration with the SDK's `registerPrompt`.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { beforeRead } from '../server/context.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { wireError } from '../server/errors.js';
import { redactForModel } from '../server/redact.js';
import { issueTlsCertificate } from './issue-tls-certificate.js';
import { leastPrivilegePolicy } from './least-privilege-policy.js';
import { planSecretLayout } from './plan-secret-layout.js';
import { preReleaseAudit } from './pre-release-audit.js';
import type { PromptDefinition, PromptDeps } from './prompt.js';

export const PROMPTS: readonly PromptDefinition[] = [
  planSecretLayout,
  preReleaseAudit,
  leastPrivilegePolicy,
  issueTlsCertificate,
];

/** Register {@link PROMPTS} on `server`; completions and texts use `deps.context`'s token. */
export function registerPrompts(server: McpServer, deps: PromptDeps): void {
  const { complete } = deps;
  for (const prompt of PROMPTS) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.args(complete) },
      async (args) => {
        try {
          // Narrow cast: every argument schema is a string, optional or not (PromptDefinition.args).
          return await promptResult(prompt, args as Record<string, string | undefined>, deps);
        } catch (error) {
          throw wireError(error);
        }
      },
    );
  }
}

/** The prompt's one user message, after the caller's rate limit and the first login. */
async function promptResult(
  prompt: PromptDefinition,
  args: Record<string, string | undefined>,
  deps: PromptDeps,
): Promise<GetPromptResult> {
  await beforeRead(deps, `prompt ${prompt.name}`);
  return {
    description: prompt.description,
    messages: [
      {
        role: 'user',
        content: {
          type: 'text',
          text: redactForModel(await prompt.text(args, deps), deps.context),
        },
      },
    ],
  };
}
