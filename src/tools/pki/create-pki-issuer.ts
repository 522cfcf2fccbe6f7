import { z } from 'zod';
import type { VaultClient } from '../../client/client.js';
import { VaultResponseError } from '../../client/errors.js';
import { pkiListIssuers } from '../../client/pki.js';
import { ToolInputError, type ToolContext } from '../../server/context.js';
import { describeVaultError } from '../../server/errors.js';
import { defineTool, ADDITIVE } from '../../server/tool.js';
import { durationField } from '../common.js';
import {
  pkiMountField,
  summarize,
  certificateSummarySchema,
  pkiMount,
  pkiBaseUrl,
} from './shared.js';

/** The URL fields of `GET /{pki_mount_path}/config/urls` the operator may have set. */
const URL_FIELDS = ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const;

/**
 * Point issuing_certificates / crl_distribution_points at this mount when the mount has no URL
 * configured at all (`GET`, then `POST /{pki_mount_path}/config/urls`). Any field already set
 * (the operator's CDN, an OCSP responder) leaves every field as it is.
 * @returns the issuing_certificates in force, or a warning when Vault refused.
 */
async function configureUrls(vault: VaultClient, mount: string): Promise<string[] | string> {
  try {
    const current = await vault.GET('/{pki_mount_path}/config/urls', {
      params: { path: { pki_mount_path: mount } },
    });
    // Narrow cast: each field is checked to be an array before use.
    const fields = (current.data ?? {}) as Partial<Record<(typeof URL_FIELDS)[number], unknown>>;
    const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
    if (URL_FIELDS.some((f) => list(fields[f]).length > 0))
      return list(fields.issuing_certificates);
    const base = pkiBaseUrl(vault, mount);
    await vault.POST('/{pki_mount_path}/config/urls', {
      params: { path: { pki_mount_path: mount } },
      body: { issuing_certificates: [`${base}/ca`], crl_distribution_points: [`${base}/crl`] },
    });
    return [`${base}/ca`];
  } catch (error) {
    if (error instanceof VaultResponseError)
      return `URLs not configured (${error.status}: ${error.errors.join('; ')}); configure_pki_urls can set them`;
    throw error;
  }
}

/** What an intermediate CA is created with (create_pki_issuer's arguments). */
interface IntermediateRequest {
  common_name: string;
  issuer_name: string;
  ttl?: string | number | undefined;
  key_type?: 'rsa' | 'ec' | 'ed25519' | undefined;
  key_bits?: number | undefined;
}

/** A Vault error as a tool would word it, or the message of any other error. */
function errorText(vault: VaultClient, error: unknown): string {
  return error instanceof VaultResponseError
    ? describeVaultError(error, vault.info.address)
    : (error as Error).message;
}

/**
 * Remove what a failed intermediate left on `mount`: the imported `issuers`, then the generated
 * key `keyId` (`DELETE /v1/{mount}/issuer/{ref}`, `DELETE /v1/{mount}/key/{ref}`). Resolves
 * with a sentence for each that could not be removed.
 */
async function removeLeftovers(
  vault: VaultClient,
  mount: string,
  issuers: readonly string[],
  keyId: string | undefined,
): Promise<string[]> {
  const leftovers: string[] = [];
  const remove = async (what: string, template: 'issuer' | 'key', ref: string) => {
    try {
      if (template === 'issuer')
        await vault.DELETE('/{pki_mount_path}/issuer/{issuer_ref}', {
          params: { path: { pki_mount_path: mount, issuer_ref: ref } },
        });
      else
        await vault.DELETE('/{pki_mount_path}/key/{key_ref}', {
          params: { path: { pki_mount_path: mount, key_ref: ref } },
        });
    } catch (error) {
      leftovers.push(
        `${what} ${ref} on ${mount} could not be removed (${errorText(vault, error)})`,
      );
    }
  };
  for (const issuer of issuers) await remove('the imported issuer', 'issuer', issuer);
  if (keyId) await remove('the generated key', 'key', keyId);
  return leftovers;
}

/**
 * Import the signed `certificate` (a bundle of the intermediate and its signers) on `mount`
 * (`POST /v1/{mount}/intermediate/set-signed`); `imported.issuers` learns every issuer Vault
 * imported, for the clean-up. Resolves with the id of the issuer bound to key `keyId`.
 * @throws ToolInputError when Vault imported no new issuer.
 */
