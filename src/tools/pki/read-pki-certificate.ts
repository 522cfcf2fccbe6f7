import { z } from 'zod';
import { isNotFound } from '../../client/mounts.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import {
  certificateSummarySchema,
  pkiMountField,
  summarize,
  unixTime,
  pkiMount,
} from './shared.js';

export const readPkiCertificate = defineTool({
  name: 'read_pki_certificate',
  title: 'Read PKI certificate',
  description: 'Read a certificate of a PKI mount by serial number: PEM, summary, revocation time.',
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_read_cert'],
  input: {
    mount: pkiMountField,
    serial_number: z
      .string()
      .min(1)
      .describe("Hex with ':' or '-', or 'ca' (the default CA), 'ca_chain', 'crl'."),
  },
  output: {
    mount: z.string(),
    serial_number: z.string(),
    certificate: z.string(),
    revoked: z.boolean(),
    revocation_time: z.string().optional(),
    summary: certificateSummarySchema.optional(),
  },
  handler: async ({ mount, serial_number }, context) => {
    const clean = await pkiMount(context, mount);
    let data: { certificate?: string; revocation_time?: number };
    try {
      const result = await context.vault.GET('/{pki_mount_path}/cert/{serial}', {
        params: { path: { pki_mount_path: clean, serial: serial_number } },
      });
      data = (result.data ?? {}) as typeof data;
    } catch (error) {
      if (isNotFound(error))
        throw new ToolInputError(
          `no certificate with serial ${serial_number} on ${clean}/; list_pki_certificates shows the serials`,
        );
      throw error;
    }
    if (!data.certificate)
      throw new ToolInputError(`no certificate with serial ${serial_number} on ${clean}/`);
    const summary = summarize(data.certificate);
    const revokedAt = unixTime(data.revocation_time);
    return {
      structured: {
        mount: clean,
        serial_number,
        certificate: data.certificate,
        revoked: Boolean(revokedAt),
        ...(revokedAt ? { revocation_time: revokedAt } : {}),
        ...(summary ? { summary } : {}),
      },
      text: `${summary?.subject ?? serial_number} issued by ${summary?.issuer ?? '?'}, valid ${summary?.not_before ?? '?'} to ${summary?.not_after ?? '?'}${summary?.dns_names.length ? `, SANs ${summary.dns_names.join(', ')}` : ''}${revokedAt ? `, REVOKED at ${revokedAt}` : ''}`,
    };
  },
});
