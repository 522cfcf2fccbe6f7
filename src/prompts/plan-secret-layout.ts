import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { kvList } from '../client/kv.js';
import { normalizePath } from '../client/paths.js';
import { keyNames } from '../resources/kv-tree.js';
import { resolveMount } from '../tools/common.js';
import { lines, served, type PromptDefinition, type PromptDeps } from './prompt.js';

/** Secrets whose key names are shown, at most (one or two Vault reads each). */
const SHOWN_SECRETS = 20;

/** The names a LIST gives, or the error that refused it (a 403 here must not hide the other listing). */
const attempt = (list: Promise<string[]>): Promise<string[] | Error> =>
  list.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

/** The line about the application's folder: its sub-folders, or why it could not be listed. */
function folderLine(folder: string, under: string[] | Error): string {
  if (under instanceof Error) return `Under ${folder}/: not listed (${under.message})`;
  if (!under.length) return `Nothing exists under ${folder}/ yet.`;
  return `Under ${folder}/: ${under.filter((k) => k.endsWith('/')).join(', ') || 'no folders'}; secrets:`;
}

/**
 * What exists under the mount and the application's folder: names only, never a value. The top
 * level and the folder are listed apart: a policy scoped to the application (VAULT_MCP_KV_PREFIX)
 * may LIST the folder but not the mount's top.
 */
async function existing(deps: PromptDeps, mountArg: string, app: string): Promise<string[]> {
  const { context } = deps;
  try {
    const { mount, info } = await resolveMount(context, mountArg, { engine: 'kv' });
    const version = info.kvVersion === 1 ? 1 : 2;
    const folder = normalizePath('path', app);
    const [top, under] = await Promise.all([
      attempt(kvList(context.vault, mount, '', version)),
      folder ? attempt(kvList(context.vault, mount, folder, version)) : [],
    ]);
    const secrets = (under instanceof Error ? [] : under)
      .filter((k) => !k.endsWith('/'))
      .slice(0, SHOWN_SECRETS);
    const described = await Promise.all(
      secrets.map(async (name) => {
        const keys = await keyNames(context, mount, `${folder}/${name}`, version).catch(() => []);
        return `  - ${folder}/${name}${keys.length ? ` (keys: ${keys.join(', ')})` : ''}`;
      }),
    );
    const topLine =
      top instanceof Error ? `not listed (${top.message})` : top.join(', ') || '(empty)';
    return [
      `Top level of ${mount}/ (KV v${version}): ${topLine}`,
      folderLine(folder, under),
      ...described,
    ];
  } catch (error) {
    return [`(Could not list ${mountArg}: ${(error as Error).message})`];
  }
}

/** The tutorial's first step: plan where an application's secrets live and what keys they hold. */
export const planSecretLayout: PromptDefinition = {
  name: 'plan_secret_layout',
  title: 'Plan a secret layout',
  description:
    'Recommend KV paths and key names for an application and its components, following what already exists in the mount. Values are never asked for.',
  args: (c) => ({
    mount: completable(z.string().describe("KV mount, e.g. 'secret'."), c.mounts('kv')),
    app: completable(
      z.string().describe("Application prefix, e.g. 'hashicups'."),
      c.kvPath('mount'),
    ),
    components: z
      .string()
      .optional()
      .describe("Comma list of components, e.g. 'database,payments-api'."),
  }),
  text: async ({ mount = 'secret', app: typed = '', components }, deps) => {
    // A completed folder ends in '/': the application is its name.
    const app = typed.replace(/\/+$/, '');
    const write = served(deps, 'write_secret');
    const metadata = served(deps, 'read_secret_metadata');
    return lines(
      `Plan the secret layout of the application "${app}" in the KV mount "${mount}"${components ? ` for the components ${components}` : ''}.`,
      '',
      'What exists now (names only; no value was read):',
      ...(await existing(deps, mount, app)),
      '',
      `Recommend one path per component under ${app}/ (e.g. ${app}/<component>) and the key names each secret should hold (e.g. username, password, api_key), following the naming already used in this mount. Say which existing paths to reuse.`,
      'Never ask for, invent or repeat secret values: the person sets them outside this chat.',
      `The resource vault://kv/${mount}/${app}/ shows the folder${metadata ? `; ${metadata} shows a secret's versions` : ''}${served(deps, 'list_secrets') ? '; list_secrets lists any folder' : ''}.`,
      write
        ? `Once the person approves the plan, ${write} may create each path with placeholder values only (e.g. "CHANGE_ME"); the person replaces them with \`vault kv put\` or the UI.`
        : 'This server does not write to Vault: give the plan as text, with the `vault kv put` commands the person can run themselves (placeholder values only).',
    );
  },
};