async function importSigned(
  vault: VaultClient,
  mount: string,
  certificate: string,
  keyId: string | undefined,
  imported: { issuers: readonly string[] },
): Promise<string> {
  const answer = await vault.POST('/{pki_mount_path}/intermediate/set-signed', {
    params: { path: { pki_mount_path: mount } },
    body: { certificate },
  });
  // The bundle holds the new intermediate and its signer(s); Vault imports the signers as
  // key-less issuers so chains build. Ours is the one bound to the key generated before.
  const { imported_issuers, mapping } = (answer.data ?? {}) as {
    imported_issuers?: string[] | null;
    mapping?: Record<string, string>;
  };
  imported.issuers = imported_issuers ?? [];
  const issuerId =
    Object.entries(mapping ?? {}).find(([, key]) => key && key === keyId)?.[0] ??
    imported_issuers?.[0];
  if (!issuerId)
    throw new ToolInputError(`${mount}: Vault imported no new issuer from the signed certificate`);
  return issuerId;
}

/**
 * An intermediate CA on `mount` signed by `rootIssuer` of `rootMount`: a key and CSR generated
 * in Vault, signed, imported, named, and made the default on a mount that had no issuer. On a
 * failure after the key exists, what was made is removed before the error is thrown (with what
 * could not be removed named in it).
 * @throws VaultError, ToolInputError.
 */
async function createIntermediate(
  context: ToolContext,
  mount: string,
  rootMount: string,
  rootIssuer: string,
  request: IntermediateRequest,
): Promise<{ issuer_id: string; certificate: string; ca_chain: string[]; warnings: string[] }> {
  const { vault } = context;
  const firstIssuer = (await pkiListIssuers(vault, mount)).length === 0;
  const generated = await vault.POST('/{pki_mount_path}/intermediate/generate/{exported}', {
    params: { path: { pki_mount_path: mount, exported: 'internal' } },
    body: {
      common_name: request.common_name,
      ...(request.key_type ? { key_type: request.key_type } : {}),
      ...(request.key_bits ? { key_bits: request.key_bits } : {}),
    },
  });
  const { csr, key_id } = (generated.data ?? {}) as { csr?: string; key_id?: string };
  // From here on a failure would leave an unused key (and, after set-signed, imported issuers)
  // on the mount: remove them before reporting, and name whatever could not be removed.
  const imported: { issuers: readonly string[] } = { issuers: [] };
  try {
    const signed = await vault.POST('/{pki_mount_path}/issuer/{issuer_ref}/sign-intermediate', {
      params: { path: { pki_mount_path: rootMount, issuer_ref: rootIssuer } },
      body: {
        csr: csr ?? '',
        common_name: request.common_name,
        ttl: request.ttl ?? '43800h',
        format: 'pem_bundle',
      },
    });
    const { certificate = '', ca_chain = [] } = (signed.data ?? {}) as {
      certificate?: string;
      ca_chain?: string[];
    };
    const issuerId = await importSigned(vault, mount, certificate, key_id, imported);
    await vault.PATCH('/{pki_mount_path}/issuer/{issuer_ref}', {
      params: { path: { pki_mount_path: mount, issuer_ref: issuerId } },
      body: { issuer_name: request.issuer_name },
    });
    if (firstIssuer) {
      // On a fresh mount the first imported certificate (possibly the key-less root) became the
      // default; roles using 'default' must sign with the intermediate.
      await vault.POST('/{pki_mount_path}/config/issuers', {
        params: { path: { pki_mount_path: mount } },
        body: { default: issuerId },
      });
    }
    return { issuer_id: issuerId, certificate, ca_chain, warnings: [] };
  } catch (error) {
    const leftovers = await removeLeftovers(vault, mount, imported.issuers, key_id);
    if (leftovers.length === 0) throw error;
    throw new ToolInputError(`${errorText(vault, error)} Also: ${leftovers.join('; ')}.`);
  }
}

