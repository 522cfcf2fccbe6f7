import { z } from 'zod';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { pkiMountField, unixTime, pkiMount } from './shared.js';

export const revokePkiCertificate = defineTool({
  name: 'revoke_pki_certificate',
  title: 'Revoke PKI certificate',
  description: 'Revoke a certificate of a PKI mount and add it to the CRL (cannot be undone).',
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_revoke'],
  input: {
    mount: pkiMountField,
    serial_number: z
      .string()
      .regex(
        /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})*$/,
        "must be hex bytes separated by ':' or '-', e.g. 4e:94:ff",
      )
      .describe('As list_pki_certificates shows it.'),
  },
  output: { mount: z.string(), serial_number: z.string(), revocation_time: z.string().optional() },
  handler: async ({ mount, serial_number }, context) => {
    const clean = await pkiMount(context, mount);
    const result = await context.vault.POST('/{pki_mount_path}/revoke', {
      params: { path: { pki_mount_path: clean } },
      body: { serial_number },
    });
    const when = unixTime(
      (result.data as { revocation_time?: number } | undefined)?.revocation_time,
    );
    return {
      structured: { mount: clean, serial_number, ...(when ? { revocation_time: when } : {}) },
      text: `revoked ${serial_number} on ${clean}/${when ? ` at ${when}` : ''}`,
    };
  },
});
