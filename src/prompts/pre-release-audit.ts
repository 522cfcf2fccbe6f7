import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { lines, served, type PromptDefinition } from './prompt.js';

/** The tutorial's audit: key names and times under an application prefix, stale and deleted flagged. */
export const preReleaseAudit: PromptDefinition = {
  name: 'pre_release_audit',
  title: 'Pre-release secrets audit',
  description:
    "Audit an application's secrets before a release: key names, versions and last-updated times, with stale and soft-deleted secrets flagged. Reads metadata only, never values.",
  args: (c) => ({
    mount: completable(z.string().describe("KV mount, e.g. 'secret'."), c.mounts('kv')),
    prefix: completable(
      z.string().describe("Application prefix, e.g. 'hashicups/'."),
      c.kvPath('mount'),
    ),
    stale_days: z
      .string()
      .optional()
      .describe('Secrets not updated for this many days are stale (default 90).'),
  }),
  text: async ({ mount = 'secret', prefix = '', stale_days }, deps) => {
    const days = Number(stale_days) > 0 ? Number(stale_days) : 90;
    const audit = served(deps, 'audit_secrets');
    const metadata = served(deps, 'read_secret_metadata');
    return lines(
      `Audit the secrets under ${mount}/${prefix} before the release.`,
      audit
        ? `Call ${audit} with mount "${mount}" and path "${prefix}" (raise max_secrets for a large tree).`
        : `Read the resource vault://kv/${mount}/${prefix.replace(/\/?$/, '/')} and its sub-folders${served(deps, 'list_secrets') ? ' (or call list_secrets)' : ''}.`,
      metadata &&
        `For a secret that needs a closer look, ${metadata} shows every version with its created and deletion times.`,
      '',
      'Report a table: path, key names, current version, last updated. Then flag:',
      `- stale: not updated for more than ${days} days;`,
      '- soft-deleted or destroyed current versions (the secret reads as empty);',
      '- secrets with no keys, and folders the token could not list.',
      'Never read or print values: the audit needs names and times only. Do not change anything; list what the person should fix.',
    );
  },
};
