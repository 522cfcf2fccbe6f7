import { z } from 'zod';
import { pkiWriteRole } from '../../client/pki.js';
import { defineTool, DESTRUCTIVE_IDEMPOTENT } from '../../server/tool.js';
import { durationField } from '../common.js';
import { nameListField, pkiMountField, pkiMount } from './shared.js';
import { anyObject } from '../../server/portable-schema.js';

export const createPkiRole = defineTool({
  name: 'create_pki_role',
  title: 'Create PKI role',
  description:
    'Create or replace a PKI role. Give allowed_domains (usually with allow_subdomains) to restrict names; without them any name is allowed. Avoid generic names (example, demo, test).',
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_write_role'],
  input: {
    mount: pkiMountField,
    role_name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '.', '-' and '_' only")
      .describe("E.g. 'hashicups-web'."),
    issuer_name: z
      .string()
      .default('default')
      .describe("Signing issuer, name or id; 'default': the mount's default. Vault's issuer_ref."),
    allow_any_name: z
      .boolean()
      .optional()
      .describe('Default: false with allowed_domains, else true.'),
    allowed_domains: nameListField
      .default([])
      .describe("Comma-separated or a list, e.g. 'hashicups.internal'."),
    allow_subdomains: z.boolean().optional().describe('Subdomains of allowed_domains too.'),
    allow_bare_domains: z.boolean().optional().describe('The allowed_domains themselves too.'),
    allow_glob_domains: z
      .boolean()
      .default(false)
      .describe("Globs like '*.x.internal' in allowed_domains."),
    allow_ip_sans: z.boolean().default(false),
    allow_localhost: z.boolean().optional(),
    key_type: z
      .enum(['rsa', 'ec', 'ed25519', 'any'])
      .optional()
      .describe("'any' (sign only) accepts any CSR key. Vault's default: rsa."),
    key_bits: z.number().int().optional().describe('rsa 2048/3072/4096, ec 256/384/521.'),
    ttl: durationField("Default certificate lifetime, e.g. '72h' or seconds.").optional(),
    max_ttl: durationField("Longest certificate lifetime, e.g. '90d' or seconds.").default('30d'),
    use_csr_common_name: z
      .boolean()
      .optional()
      .describe(
        "sign_pki_certificate uses the CSR's CN (Vault default true), else the call's common_name.",
      ),
    use_csr_sans: z
      .boolean()
      .optional()
      .describe(
        "sign_pki_certificate uses the CSR's SANs (Vault default true), else the call's alt_names/ip_sans/uri_sans.",
      ),
    server_flag: z.boolean().optional().describe('TLS server use (Vault default true).'),
    client_flag: z.boolean().optional().describe('TLS client use (Vault default true).'),
  },
  output: {
    mount: z.string(),
    role_name: z.string(),
    issuer_ref: z.string(),
    settings: anyObject(),
  },
  handler: async ({ mount, role_name, issuer_name, ...given }, context) => {
    const clean = await pkiMount(context, mount);
    const settings = {
      ...given,
      allow_any_name: given.allow_any_name ?? given.allowed_domains.length === 0,
    };
    const body = Object.fromEntries(
      Object.entries({ issuer_ref: issuer_name, ...settings }).filter(([, v]) => v !== undefined),
    );
    const ignored =
      settings.allow_any_name && settings.allowed_domains.length > 0
        ? ' Note: allow_any_name=true lets any name through, so allowed_domains restricts nothing.'
        : '';
    const written = await pkiWriteRole(context.vault, clean, role_name, body);
    return {
      structured: {
        mount: clean,
        role_name,
        issuer_ref: String(written['issuer_ref'] ?? issuer_name),
        settings: body,
      },
      text: `role '${role_name}' on ${clean}/ issues with issuer '${issuer_name}': allow_any_name=${settings.allow_any_name}, allowed_domains=${JSON.stringify(settings.allowed_domains)}, max_ttl=${settings.max_ttl}.${ignored}`,
    };
  },
});
