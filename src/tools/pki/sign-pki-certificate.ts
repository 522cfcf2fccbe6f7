import { z } from 'zod';
import { VaultResponseError } from '../../client/errors.js';
import { pkiSign } from '../../client/pki.js';
import { ToolInputError, type ToolContext } from '../../server/context.js';
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

/**
 * Vault signs with the CSR's common name and SANs, ignoring those of the request, while the role
 * has use_csr_common_name / use_csr_sans (both true by default). A name the caller asked for
 * must not vanish: read the role (`GET /v1/<mount>/roles/<role>`) and refuse before signing.
 * @throws ToolInputError when the role would ignore a given name, or cannot be read to tell.
 */
async function refuseIgnoredNames(
  context: ToolContext,
  mount: string,
  role: string,
  given: { common_name: boolean; sans: boolean },
): Promise<void> {
  if (!given.common_name && !given.sans) return;
  let settings: { use_csr_common_name?: boolean; use_csr_sans?: boolean };
  try {
    const result = await context.vault.GET('/{pki_mount_path}/roles/{name}', {
      params: { path: { pki_mount_path: mount, name: role } },
    });
    settings = (result.data ?? {}) as typeof settings;
  } catch (error) {
    if (error instanceof VaultResponseError && error.status === 403)
      throw new ToolInputError(
        `cannot tell whether role '${role}' uses the CSR's names instead of common_name/alt_names (this token may not read ${mount}/roles/${role}): put the names in the CSR and omit them here`,
      );
    throw error;
  }
  const ignored = [
    given.common_name && settings.use_csr_common_name !== false
      ? 'common_name (use_csr_common_name=true)'
      : undefined,
    given.sans && settings.use_csr_sans !== false
      ? 'alt_names/ip_sans/uri_sans (use_csr_sans=true)'
      : undefined,
  ].filter(Boolean);
  if (ignored.length)
    throw new ToolInputError(
      `role '${role}' on ${mount}/ takes names from the CSR, so Vault may ignore ${ignored.join(' and ')}; nothing was signed. Put the names in the CSR, or set use_csr_common_name / use_csr_sans to false on the role (create_pki_role).`,
    );
}

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
  optionalOperations: ['pki_read_role'],
  input: {
    mount: pkiMountField,
    role_name: z.string().min(1).describe('Role to sign with.'),
    csr: z
      .string()
      // A pattern, not .includes(): that becomes a non-standard JSON Schema "format".
      .regex(/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/, {
        message: 'must be a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)',
      })
      .describe('PEM-encoded CSR.'),
    common_name: z
      .string()
      .optional()
      .describe(
        "Common name instead of the CSR's; only for a role with use_csr_common_name=false (refused otherwise). Usually omit it: the CSR's is used.",
      ),
    alt_names: nameListField
      .optional()
      .describe(
        "DNS SANs instead of the CSR's; only for a role with use_csr_sans=false (refused otherwise). Usually omit it: the CSR's are used.",
      ),
    ip_sans: nameListField.optional().describe('IP SANs (see alt_names).'),
    uri_sans: nameListField.optional().describe('URI SANs (see alt_names).'),
    ttl: durationField("Lifetime, capped by the role's max_ttl.").optional(),
  },
  output: certificateOutputShape,
  handler: async (
    { mount, role_name, csr, common_name, alt_names, ip_sans, uri_sans, ttl },
    context,
  ) => {
    const clean = await pkiMount(context, mount);
    await refuseIgnoredNames(context, clean, role_name, {
      common_name: common_name !== undefined,
      sans: Boolean(alt_names || ip_sans || uri_sans),
    });
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
