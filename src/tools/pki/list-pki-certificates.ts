import { z } from 'zod';
import { isNotFound } from '../../client/mounts.js';
import { defineTool, READ } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';

export const listPkiCertificates = defineTool({
  name: 'list_pki_certificates',
  title: 'List PKI certificates',
  description:
    'List serial numbers of the certificates a PKI mount stored (issued, signed, CA), or only revoked ones.',
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_list_certs', 'pki_list_revoked_certs'],
  input: {
    mount: pkiMountField,
    revoked: z.boolean().default(false),
  },
  output: { mount: z.string(), revoked: z.boolean(), serial_numbers: z.array(z.string()) },
  handler: async ({ mount, revoked }, context) => {
    const clean = await pkiMount(context, mount);
    const params = {
      params: { path: { pki_mount_path: clean }, query: { list: 'true' as const } },
    };
    let keys: string[] = [];
    try {
      const result = revoked
        ? await context.vault.GET('/{pki_mount_path}/certs/revoked/', params)
        : await context.vault.GET('/{pki_mount_path}/certs/', params);
      keys = ((result.data as { keys?: string[] } | undefined)?.keys ?? []).map(String).sort();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return {
      structured: { mount: clean, revoked, serial_numbers: keys },
      text: keys.length
        ? `${keys.length} ${revoked ? 'revoked ' : ''}certificate${keys.length === 1 ? '' : 's'} on ${clean}/:\n${keys.join('\n')}`
        : `no ${revoked ? 'revoked ' : ''}certificates on ${clean}/: []`,
    };
  },
});
