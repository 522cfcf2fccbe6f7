import { z } from 'zod';
import { pkiListIssuers } from '../../client/pki.js';
import { defineTool, READ } from '../../server/tool.js';
import { pkiMountField, pkiMount } from './shared.js';

export const listPkiIssuers = defineTool({
  name: 'list_pki_issuers',
  title: 'List PKI issuers',
  description: 'List the issuers (CAs) of a PKI mount and which is the default.',
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_list_issuers'],
  input: { mount: pkiMountField },
  output: {
    mount: z.string(),
    issuers: z.array(
      z.object({
        issuer_id: z.string(),
        issuer_name: z.string(),
        is_default: z.boolean(),
        key_id: z.string().optional(),
        serial_number: z.string().optional(),
      }),
    ),
  },
  handler: async ({ mount }, context) => {
    const clean = await pkiMount(context, mount);
    const issuers = await pkiListIssuers(context.vault, clean);
    return {
      structured: {
        mount: clean,
        issuers: issuers.map((i) => ({
          issuer_id: i.issuer_id,
          issuer_name: i.issuer_name,
          is_default: i.is_default,
          ...(i.key_id ? { key_id: i.key_id } : {}),
          ...(i.serial_number ? { serial_number: i.serial_number } : {}),
        })),
      },
      text: issuers.length
        ? issuers
            .map(
              (i) =>
                `${i.issuer_name || '(unnamed)'}  ${i.issuer_id}${i.is_default ? '  (default)' : ''}`,
            )
            .join('\n')
        : `${clean}/ has no issuers: []`,
    };
  },
});
