import { z } from 'zod';
import { VaultResponseError } from '../../client/errors.js';
import { pkiSign } from '../../client/pki.js';
import { ToolInputError, type ToolContext } from '../../server/context.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { durationField } from '../common.js';
import { readCsr, type CsrFacts } from './csr.js';
import {
  certificateOutput,
  certificateOutputShape,
  nameListField,
  pkiMountField,
  sanFields,
  pkiMount,
} from './shared.js';

/** The role settings the sign tool checks (`GET /v1/<mount>/roles/<role>`). */
interface RoleSettings {
  readonly use_csr_common_name?: boolean;
  readonly use_csr_sans?: boolean;
  readonly key_type?: string;
}

/**
 * The role, read once per call; undefined when this token may not read it (403).
 * @throws VaultResponseError other than 403 (e.g. 404: no such role).
 */
function roleReader(
  context: ToolContext,
  mount: string,
  role: string,
): () => Promise<RoleSettings | undefined> {
  let settings: Promise<RoleSettings | undefined> | undefined;
  return () =>
    (settings ??= context.vault
      .GET('/{pki_mount_path}/roles/{name}', {
        params: { path: { pki_mount_path: mount, name: role } },
      })
      .then(
        (result) => (result.data ?? {}) as RoleSettings,
        (error: unknown) => {
          if (error instanceof VaultResponseError && error.status === 403) return undefined;
          throw error;
        },
      ));
}

/** Names of the call that the CSR does not carry, each described for the refusal. */
function namesNotInCsr(
  csr: CsrFacts,
  given: { common_name?: string; alt_names?: string[]; ip_sans?: string[]; uri_sans?: string[] },
): { commonName?: string; sans: string[] } {
  const quote = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');
  const sans: string[] = [];
  for (const [field, wanted, has] of [
    ['alt_names', given.alt_names, csr.altNames],
    ['ip_sans', given.ip_sans, csr.ipSans],
    ['uri_sans', given.uri_sans, csr.uriSans],
  ] as const) {
    const missing = (wanted ?? []).filter((name) => !has.includes(name));
    if (missing.length) sans.push(`${field} ${quote(missing)} (not in the CSR)`);
  }
  const differs = given.common_name !== undefined && given.common_name !== csr.commonName;
  return {
    ...(differs
      ? {
          commonName: `common_name '${given.common_name}' (the CSR's is ${csr.commonName === undefined ? 'empty' : `'${csr.commonName}'`})`,
        }
      : {}),
    sans,
  };
}

/**
 * Vault signs with the CSR's common name and SANs, ignoring those of the request, while the role
 * has use_csr_common_name / use_csr_sans (both true by default). A name the caller asked for
 * must not vanish: when a given name is not the CSR's, read the role and refuse before signing.
 * @throws ToolInputError when the role would ignore a given name, or cannot be read to tell.
 */
async function refuseIgnoredNames(
  mount: string,
  role: string,
  readRole: () => Promise<RoleSettings | undefined>,
  differing: { commonName?: string; sans: string[] },
): Promise<void> {
  if (!differing.commonName && differing.sans.length === 0) return;
  const settings = await readRole();
  const names = [differing.commonName, ...differing.sans].filter(Boolean).join(' and ');
  if (!settings)
    throw new ToolInputError(
      `cannot tell whether role '${role}' would ignore ${names} in favour of the CSR's names (this token may not read ${mount}/roles/${role}); nothing was signed. Put the names in the CSR and omit them here.`,
    );
  const ignored = [
    differing.commonName && settings.use_csr_common_name !== false
      ? ([differing.commonName, 'use_csr_common_name'] as const)
      : undefined,
    ...differing.sans.map((san) =>
      settings.use_csr_sans !== false ? ([san, 'use_csr_sans'] as const) : undefined,
    ),
  ].filter((entry) => entry !== undefined);
  if (ignored.length === 0) return;
  const flags = [...new Set(ignored.map(([, flag]) => flag))];
  throw new ToolInputError(
    `role '${role}' on ${mount}/ takes names from the CSR (${flags.map((f) => `${f}=true`).join(', ')}), so Vault would ignore ${ignored.map(([what]) => what).join(' and ')}; nothing was signed. Omit them to sign with the CSR's names, put them in the CSR, or set ${flags.join(' / ')} to false on the role (create_pki_role).`,
  );
}

