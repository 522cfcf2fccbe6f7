import { z } from 'zod';
import { VaultResponseError } from '../../client/errors.js';
import { defineTool, READ } from '../../server/tool.js';
import { certificateSummarySchema, pkiMountField, summarize, pkiMount } from './shared.js';

export const readPkiCaChain = defineTool({
  name: 'read_pki_ca_chain',
  title: 'Read PKI CA chain',
  description:
    "Read the CA chain of a PKI mount's default issuer (PEM, leaf CA first); empty when it has no CA yet.",
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_read_cert_ca_chain'],
  input: { mount: pkiMountField },
  output: {
    mount: z.string(),
    ca_chain: z.array(z.string()),
    summaries: z.array(certificateSummarySchema),
  },
  handler: async ({ mount }, context) => {
    const clean = await pkiMount(context, mount);
    let data: { ca_chain?: string | string[]; certificate?: string } = {};
    try {
      const result = await context.vault.GET('/{pki_mount_path}/cert/ca_chain', {
        params: { path: { pki_mount_path: clean } },
      });
      data = (result.data ?? {}) as typeof data;
    } catch (error) {
      // A mount without any issuer answers 400 "no default issuer currently configured".
      if (!(
        error instanceof VaultResponseError &&
        error.status === 400 &&
        error.errors.some((e) => /no default issuer/i.test(e))
      ))
        throw error;
    }
    const raw = Array.isArray(data.ca_chain)
      ? data.ca_chain.join('\n')
      : (data.ca_chain ?? data.certificate ?? '');
    const chain = raw.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const summaries = chain
      .map(summarize)
      .filter((s): s is NonNullable<typeof s> => s !== undefined);
    return {
      structured: { mount: clean, ca_chain: chain, summaries },
      text: chain.length
        ? summaries
            .map((s, i) => `${i}: ${s.subject} (issued by ${s.issuer}, valid until ${s.not_after})`)
            .join('\n')
        : `${clean}/ has no CA yet`,
    };
  },
});