export const createPkiIssuer = defineTool({
  name: 'create_pki_issuer',
  title: 'Create PKI issuer',
  description:
    "Create a CA (issuer) on a PKI mount: a root, or with root_mount and root_issuer an intermediate signed by it. The key stays in Vault. Sets the mount's CA and CRL URLs when unset. Avoid generic names (example, demo, test).",
  toolset: 'pki',
  write: true,
  mintsCredentials: true,
  annotations: ADDITIVE,
  operations: [
    'ui_mounts_read',
    'pki_generate_root',
    'pki_read_urls_configuration',
    'pki_configure_urls',
  ],
  // Intermediate CAs only (root_mount/root_issuer).
  optionalOperations: [
    'pki_generate_intermediate',
    'pki_issuer_sign_intermediate',
    'pki_set_signed_intermediate',
    'pki_patch_issuer',
    'pki_delete_key',
    'pki_delete_issuer',
    'pki_list_issuers',
    'pki_configure_issuers',
  ],
  input: {
    mount: pkiMountField,
    type: z.enum(['internal']).default('internal'),
    common_name: z.string().min(1).describe("E.g. 'HashiCups Root CA'."),
    issuer_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "use letters, digits, '-' and '_' only")
      .describe("Unique on the mount, e.g. 'hashicups-root-2026'."),
    ttl: durationField(
      "E.g. '8760h' or seconds; default 87600h (root), 43800h (intermediate); capped by the mount's max_ttl.",
    ).optional(),
    key_type: z.enum(['rsa', 'ec', 'ed25519']).optional().describe("Vault's default: rsa."),
    key_bits: z.number().int().optional().describe('rsa 2048/3072/4096, ec 256/384/521.'),
    root_mount: z.string().optional().describe('Intermediate: PKI mount of the signing root.'),
    root_issuer: z
      .string()
      .optional()
      .describe('Intermediate: signing issuer (name or id) on root_mount.'),
  },
  output: {
    mount: z.string(),
    issuer_id: z.string(),
    issuer_name: z.string(),
    kind: z.enum(['root', 'intermediate']),
    certificate: z.string().describe('PEM.'),
    ca_chain: z.array(z.string()).optional(),
    summary: certificateSummarySchema.optional(),
    issuing_certificates: z.array(z.string()).optional(),
    warnings: z.array(z.string()),
  },
  handler: async (args, context) => {
    const mount = await pkiMount(context, args.mount);
    if (Boolean(args.root_mount) !== Boolean(args.root_issuer)) {
      throw new ToolInputError(
        'an intermediate needs both root_mount and root_issuer; give both, or neither for a root CA',
      );
    }
    const { vault } = context;
    const warnings: string[] = [];
    let result: { issuer_id: string; certificate: string; ca_chain?: string[] };
    let kind: 'root' | 'intermediate';
    if (args.root_mount && args.root_issuer) {
      kind = 'intermediate';
      const made = await createIntermediate(
        context,
        mount,
        await pkiMount(context, args.root_mount, 'root_mount'),
        args.root_issuer,
        args,
      );
      warnings.push(...made.warnings);
      result = made;
    } else {
      kind = 'root';
      const generated = await vault.POST('/{pki_mount_path}/root/generate/{exported}', {
        params: { path: { pki_mount_path: mount, exported: args.type } },
        body: {
          common_name: args.common_name,
          issuer_name: args.issuer_name,
          ttl: args.ttl ?? '87600h',
          ...(args.key_type ? { key_type: args.key_type } : {}),
          ...(args.key_bits ? { key_bits: args.key_bits } : {}),
        },
      });
      const data = (generated.data ?? {}) as { issuer_id?: string; certificate?: string };
      result = { issuer_id: data.issuer_id ?? '', certificate: data.certificate ?? '' };
    }
    const urls = await configureUrls(vault, mount);
    if (typeof urls === 'string') warnings.push(urls);
    const summary = summarize(result.certificate);
    return {
      structured: {
        mount,
        issuer_id: result.issuer_id,
        issuer_name: args.issuer_name,
        kind,
        certificate: result.certificate,
        ...(result.ca_chain ? { ca_chain: result.ca_chain } : {}),
        ...(summary ? { summary } : {}),
        ...(Array.isArray(urls) ? { issuing_certificates: urls } : {}),
        warnings,
      },
      text: [
        `created ${kind} issuer '${args.issuer_name}' (${result.issuer_id}) on ${mount}/: ${summary?.subject ?? args.common_name}, valid until ${summary?.not_after ?? '?'}`,
        ...warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    };
  },
});
