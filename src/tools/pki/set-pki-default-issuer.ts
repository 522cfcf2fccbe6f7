import { z } from 'zod';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';

export const setPkiDefaultIssuer = defineTool({
  name: 'set_pki_default_issuer',
  title: 'Set default PKI issuer',
  description:
    "Make an issuer the PKI mount's default (for roles with issuer 'default' and the /ca endpoints).",
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_configure_issuers'],
  input: { mount: pkiMountField, issuer_ref: z.string().min(1).describe('Name or id.') },
  output: { mount: z.string(), default_issuer_id: z.string() },
  handler: async ({ mount, issuer_ref }, context) => {
    const clean = await pkiMount(context, mount);
    const result = await context.vault.POST('/{pki_mount_path}/config/issuers', {
      params: { path: { pki_mount_path: clean } },
      body: { default: issuer_ref },
    });
    const id = String((result.data as { default?: string } | undefined)?.default ?? issuer_ref);
    return {
      structured: { mount: clean, default_issuer_id: id },
      text: `default issuer of ${clean}/ is now ${issuer_ref} (${id})`,
    };
  },
});
