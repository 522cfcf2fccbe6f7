import { z } from 'zod';
import { pkiSign } from '../../client/pki.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { cleanMount, durationField } from '../common.js';
import {
  certificateSummarySchema,
  nameListField,
  pkiMountField,
  summarize,
  unixTime,
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
  operations: ['pki_sign_with_role'],
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
  output: {
    mount: z.string(),
    role_name: z.string(),
    serial_number: z.string(),
    certificate: z.string(),
    issuing_ca: z.string(),
    ca_chain: z.array(z.string()),
    expiration: z.string().optional(),
    summary: certificateSummarySchema.optional(),
  },
  handler: async (
    { mount, role_name, csr, common_name, alt_names, ip_sans, uri_sans, ttl },
    context,
  ) => {
    const clean = cleanMount(mount);
    const signed = await pkiSign(context.vault, clean, role_name, {
      csr,
      ...(common_name ? { common_name } : {}),
      ...(alt_names?.length ? { alt_names: alt_names.join(',') } : {}),
      ...(ip_sans?.length ? { ip_sans } : {}),
      ...(uri_sans?.length ? { uri_sans } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
    });
    const summary = summarize(signed.certificate ?? '');
    const expiration = unixTime(signed.expiration);
    return {
      structured: {
        mount: clean,
        role_name,
        serial_number: signed.serial_number ?? '',
        certificate: signed.certificate ?? '',
        issuing_ca: signed.issuing_ca ?? '',
        ca_chain: signed.ca_chain ?? [],
        ...(expiration ? { expiration } : {}),
        ...(summary ? { summary } : {}),
      },
      text: `signed ${summary?.subject ?? 'the CSR'} (serial ${signed.serial_number ?? '?'}) with role '${role_name}' on ${clean}/, issued by ${summary?.issuer ?? '?'}, valid until ${expiration ?? '?'}`,
    };
  },
});
