import { z } from 'zod';
import { VaultResponseError } from '../../client/errors.js';
import { ToolInputError } from '../../server/context.js';
import { defineTool, READ } from '../../server/tool.js';
import { certificateSummarySchema, pkiMountField, summarize, pkiMount } from './shared.js';

export const readPkiIssuer = defineTool({
  name: 'read_pki_issuer',
  title: 'Read PKI issuer',
  description:
    'Read an issuer of a PKI mount: certificate, chain, usage, URLs. Falls back to the public issuer/<ref>/json when issuer/<ref> is denied.',
  toolset: 'pki',
  write: false,
  annotations: READ,
  operations: ['ui_mounts_read', 'pki_read_issuer_json'],
  // The full issuer read when allowed; the public issuer/<ref>/json otherwise.
  optionalOperations: ['pki_read_issuer'],
  input: {
    mount: pkiMountField,
    issuer_name: z.string().min(1).describe("Name or id, or 'default'."),
  },
  output: {
    mount: z.string(),
    issuer_id: z.string(),
    issuer_name: z.string(),
    key_id: z.string().optional(),
    certificate: z.string(),
    ca_chain: z.array(z.string()),
    usage: z.string().optional(),
    issuing_certificates: z.array(z.string()).optional(),
    crl_distribution_points: z.array(z.string()).optional(),
    leaf_not_after_behavior: z.string().optional(),
    summary: certificateSummarySchema.optional(),
    source: z.enum(['issuer', 'issuer_json']).describe('Which endpoint answered.'),
  },
  handler: async ({ mount, issuer_name }, context) => {
    const clean = await pkiMount(context, mount);
    const params = { params: { path: { pki_mount_path: clean, issuer_ref: issuer_name } } };
    let data: Record<string, unknown>;
    let source: 'issuer' | 'issuer_json' = 'issuer';
    try {
      data = ((await context.vault.GET('/{pki_mount_path}/issuer/{issuer_ref}', params)).data ??
        {}) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof VaultResponseError)) throw error;
      if (error.status === 403) {
        data = ((await context.vault.GET('/{pki_mount_path}/issuer/{issuer_ref}/json', params))
          .data ?? {}) as Record<string, unknown>;
        source = 'issuer_json';
      } else if (
        error.status === 404 ||
        (error.status === 500 && error.errors.some((e) => /unable to find/i.test(e)))
      ) {
        throw new ToolInputError(
          `no issuer '${issuer_name}' on ${clean}/; list_pki_issuers shows the issuers`,
        );
      } else {
        throw error;
      }
    }
    const str = (k: string): string | undefined =>
      typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined;
    const arr = (k: string): string[] | undefined =>
      Array.isArray(data[k]) ? (data[k] as unknown[]).map(String) : undefined;
    const certificate = str('certificate') ?? '';
    const summary = summarize(certificate);
    const structured = {
      mount: clean,
      issuer_id: str('issuer_id') ?? '',
      issuer_name: str('issuer_name') ?? '',
      ...(str('key_id') ? { key_id: str('key_id') } : {}),
      certificate,
      ca_chain: arr('ca_chain') ?? [],
      ...(str('usage') ? { usage: str('usage') } : {}),
      ...(arr('issuing_certificates') ? { issuing_certificates: arr('issuing_certificates') } : {}),
      ...(arr('crl_distribution_points')
        ? { crl_distribution_points: arr('crl_distribution_points') }
        : {}),
      ...(str('leaf_not_after_behavior')
        ? { leaf_not_after_behavior: str('leaf_not_after_behavior') }
        : {}),
      ...(summary ? { summary } : {}),
      source,
    };
    return {
      structured,
      text: `issuer '${structured.issuer_name || '(unnamed)'}' (${structured.issuer_id}) on ${clean}/: ${summary?.subject ?? '?'}, issued by ${summary?.issuer ?? '?'}, valid until ${summary?.not_after ?? '?'}`,
    };
  },
});