/**
 * Vault refuses (400) a CSR whose key the role's key_type does not take. Say which setting
 * allows it.
 * @returns the refusal, or undefined when the key type is not what went wrong.
 */
async function keyTypeRefusal(
  mount: string,
  role: string,
  readRole: () => Promise<RoleSettings | undefined>,
  csr: CsrFacts,
): Promise<ToolInputError | undefined> {
  // A role that cannot be read (or is gone) explains nothing: Vault's own answer stands.
  const wanted = (await readRole().catch(() => undefined))?.key_type;
  if (!wanted || wanted === 'any' || wanted === csr.keyType) return undefined;
  return new ToolInputError(
    `role '${role}' on ${mount}/ signs only ${wanted} keys (key_type=${wanted}) and the CSR's key is ${csr.keyType}; nothing was signed. Set key_type=any on the role (create_pki_role replaces the role: repeat its other settings), or make the CSR with a ${wanted} key.`,
  );
}

export const signPkiCertificate = defineTool({
  name: 'sign_pki_certificate',
  title: 'Sign CSR',
  description:
    "Sign a PEM CSR with a PKI role; the private key stays where the CSR was made. The role's key_type must match the CSR's key (or be 'any').",
  toolset: 'pki',
  write: true,
  mintsCredentials: true,
  annotations: ADDITIVE,
  operations: ['ui_mounts_read', 'pki_sign_with_role'],
  optionalOperations: ['pki_read_role'],
  input: {
    mount: pkiMountField,
    role_name: z.string().min(1),
    csr: z
      .string()
      // A pattern, not .includes(): that becomes a non-standard JSON Schema "format".
      .regex(/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/, {
        message: 'must be a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)',
      })
      .describe('PEM.'),
    common_name: z
      .string()
      .optional()
      .describe("Only for a role with use_csr_common_name=false (else the CSR's)."),
    alt_names: nameListField
      .optional()
      .describe("DNS SANs, only for a role with use_csr_sans=false (else the CSR's)."),
    ip_sans: nameListField.optional().describe('IP SANs (see alt_names).'),
    uri_sans: nameListField.optional().describe('URI SANs (see alt_names).'),
    ttl: durationField("Capped by the role's max_ttl; e.g. '72h' or seconds.").optional(),
  },
  output: certificateOutputShape,
  handler: async (
    { mount, role_name, csr, common_name, alt_names, ip_sans, uri_sans, ttl },
    context,
  ) => {
    const clean = await pkiMount(context, mount);
    const readRole = roleReader(context, clean, role_name);
    const given = {
      ...(common_name !== undefined ? { common_name } : {}),
      ...(alt_names ? { alt_names } : {}),
      ...(ip_sans ? { ip_sans } : {}),
      ...(uri_sans ? { uri_sans } : {}),
    };
    // The CSR is read only when its names or key matter: names given, or a refusal to explain.
    const facts = Object.keys(given).length > 0 ? await readCsr(csr) : undefined;
    if (facts) await refuseIgnoredNames(clean, role_name, readRole, namesNotInCsr(facts, given));
    const signed = await pkiSign(context.vault, clean, role_name, {
      csr,
      ...(common_name ? { common_name } : {}),
      ...sanFields({ alt_names, ip_sans, uri_sans }),
      ...(ttl !== undefined ? { ttl } : {}),
    }).catch(async (error: unknown) => {
      if (!(error instanceof VaultResponseError) || error.status !== 400) throw error;
      throw (
        (await keyTypeRefusal(clean, role_name, readRole, facts ?? (await readCsr(csr)))) ?? error
      );
    });
    const { structured, line } = certificateOutput(clean, role_name, signed);
    return { structured, text: `signed ${line}` };
  },
});
