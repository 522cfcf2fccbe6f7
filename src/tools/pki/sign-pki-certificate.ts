import { z } from 'zod';
import { pkiSign } from '../../client/pki.js';
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

export const signPkiCertificate = defineTool({
  name: 'sign_pki_certificate',
  title: 'Sign CSR',
  description:
    "Sign a certificate signing request (PEM CSR) with a PKI role (pki/sign/<role>). The private key never leaves the machine that made the CSR, so nothing secret passes through the model. The role's key_type must match the CSR's key (or be 'any').",
  toolset: 'pki',
  write: true,
  mintsCredentials: true,
  annotations: ADDITIVE,
  operations: ['ui_mounts_read', 'pki_sign_with_role'],
  input: {
    mount: pkiMountField,
    role_name: z.string().min(1).describe('Role to sign with.'),
    csr: z
      .string()
      .includes('CERTIFICATE REQUEST', {
        message: 'must be a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)',
      })
      .describe('PEM-encoded CSR.'),
    common_name: z.string().optional().describe("Common name; the CSR's when absent."),
    alt_names: nameListField.optional().describe("DNS SANs in addition to the CSR's."),
    ip_sans: nameListField.optional(),
    uri_sans: nameListField.optional(),
    ttl: durationField("Lifetime, capped by the role's max_ttl.").optional(),
  },
  output: certificateOutputShape,
  handler: async (
    { mount, role_name, csr, common_name, alt_names, ip_sans, uri_sans, ttl },
    context,
  ) => {
    const clean = await pkiMount(context, mount);
    const signed = await pkiSign(context.vault, clean, role_name, {
      csr,
      ...(common_name ? { common_name } : {}),
      ...sanFields({ alt_names, ip_sans, uri_sans }),
      ...(ttl !== undefined ? { ttl } : {}),
    });
    const { structured, line } = certificateOutput(clean, role_name, signed);
    return { structured, text: `signed ${line}` };
  },
});
