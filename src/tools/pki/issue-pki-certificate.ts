import { z } from 'zod';
import { pkiIssue } from '../../client/pki.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { durationField } from '../common.js';
import {
  certificateOutput,
  certificateOutputShape,
  nameListField,
  pkiMountField,
  sanFields,
  pkiMount,
} from './shared.js';

export const issuePkiCertificate = defineTool({
  name: 'issue_pki_certificate',
  title: 'Issue PKI certificate',
  description:
    'Issue a certificate and a new private key with a PKI role. The key is withheld unless the operator enabled reveal, and Vault keeps no copy: to keep a key, sign a local CSR with sign_pki_certificate.',
  toolset: 'pki',
  write: true,
  mintsCredentials: true,
  annotations: ADDITIVE,
  operations: ['ui_mounts_read', 'pki_issue_with_role'],
  input: {
    mount: pkiMountField,
    role_name: z.string().min(1),
    common_name: z.string().min(1).describe("E.g. 'api.hashicups.internal'."),
    ttl: durationField("Capped by the role's max_ttl; e.g. '72h' or seconds.").default('30d'),
    alt_names: nameListField.optional().describe('DNS SANs, comma-separated or a list.'),
    ip_sans: nameListField.optional().describe('IP SANs.'),
    uri_sans: nameListField.optional().describe('URI SANs.'),
    exclude_cn_from_sans: z.boolean().optional(),
  },
  output: {
    ...certificateOutputShape,
    private_key_type: z.string().optional(),
    private_key: z.string().optional().describe('Only when the operator enabled reveal.'),
    private_key_withheld: z.boolean(),
    note: z.string().optional(),
  },
  handler: async (
    { mount, role_name, common_name, ttl, alt_names, ip_sans, uri_sans, exclude_cn_from_sans },
    context,
  ) => {
    const clean = await pkiMount(context, mount);
    const issued = await pkiIssue(context.vault, clean, role_name, {
      common_name,
      ttl,
      ...sanFields({ alt_names, ip_sans, uri_sans }),
      ...(exclude_cn_from_sans !== undefined ? { exclude_cn_from_sans } : {}),
    });
    const reveal = context.config.revealSecrets;
    const { structured, line } = certificateOutput(clean, role_name, issued);
    const note = reveal
      ? undefined
      : 'The private key is withheld (VAULT_MCP_REVEAL_SECRETS is off) and Vault keeps no copy: revoke this certificate if unused, and prefer sign_pki_certificate with a locally made CSR.';
    return {
      structured: {
        ...structured,
        ...(issued.private_key_type ? { private_key_type: issued.private_key_type } : {}),
        ...(reveal && issued.private_key ? { private_key: issued.private_key } : {}),
        private_key_withheld: !reveal,
        ...(note ? { note } : {}),
      },
      text: `issued ${line}\n${note ?? 'private key included (reveal is on).'}`,
    };
  },
});
