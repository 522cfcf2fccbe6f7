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
    'Create or replace a PKI role: allowed names, key type, lifetimes and signing issuer. Give allowed_domains (usually with allow_subdomains) to restrict names; without them any name is allowed. Avoid generic names like example, demo or test.',
  toolset: 'pki',
  write: true,
  annotations: DESTRUCTIVE_IDEMPOTENT,
  operations: ['ui_mounts_read', 'pki_write_role'],
  input: {
    mount: pkiMountField,
    role_name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '.', '-' and '_' only")
      .describe("Role name, e.g. 'hashicups-web'."),
    issuer_name: z
      .string()
      .default('default')
      .describe(
        "Issuer (name or id) that signs for this role; 'default' is the mount's default issuer. Sent to Vault as issuer_ref.",
      ),
    allow_any_name: z
      .boolean()
      .optional()
      .describe(
        'Allow any name. Defaults to false when allowed_domains is given (the domains then restrict names) and to true when it is not.',
      ),
    allowed_domains: nameListField
      .default([])
      .describe(
        "Domains certificates may be issued for, comma-separated or a list, e.g. 'hashicups.internal,example.com'.",
      ),
    allow_subdomains: z
      .boolean()
      .optional()
      .describe('Allow subdomains of allowed_domains (e.g. api.hashicups.internal).'),
    allow_bare_domains: z
      .boolean()
      .optional()
      .describe('Allow the allowed_domains themselves as names.'),
    allow_glob_domains: z
      .boolean()
      .default(false)
      .describe("Allow globs like '*.hashicups.internal' in allowed_domains."),
    allow_ip_sans: z
      .boolean()
      .default(false)
      .describe('Allow IP addresses as subject alternative names.'),
    allow_localhost: z.boolean().optional().describe("Allow 'localhost' as a name."),
    key_type: z
      .enum(['rsa', 'ec', 'ed25519', 'any'])
      .optional()
      .describe(
        "Key type of issued certificates; 'any' (sign only) accepts any CSR key. Vault's default is rsa.",
      ),
    key_bits: z
      .number()
      .int()
      .optional()
      .describe('Key size (rsa 2048/3072/4096, ec 256/384/521).'),
    ttl: durationField('Default lifetime of certificates from this role.').optional(),
    max_ttl: durationField('Longest lifetime of certificates from this role.').default('30d'),
    use_csr_common_name: z
      .boolean()
      .optional()
      .describe(
        "sign_pki_certificate takes the CSR's common name (Vault default true); false uses the common_name of the call.",
      ),
    use_csr_sans: z
      .boolean()
      .optional()
      .describe(
        "sign_pki_certificate takes the CSR's SANs (Vault default true); false uses the alt_names/ip_sans/uri_sans of the call.",
      ),
    server_flag: z
      .boolean()
      .optional()
      .describe('Certificates usable for TLS servers (Vault default true).'),
    client_flag: z
      .boolean()
      .optional()
      .describe('Certificates usable for TLS clients (Vault default true).'),
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
