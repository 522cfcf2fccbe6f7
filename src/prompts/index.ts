/**
 * Every prompt, in the order prompts/list shows them (the tutorial's order), and their
 * registration with the SDK's `registerPrompt`.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { beforeRead } from '../server/context.js';
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
      // Narrow cast: every argument schema is a string, optional or not (see PromptDefinition.args).
      async (args) => {
        await beforeRead(deps, `prompt ${prompt.name}`);
        return {
          description: prompt.description,
          messages: [
            {
              role: 'user' as const,
              content: {
                type: 'text' as const,
                text: redactForModel(
                  await prompt.text(args as Record<string, string | undefined>, deps),
                  deps.context,
                ),
              },
            },
          ],
        };
      },
    );
  }
}
